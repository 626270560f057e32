// Heartbeat (key 12): keeps a member's session alive and tells it when the group rebalances.
//
// Version notes:
//   v1      throttle time
//   v3      group.instance.id (static members; FENCED_INSTANCE_ID)
//   v4      flexible
// Errors: INVALID_GROUP_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (the member must
// rejoin), FENCED_INSTANCE_ID, COORDINATOR_NOT_AVAILABLE. While the coordinator is loading the answer is
// NONE, as Kafka: the member's state is not known yet.
import { decodeHeartbeatRequest, type HeartbeatRequest } from '../../protocol/generated/messages/heartbeat-request.js'
import { sizeHeartbeatResponse, writeHeartbeatResponse, type HeartbeatResponse } from '../../protocol/generated/messages/heartbeat-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeHeartbeatRequest, sizeResponse: sizeHeartbeatResponse, writeResponse: writeHeartbeatResponse },
  uses: ['authorizer', 'groups'],
  handle (svc, ctx, req: HeartbeatRequest): HeartbeatResponse {
    // ACLs: READ on the group
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }
    const errorCode = svc.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null
    })
    return { throttleTimeMs: 0, errorCode }
  }
})
