// DeleteAcls (key 31): removes the stored bindings matching each filter (durably before answering) and returns
// them per filter, as `kafka-acls.sh --remove` and kafkajs admin.deleteAcls send them. Needs ALTER on the
// cluster.
//
// Version notes:
//   v0      no pattern type filter (LITERAL)
//   v1      pattern type filter (ANY, MATCH, LITERAL, PREFIXED)
//   v2      flexible
//   v3      USER resource type (same body)
// Errors per filter: SECURITY_DISABLED without an authorizer; CLUSTER_AUTHORIZATION_FAILED; INVALID_REQUEST for
// a filter with an UNKNOWN code (the other filters still apply).
import { decodeDeleteAclsRequest, type DeleteAclsRequest } from '../../protocol/generated/messages/delete-acls-request.js'
import { sizeDeleteAclsResponse, writeDeleteAclsResponse, type DeleteAclsResponse } from '../../protocol/generated/messages/delete-acls-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { validateFilter, type AclBindingFilter } from '../../core/security/acl/filter.js'
import { AclOperation } from '../../core/security/acl/model.js'
import { defineHandler } from '../handler.js'
import { aclRefusal } from './acl-support.js'
import { failure } from './failure.js'

export default defineHandler({
  apiKey: 31,
  minVersion: 0,
  maxVersion: 3,
  codec: { decodeRequest: decodeDeleteAclsRequest, sizeResponse: sizeDeleteAclsResponse, writeResponse: writeDeleteAclsResponse },
  uses: ['authorizer', 'logger'],
  async handle (svc, ctx, req: DeleteAclsRequest): Promise<DeleteAclsResponse> {
    const refused = aclRefusal(svc.authorizer, ctx, AclOperation.ALTER)
    if (refused !== null) return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ ...refused, matchingAcls: [] })) }
    const filters: AclBindingFilter[] = req.filters.map(f => ({
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: f.patternTypeFilter,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permission: f.permissionType
    }))
    const problems = filters.map(validateFilter)
    const valid = filters.filter((_, i) => problems[i] === null)
    let removed
    try {
      removed = await svc.authorizer.delete(valid)
    } catch (err) {
      const f = failure(svc.logger, err, 'deleting ACLs')
      return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: f.code, errorMessage: f.message, matchingAcls: [] })) }
    }
    let next = 0
    return {
      throttleTimeMs: 0,
      filterResults: problems.map(why => {
        if (why !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why, matchingAcls: [] }
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: removed[next++].map(b => ({
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: b.resourceType,
            resourceName: b.resourceName,
            patternType: b.patternType,
            principal: b.principal,
            host: b.host,
            operation: b.operation,
            permissionType: b.permission
          }))
        }
      })
    }
  }
})
