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

const NO_OPERATIONS = -2147483648
/** READ (3), DELETE (6), DESCRIBE (8): the operations Kafka defines on a group. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)

export default defineHandler({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeDescribeGroupsRequest, sizeResponse: sizeDescribeGroupsResponse, writeResponse: writeDescribeGroupsResponse },
  uses: ['groups'],
  handle (svc, ctx, req: DescribeGroupsRequest): DescribeGroupsResponse {
    const ops = ctx.apiVersion >= 3 && req.includeAuthorizedOperations ? GROUP_OPERATIONS : NO_OPERATIONS
    return {
      throttleTimeMs: 0,
      groups: req.groups.map(id => ({ ...svc.groups.describe(id), authorizedOperations: ops }))
    }
  }
})
