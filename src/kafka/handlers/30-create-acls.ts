// CreateAcls (key 30): stores ACL bindings (durably before answering), one result per creation, as
// `kafka-acls.sh --add` and kafkajs admin.createAcls send them. Needs ALTER on the cluster. A binding already
// stored is answered NONE (Kafka's idempotent create).
//
// Version notes:
//   v0      no pattern type (LITERAL)
//   v1      resource pattern type (LITERAL or PREFIXED)
//   v2      flexible
//   v3      USER resource type (same body)
// Errors per creation: SECURITY_DISABLED without an authorizer; CLUSTER_AUTHORIZATION_FAILED; INVALID_REQUEST
// naming what is wrong (pattern type MATCH/ANY, resource type ANY, operation ANY, empty name, unparsable
// principal, a CLUSTER resource other than kafka-cluster).
import { decodeCreateAclsRequest, type CreateAclsRequest } from '../../protocol/generated/messages/create-acls-request.js'
import { sizeCreateAclsResponse, writeCreateAclsResponse, type CreateAclsResponse } from '../../protocol/generated/messages/create-acls-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation } from '../../core/security/acl/model.js'
import { defineHandler } from '../handler.js'
import { aclRefusal } from './acl-support.js'
import { failure } from './failure.js'

export default defineHandler({
  apiKey: 30,
  minVersion: 0,
  maxVersion: 3,
  codec: { decodeRequest: decodeCreateAclsRequest, sizeResponse: sizeCreateAclsResponse, writeResponse: writeCreateAclsResponse },
  uses: ['authorizer', 'logger'],
  async handle (svc, ctx, req: CreateAclsRequest): Promise<CreateAclsResponse> {
    const refused = aclRefusal(svc.authorizer, ctx, AclOperation.ALTER)
    if (refused !== null) return { throttleTimeMs: 0, results: req.creations.map(() => ({ ...refused })) }
    const bindings = req.creations.map(c => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permission: c.permissionType
    }))
    try {
      const results = await svc.authorizer.create(bindings)
      return {
        throttleTimeMs: 0,
        results: results.map(why => why === null
          ? { errorCode: ErrorCode.NONE, errorMessage: null }
          : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why })
      }
    } catch (err) {
      const f = failure(svc.logger, err, 'storing ACLs')
      return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: f.code, errorMessage: f.message })) }
    }
  }
})
