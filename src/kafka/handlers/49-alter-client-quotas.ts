// AlterClientQuotas (key 49): sets or removes client quota values per entity, as `kafka-configs.sh --alter
// --add-config 'producer_byte_rate=1024' --entity-type clients --entity-name c1` (and --delete-config) sends.
// Validation is Kafka's controller's (core/quotas/quota-store.ts): entity types user, client-id (alone or
// together) and ip (alone); keys per entity kind; values > 0, whole for LONG/INT keys. Each entity is answered
// on its own (INVALID_REQUEST with Kafka's message); valid entities are applied even when others fail, and are
// durable before the answer. validate_only checks without applying.
//
// Version notes:
//   v0      entries (entity: type + name, null name = the default entity; ops: key, value, remove), validate_only
//   v1      flexible
// A failure to write the state file answers every entity of the request with the failure's code.
// Authorization: Kafka requires ALTER_CONFIGS on the CLUSTER (else CLUSTER_AUTHORIZATION_FAILED for every
// entity) (checked first; nothing is applied).
import { decodeAlterClientQuotasRequest, type AlterClientQuotasRequest } from '../../protocol/generated/messages/alter-client-quotas-request.js'
import { sizeAlterClientQuotasResponse, writeAlterClientQuotasResponse, type AlterClientQuotasResponse } from '../../protocol/generated/messages/alter-client-quotas-response.js'
import { ErrorCode, errorMessage } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'
import { failure } from './failure.js'

export default defineHandler({
  apiKey: 49,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeAlterClientQuotasRequest, sizeResponse: sizeAlterClientQuotasResponse, writeResponse: writeAlterClientQuotasResponse },
  uses: ['logger', 'quotas', 'authorizer'],
  async handle (svc, ctx, req: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse> {
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.ALTER_CONFIGS)) {
      return { throttleTimeMs: 0, entries: req.entries.map(e => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), entity: e.entity })) }
    }
    const alterations = req.entries.map(e => ({
      entity: e.entity,
      ops: e.ops.map(op => ({ key: op.key, value: op.remove ? null : op.value }))
    }))
    try {
      const results = await svc.quotas.alter(alterations, req.validateOnly)
      return {
        throttleTimeMs: 0,
        entries: results.map(r => ({
          errorCode: r.error === null ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
          errorMessage: r.error,
          entity: r.entity.map(c => ({ entityType: c.entityType, entityName: c.entityName }))
        }))
      }
    } catch (err) {
      const f = failure(svc.logger, err, 'altering client quotas')
      return {
        throttleTimeMs: 0,
        entries: req.entries.map(e => ({ errorCode: f.code, errorMessage: f.message, entity: e.entity }))
      }
    }
  }
})
