// LeaveGroup (key 13): members leave (the group rebalances without them at once).
//
// Version notes:
//   v1      throttle time
//   v3      batched: a list of members, each by member id and/or group.instance.id (KIP-345), with
//           per-member errors; an empty member id with an instance id removes that static member (admin)
//   v4      flexible
//   v5      per-member leave reason (KIP-800), logged
// v0-v2 carry one member id; their response has only the error code: the group-level error, else the
// member's. Errors: INVALID_GROUP_ID, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, COORDINATOR_LOAD_IN_PROGRESS,
// COORDINATOR_NOT_AVAILABLE.
import { decodeLeaveGroupRequest, type LeaveGroupRequest } from '../../protocol/generated/messages/leave-group-request.js'
import { sizeLeaveGroupResponse, writeLeaveGroupResponse, type LeaveGroupResponse } from '../../protocol/generated/messages/leave-group-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeLeaveGroupRequest, sizeResponse: sizeLeaveGroupResponse, writeResponse: writeLeaveGroupResponse },
  uses: ['authorizer', 'groups'],
  handle (svc, ctx, req: LeaveGroupRequest): LeaveGroupResponse {
    const v = ctx.apiVersion
    // ACLs: READ on the group
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] }
    const members = v >= 3
      ? req.members.map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null }))
      : [{ memberId: req.memberId, groupInstanceId: null, reason: null }]
    const r = svc.groups.leave(req.groupId, members)
    if (v >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members }
    let errorCode = r.errorCode
    if (errorCode === ErrorCode.NONE) errorCode = r.members.find(m => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE
    return { throttleTimeMs: 0, errorCode, members: [] }
  }
})
