// DescribeClientQuotas (key 48): the client quota entities matching a filter, with their values, as
// `kafka-configs.sh --describe --entity-type users|clients|ips` reads them (the filter semantics are the
// store's: core/quotas/quota-store.ts describe(), Kafka's ClientQuotasImage.describe).
//
// Version notes:
//   v0      components (entity type; match type 0 exact name, 1 the default entity, 2 any specified entity),
//           strict (only entities with exactly the filtered types)
//   v1      flexible
// A bad filter answers the whole request with Kafka's code and message (INVALID_REQUEST; an entity type other
// than user, client-id, ip: UNSUPPORTED_VERSION) and null entries.
// Authorization: Kafka requires DESCRIBE_CONFIGS on the CLUSTER (else CLUSTER_AUTHORIZATION_FAILED for the
// whole request) (checked first).
import { decodeDescribeClientQuotasRequest, type DescribeClientQuotasRequest } from '../../protocol/generated/messages/describe-client-quotas-request.js'
import { sizeDescribeClientQuotasResponse, writeDescribeClientQuotasResponse, type DescribeClientQuotasResponse } from '../../protocol/generated/messages/describe-client-quotas-response.js'
import { ErrorCode, errorMessage } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'

export default defineHandler({
  apiKey: 48,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeDescribeClientQuotasRequest, sizeResponse: sizeDescribeClientQuotasResponse, writeResponse: writeDescribeClientQuotasResponse },
  uses: ['quotas', 'authorizer'],
  handle (svc, ctx, req: DescribeClientQuotasRequest): DescribeClientQuotasResponse {
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.DESCRIBE_CONFIGS)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), entries: null }
    }
    const found = svc.quotas.describe(req.components, req.strict)
    if (!Array.isArray(found)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode[found.code], errorMessage: found.message, entries: null }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: found.map(e => ({
        entity: e.entity.map(c => ({ entityType: c.type, entityName: c.name })),
        values: [...e.values].map(([key, value]) => ({ key, value }))
      }))
    }
  }
})
