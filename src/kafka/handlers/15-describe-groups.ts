// DescribeGroups (key 15): state, protocol and members of groups.
//
// Version notes:
//   v1      throttle time
//   v3      authorized operations on request (Samsa has no ACLs: READ, DELETE, DESCRIBE always)
//   v4      members' group.instance.id
//   v5      flexible
// As Kafka: an unknown group is answered with state "Dead" and no error (kafkajs' setOffsets relies on
// it); protocol data, member metadata and assignments are filled only in the Stable state; '' is a valid
// group id here. Errors per group: COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE.
import { decodeDescribeGroupsRequest, type DescribeGroupsRequest } from '../../protocol/generated/messages/describe-groups-request.js'
import { sizeDescribeGroupsResponse, writeDescribeGroupsResponse, type DescribeGroupsResponse } from '../../protocol/generated/messages/describe-groups-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed, authorizedOperations } from '../authorize.js'

const NO_OPERATIONS = -2147483648

export default defineHandler({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeDescribeGroupsRequest, sizeResponse: sizeDescribeGroupsResponse, writeResponse: writeDescribeGroupsResponse },
  uses: ['authorizer', 'groups'],
  handle (svc, ctx, req: DescribeGroupsRequest): DescribeGroupsResponse {
    const wantOps = ctx.apiVersion >= 3 && req.includeAuthorizedOperations
    // ACLs: DESCRIBE on each group (else GROUP_AUTHORIZATION_FAILED); its authorized operations when asked
    return {
      throttleTimeMs: 0,
      groups: req.groups.map(id => allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.GROUP, id)
        ? { ...svc.groups.describe(id), authorizedOperations: authorizedOperations(svc.authorizer, ctx, ResourceType.GROUP, id, wantOps) }
        : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS })
    }
  }
})
