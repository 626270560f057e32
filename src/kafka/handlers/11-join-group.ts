// JoinGroup (key 11): enter a group's rebalance; parked until the join phase ends (see groups/membership.ts).
//
// Version notes:
//   v0      session timeout doubles as the rebalance timeout
//   v1      rebalance timeout
//   v2      throttle time
//   v4      a first join without member id gets MEMBER_ID_REQUIRED and an id to rejoin with (KIP-394)
//   v5      group.instance.id: static membership (KIP-345); FENCED_INSTANCE_ID
//   v6      flexible
//   v7      protocol type in the response; protocol name nullable (KIP-559)
//   v8      join reason (KIP-800), logged
//   v9      skipAssignment: a static leader rejoining a Stable group is told not to reassign (KIP-814)
// Errors: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID,
// MEMBER_ID_REQUIRED, FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, REBALANCE_IN_PROGRESS (a duplicate join
// replaced this one), COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR (closing).
// Only the leader's response lists the members (with their metadata for the chosen protocol).
import { decodeJoinGroupRequest, type JoinGroupRequest } from '../../protocol/generated/messages/join-group-request.js'
import { sizeJoinGroupResponse, writeJoinGroupResponse, type JoinGroupResponse } from '../../protocol/generated/messages/join-group-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { clientHost, ownBytes } from './group-support.js'

export default defineHandler({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  codec: { decodeRequest: decodeJoinGroupRequest, sizeResponse: sizeJoinGroupResponse, writeResponse: writeJoinGroupResponse },
  uses: ['authorizer', 'groups'],
  async handle (svc, ctx, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const v = ctx.apiVersion
    const groupInstanceId = v >= 5 ? req.groupInstanceId : null
    // ACLs: READ on the group
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName: v >= 7 ? null : '', leader: '', skipAssignment: false, memberId: req.memberId, members: [] }
    }
    const r = await svc.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId,
      clientId: ctx.clientId ?? '',
      clientHost: clientHost(ctx),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map(p => ({ name: p.name, metadata: ownBytes(p.metadata) })),
      requireKnownMemberId: v >= 4 && groupInstanceId === null,
      supportsSkipAssignment: v >= 9,
      reason: v >= 8 ? req.reason : null
    })
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members
    }
  }
})
