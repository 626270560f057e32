// DescribeAcls (key 29): the stored ACL bindings matching one filter, grouped by resource pattern, as
// `kafka-acls.sh --list` and kafkajs admin.describeAcls read them. Needs DESCRIBE on the cluster.
//
// Version notes:
//   v0      no pattern type (LITERAL implied)
//   v1      pattern type filter (ANY, MATCH, LITERAL, PREFIXED)
//   v2      flexible
//   v3      USER resource type (same body)
// Errors: SECURITY_DISABLED without an authorizer; CLUSTER_AUTHORIZATION_FAILED; INVALID_REQUEST for a filter
// with an UNKNOWN code, with a message.
import { decodeDescribeAclsRequest, type DescribeAclsRequest } from '../../protocol/generated/messages/describe-acls-request.js'
import { sizeDescribeAclsResponse, writeDescribeAclsResponse, type DescribeAclsResponse } from '../../protocol/generated/messages/describe-acls-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { validateFilter } from '../../core/security/acl/filter.js'
import { AclOperation } from '../../core/security/acl/model.js'
import { defineHandler } from '../handler.js'
import { aclRefusal } from './acl-support.js'

export default defineHandler({
  apiKey: 29,
  minVersion: 0,
  maxVersion: 3,
  codec: { decodeRequest: decodeDescribeAclsRequest, sizeResponse: sizeDescribeAclsResponse, writeResponse: writeDescribeAclsResponse },
  uses: ['authorizer'],
  handle (svc, ctx, req: DescribeAclsRequest): DescribeAclsResponse {
    const refused = aclRefusal(svc.authorizer, ctx, AclOperation.DESCRIBE)
    if (refused !== null) return { throttleTimeMs: 0, ...refused, resources: [] }
    const filter = {
      resourceType: req.resourceTypeFilter,
      resourceName: req.resourceNameFilter,
      patternType: req.patternTypeFilter,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation,
      permission: req.permissionType
    }
    const why = validateFilter(filter)
    if (why !== null) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why, resources: [] }
    const byPattern = new Map<string, DescribeAclsResponse['resources'][number]>()
    for (const b of svc.authorizer.describe(filter)) {
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`
      let r = byPattern.get(key)
      if (r === undefined) {
        r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }
        byPattern.set(key, r)
      }
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] }
  }
})
