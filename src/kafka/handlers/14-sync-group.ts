// SyncGroup (key 14): members fetch their assignment; the leader's request carries everyone's.
//
// Version notes:
//   v1      throttle time
//   v3      group.instance.id (static members; FENCED_INSTANCE_ID)
//   v4      flexible
//   v5      protocol type and name in request and response; a mismatch with the group's is
//           INCONSISTENT_GROUP_PROTOCOL (KIP-559)
// Followers' requests park until the leader's assignment is durable in __consumer_offsets.
// Errors: INVALID_GROUP_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (also while the
// coordinator is loading: the rebalance must restart), FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL,
// COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR (closing).
import { decodeSyncGroupRequest, type SyncGroupRequest } from '../../protocol/generated/messages/sync-group-request.js'
import { sizeSyncGroupResponse, writeSyncGroupResponse, type SyncGroupResponse } from '../../protocol/generated/messages/sync-group-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { ownBytes } from './group-support.js'

export default defineHandler({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeSyncGroupRequest, sizeResponse: sizeSyncGroupResponse, writeResponse: writeSyncGroupResponse },
  uses: ['authorizer', 'groups'],
  async handle (svc, ctx, req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const v = ctx.apiVersion
    // ACLs: READ on the group
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }
    }
    const r = await svc.groups.sync({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      protocolType: v >= 5 ? req.protocolType : null,
      protocolName: v >= 5 ? req.protocolName : null,
      assignments: req.assignments.map(a => ({ memberId: a.memberId, assignment: ownBytes(a.assignment) }))
    })
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment }
  }
})
