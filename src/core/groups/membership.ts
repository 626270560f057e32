// The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers that drive
// a group through its states (Kafka's GroupMetadataManager, classic-group part). Written from Kafka's
// semantics, which clients depend on:
//
// - JoinGroup v4+ without a member id (and without group.instance.id) gets MEMBER_ID_REQUIRED and a fresh
//   id; the member is "pending" until it rejoins with it (or its session timeout passes).
// - A join phase (PreparingRebalance) ends when every member has a JoinGroup parked and no pending member
//   is outstanding, or at the rebalance timeout (the largest among members), which drops the dynamic
//   members that did not rejoin. The first rebalance of an Empty group waits group.initial.rebalance.delay.ms,
//   extended while new members keep arriving, up to the rebalance timeout.
// - Ending the phase starts generation+1: every parked JoinGroup is answered; only the leader's answer lists
//   the members with their metadata. Then CompletingRebalance: SyncGroups park until the leader's SyncGroup
//   brings the assignment, which is stored in __consumer_offsets before anyone is answered (then Stable).
//   Members that send no SyncGroup within the rebalance timeout are dropped and the group rebalances.
// - Session timeout: each heartbeat (also a JoinGroup/SyncGroup/OffsetCommit) re-arms the member's timer;
//   when it fires the member is dropped, unless it is parked in a rebalance (and not new).
// - Static members (group.instance.id) survive restarts: a rejoin with the same instance id replaces the
//   old member id (whose parked requests get FENCED_INSTANCE_ID) without a rebalance when nothing changed.
//
// Invariant: every parked JoinGroup/SyncGroup is answered exactly once (by completion, error, removal of
// its member, or coordinator close); timers are keyed per group/member and replaced, never duplicated.
import { ErrorCode } from '../../protocol/errors.js'
import { appendErrorCode, type CoordinatorContext } from './context.js'
import { ClassicGroup } from './group.js'
import { EMPTY_ASSIGNMENT, GroupMember, joinError, syncError, type JoinResult, type ProtocolMetadata, type SyncResult } from './member.js'
import { selectProtocol } from './protocol.js'
import { groupMetadataRecord, type GroupMetadataValue } from './records.js'

export interface JoinRequest {
  groupId: string
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: ProtocolMetadata[]
  /** JoinGroup v4+ from a dynamic member: answer MEMBER_ID_REQUIRED to a first join. */
  requireKnownMemberId: boolean
  /** JoinGroup v9+: a static leader may be told to skip the assignment. */
  supportsSkipAssignment: boolean
  reason: string | null
}

export interface SyncRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  assignments: Array<{ memberId: string, assignment: Buffer }>
}

export interface HeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveMember {
  memberId: string
  groupInstanceId: string | null
  reason: string | null
}

export interface LeaveResult {
  errorCode: number
  members: Array<{ memberId: string, groupInstanceId: string | null, errorCode: number }>
}

const heartbeatKey = (groupId: string, memberId: string): string => `heartbeat:${groupId}:${memberId}`
const joinKey = (groupId: string): string => `join:${groupId}`
const syncKey = (groupId: string): string => `sync:${groupId}`

/** UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID checks shared by every member request (Kafka's validateMember). */
export function validateMember (group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const existing = group.staticMemberId(groupInstanceId)
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID
  }
  return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
}

export class Membership {
  constructor (private readonly ctx: CoordinatorContext) {}

  private get now (): number {
    return this.ctx.clock.now()
  }

  // ---- JoinGroup ----

  join (req: JoinRequest): Promise<JoinResult> {
    const { config, groups } = this.ctx
    if (req.sessionTimeoutMs < config.minSessionTimeoutMs || req.sessionTimeoutMs > config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT))
    }
    const isUnknown = req.memberId === ''
    let group = groups.get(req.groupId)
    const created = group === undefined
    if (group === undefined) {
      if (!isUnknown) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID))
      group = new ClassicGroup(req.groupId, this.now)
      groups.set(req.groupId, group)
    }
    const g = group
    const result = new Promise<JoinResult>(resolve => {
      if (!this.acceptJoiningMember(g, req.memberId)) {
        g.remove(req.memberId)
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED))
      } else if (isUnknown) {
        this.joinNewMember(g, req, resolve)
      } else {
        this.joinExistingMember(g, req, resolve)
      }
    })
    // a group created by a join that was refused (bad protocol) is not kept as an empty shell
    if (created && g.is('Empty') && g.size === 0 && g.pendingMembers.size === 0 && !this.ctx.offsets.has(g.groupId)) groups.delete(g.groupId)
    return result
  }

  private acceptJoiningMember (group: ClassicGroup, memberId: string): boolean {
    const max = this.ctx.config.maxGroupSize
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true
      case 'PreparingRebalance':
        return group.get(memberId)?.isAwaitingJoin === true || group.numAwaitingJoin < max
      default:
        return group.has(memberId) || group.size < max
    }
  }

  private joinNewMember (group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) {
      resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE))
      return
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols.map(p => p.name))) {
      resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
      return
    }
    const newMemberId = ClassicGroup.newMemberId(req.clientId, req.groupInstanceId)
    if (req.groupInstanceId !== null) {
      const existing = group.staticMemberId(req.groupInstanceId)
      if (existing !== undefined) {
        this.ctx.logger.info({ group: group.groupId, instance: req.groupInstanceId, oldMember: existing, member: newMemberId }, 'static member rejoins with a new member id')
        this.updateStaticMember(group, req, existing, newMemberId, resolve)
      } else {
        this.addMember(group, req, newMemberId, resolve)
      }
    } else if (req.requireKnownMemberId) {
      group.pendingMembers.add(newMemberId)
      this.ctx.timers.schedule(heartbeatKey(group.groupId, newMemberId), req.sessionTimeoutMs, () => this.expireHeartbeat(group.groupId, newMemberId))
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED))
    } else {
      this.addMember(group, req, newMemberId, resolve)
    }
  }

  private joinExistingMember (group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const memberId = req.memberId
    if (group.is('Dead')) {
      resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE))
      return
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols.map(p => p.name))) {
      resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
      return
    }
    if (group.isPending(memberId)) {
      // a pending member is always dynamic: it got its id from MEMBER_ID_REQUIRED
      if (req.groupInstanceId !== null) {
        resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID))
        return
      }
      this.addMember(group, req, memberId, resolve)
      return
    }
    const error = validateMember(group, memberId, req.groupInstanceId)
    if (error !== ErrorCode.NONE) {
      resolve(joinError(memberId, error))
      return
    }
    const member = group.get(memberId) as GroupMember
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, resolve, 'member rejoins during PreparingRebalance')
        return
      case 'CompletingRebalance':
        if (member.matches(req.protocols)) {
          // the member lost its JoinGroup response: answer again for the current generation
          this.rescheduleHeartbeat(group, member)
          resolve(this.joinResult(group, member, group.isLeader(memberId), group.leaderId ?? ''))
        } else {
          this.updateMemberAndRebalance(group, member, req, resolve, 'member changed its metadata during CompletingRebalance')
        }
        return
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(req.protocols)) {
          // the leader rejoining forces a rebalance (it may have seen topic metadata change)
          this.updateMemberAndRebalance(group, member, req, resolve, group.isLeader(memberId) ? 'leader rejoins' : 'member changed its metadata')
        } else {
          this.rescheduleHeartbeat(group, member)
          resolve(this.joinResult(group, member, false, group.leaderId ?? ''))
        }
        return
      default:
        this.ctx.logger.warn({ group: group.groupId, member: memberId, state: group.state }, 'rejoin of a member in an unexpected group state')
        resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID))
    }
  }

  private joinResult (group: ClassicGroup, member: GroupMember, withMembers: boolean, leader: string, skipAssignment = false): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader,
      skipAssignment,
      members: withMembers ? group.leaderMembersView() : []
    }
  }

  private addMember (group: ClassicGroup, req: JoinRequest, memberId: string, resolve: (r: JoinResult) => void): void {
    const member = new GroupMember({
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols
    })
    member.isNew = true
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true
    group.add(member, resolve)
    // a new member cannot heartbeat while its JoinGroup is parked: give it the (long) join timeout instead
    this.rescheduleHeartbeat(group, member, this.ctx.config.newMemberJoinTimeoutMs)
    this.maybePrepareRebalanceOrCompleteJoin(group, `new member ${memberId} joins`)
  }

  private updateMember (member: GroupMember, protocols: ProtocolMetadata[], rebalanceTimeoutMs: number, sessionTimeoutMs: number,
    resolve: ((r: JoinResult) => void) | null): void {
    member.protocols = protocols
    member.rebalanceTimeoutMs = rebalanceTimeoutMs
    member.sessionTimeoutMs = sessionTimeoutMs
    // a second JoinGroup from the same member replaces the first: answer the first so it does not hang
    if (resolve !== null && member.awaitingJoin !== null) member.completeJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS))
    member.awaitingJoin = resolve
  }

  private updateMemberAndRebalance (group: ClassicGroup, member: GroupMember, req: JoinRequest, resolve: (r: JoinResult) => void, reason: string): void {
    this.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, resolve)
    this.maybePrepareRebalanceOrCompleteJoin(group, reason)
  }

  private updateStaticMember (group: ClassicGroup, req: JoinRequest, oldMemberId: string, newMemberId: string, resolve: (r: JoinResult) => void): void {
    const instanceId = req.groupInstanceId as string
    const currentLeader = group.leaderId ?? ''
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId,
      joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID), syncError(ErrorCode.FENCED_INSTANCE_ID))
    this.ctx.timers.cancel(heartbeatKey(group.groupId, oldMemberId))
    this.rescheduleHeartbeat(group, member)
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs }
    this.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, resolve)

    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== selectProtocol(group.members.values())) {
          this.maybePrepareRebalanceOrCompleteJoin(group, `static member ${instanceId} rejoins with a change of protocol`)
          return
        }
        // nothing changes for the group: persist the new member id, then answer without a rebalance
        const assignment = new Map([...group.members.values()].map(m => [m.memberId, m.assignment]))
        const generation = group.generationId
        this.storeGroup(group, assignment).then(() => {
          if (group.get(newMemberId) !== member) return
          if (req.supportsSkipAssignment) {
            const isLeader = group.isLeader(newMemberId)
            member.completeJoin({ ...this.joinResult(group, member, isLeader, group.leaderId ?? '', isLeader), generationId: generation })
          } else {
            // the old leader id is returned so that a rejoining static leader does not compute an assignment
            // that a Stable group would never distribute
            member.completeJoin({ ...this.joinResult(group, member, false, currentLeader), generationId: generation })
          }
        }, err => {
          this.ctx.logger.warn({ group: group.groupId, instance: instanceId, err: (err as Error).message }, 'could not persist the static member\'s new id; reverting')
          if (group.get(newMemberId) !== member) return
          const cb = member.awaitingJoin
          this.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null)
          const reverted = group.replaceStaticMember(instanceId, newMemberId, oldMemberId, joinError(newMemberId, ErrorCode.UNKNOWN_MEMBER_ID), syncError(ErrorCode.UNKNOWN_MEMBER_ID))
          this.ctx.timers.cancel(heartbeatKey(group.groupId, newMemberId))
          this.rescheduleHeartbeat(group, reverted)
          cb?.({ ...joinError('', appendErrorCode(err)), generationId: group.generationId, protocolType: group.protocolType, protocolName: group.protocolName, leader: currentLeader })
        })
        return
      }
      case 'CompletingRebalance':
        // the leader may already hold an assignment for the old id: rebalance so the new id gets one
        this.prepareRebalance(group, `static member ${instanceId} rejoins during CompletingRebalance`)
        return
      case 'PreparingRebalance':
        this.maybeCompleteJoinPhase(group)
        return
      default:
        throw new Error(`group ${group.groupId} in state ${group.state} cannot have static member ${instanceId}`)
    }
  }

  // ---- rebalance driving ----

  private maybePrepareRebalanceOrCompleteJoin (group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason)
    else this.maybeCompleteJoinPhase(group)
  }

  private maybeCompleteJoinPhase (group: ClassicGroup): void {
    if (!group.is('PreparingRebalance')) return
    if (group.previousState === 'Empty') return // the initial rebalance ends with its delay
    if (!group.hasAllMembersJoined) return
    this.completeJoin(group)
  }

  prepareRebalance (group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS)
    this.removeSyncExpiration(group)
    const initial = group.is('Empty')
    if (initial) {
      const delay = this.ctx.config.initialRebalanceDelayMs
      const remaining = Math.max(group.rebalanceTimeoutMs - delay, 0)
      this.ctx.timers.schedule(joinKey(group.groupId), delay, () => this.tryCompleteInitialRebalance(group.groupId, delay, remaining))
    }
    group.transitionTo('PreparingRebalance', this.now)
    this.ctx.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance')
    if (!initial) this.maybeCompleteJoinElseSchedule(group)
  }

  private maybeCompleteJoinElseSchedule (group: ClassicGroup): void {
    if (group.hasAllMembersJoined) {
      this.completeJoin(group)
    } else {
      this.ctx.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs, () => this.completeJoinById(group.groupId))
    }
  }

  private tryCompleteInitialRebalance (groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.ctx.groups.get(groupId)
    if (group === undefined || !group.is('PreparingRebalance')) return
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false
      const nextDelay = Math.min(this.ctx.config.initialRebalanceDelayMs, remainingMs)
      const nextRemaining = Math.max(remainingMs - delayMs, 0)
      this.ctx.timers.schedule(joinKey(groupId), nextDelay, () => this.tryCompleteInitialRebalance(groupId, nextDelay, nextRemaining))
    } else {
      this.completeJoin(group)
    }
  }

  private completeJoinById (groupId: string): void {
    const group = this.ctx.groups.get(groupId)
    if (group !== undefined && group.is('PreparingRebalance')) this.completeJoin(group)
  }

  /** Ends the join phase: drops dynamic members that did not rejoin and starts the next generation. */
  private completeJoin (group: ClassicGroup): void {
    const { timers, logger } = this.ctx
    timers.cancel(joinKey(group.groupId))
    const dropped: string[] = []
    for (const m of group.notYetRejoined()) {
      if (m.isStatic) continue
      this.removeMember(group, m)
      dropped.push(m.memberId)
    }
    if (dropped.length > 0) logger.info({ group: group.groupId, members: dropped }, 'removed members that did not rejoin in time')

    if (group.is('Dead')) return
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // only static members that did not rejoin are left: wait for them (or for their session timeouts)
      logger.warn({ group: group.groupId }, 'rebalance cannot complete: no member rejoined')
      timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs, () => this.completeJoinById(group.groupId))
      return
    }
    group.initNextGeneration(this.now)
    if (group.is('Empty')) {
      logger.info({ group: group.groupId, generation: group.generationId }, 'group is now empty')
      this.storeGroup(group, new Map()).catch(err => {
        logger.warn({ group: group.groupId, err: (err as Error).message }, 'could not write the empty group\'s metadata')
      })
      return
    }
    logger.info({ group: group.groupId, generation: group.generationId, members: group.size, protocol: group.protocolName }, 'group stabilized: waiting for the assignment')
    for (const m of group.members.values()) {
      m.completeJoin(this.joinResult(group, m, group.isLeader(m.memberId), group.leaderId ?? ''))
      this.rescheduleHeartbeat(group, m)
      m.isNew = false
      group.pendingSyncMembers.add(m.memberId)
    }
    const generation = group.generationId
    timers.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs, () => this.expirePendingSync(group.groupId, generation))
  }

  private expirePendingSync (groupId: string, generation: number): void {
    const group = this.ctx.groups.get(groupId)
    if (group === undefined || group.generationId !== generation) return
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return
    if (group.pendingSyncMembers.size === 0) return
    const late = [...group.pendingSyncMembers]
    for (const id of late) {
      const m = group.get(id)
      if (m !== undefined) this.removeMember(group, m)
      else group.pendingSyncMembers.delete(id)
    }
    this.ctx.logger.info({ group: groupId, members: late }, 'removed members that sent no SyncGroup in time')
    this.prepareRebalance(group, `members ${late.join(', ')} sent no SyncGroup in time`)
  }

  private removeSyncExpiration (group: ClassicGroup): void {
    group.pendingSyncMembers.clear()
    this.ctx.timers.cancel(syncKey(group.groupId))
  }

  private resetAndPropagateAssignment (group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT
    this.propagateAssignment(group, errorCode)
  }

  private propagateAssignment (group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE
    for (const m of group.members.values()) {
      const answered = m.completeSync({
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment
      })
      // the session timer may have fired (and been ignored) while the member was parked: re-arm it
      if (answered) this.rescheduleHeartbeat(group, m)
    }
  }

  rescheduleHeartbeat (group: ClassicGroup, member: GroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId
    const memberId = member.memberId
    this.ctx.timers.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId))
  }

  private expireHeartbeat (groupId: string, memberId: string): void {
    const group = this.ctx.groups.get(groupId)
    if (group === undefined || group.is('Dead')) return
    if (group.isPending(memberId)) {
      this.ctx.logger.info({ group: groupId, member: memberId }, 'pending member expired (never rejoined with its id)')
      this.removePendingMember(group, memberId)
      return
    }
    const m = group.get(memberId)
    if (m === undefined || m.hasSatisfiedHeartbeat) return
    this.ctx.logger.info({ group: groupId, member: memberId, sessionTimeoutMs: m.sessionTimeoutMs }, 'member session expired: removing it from the group')
    this.removeMemberAndUpdateGroup(group, m, `member ${memberId} session expired`)
  }

  /** Removes a member, answering whatever it has parked, and cancels its timer. */
  private removeMember (group: ClassicGroup, m: GroupMember): void {
    m.completeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID))
    m.completeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    group.remove(m.memberId)
    this.ctx.timers.cancel(heartbeatKey(group.groupId, m.memberId))
  }

  private removeMemberAndUpdateGroup (group: ClassicGroup, m: GroupMember, reason: string): void {
    this.removeMember(group, m)
    if (group.is('Stable') || group.is('CompletingRebalance')) {
      this.maybePrepareRebalanceOrCompleteJoin(group, reason)
    } else if (group.is('PreparingRebalance') && group.hasAllMembersJoined) {
      this.completeJoin(group)
    }
  }

  private removePendingMember (group: ClassicGroup, memberId: string): void {
    group.remove(memberId)
    this.ctx.timers.cancel(heartbeatKey(group.groupId, memberId))
    if (group.is('PreparingRebalance') && group.hasAllMembersJoined) this.completeJoin(group)
  }

  // ---- SyncGroup ----

  sync (req: SyncRequest): Promise<SyncResult> {
    const group = this.ctx.groups.get(req.groupId)
    if (group === undefined || group.is('Empty')) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    if (group.is('Dead')) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE))
    let error = validateMember(group, req.memberId, req.groupInstanceId)
    if (error === ErrorCode.NONE && req.generationId !== group.generationId) error = ErrorCode.ILLEGAL_GENERATION
    if (error === ErrorCode.NONE && (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName))) {
      error = ErrorCode.INCONSISTENT_GROUP_PROTOCOL
    }
    if (error !== ErrorCode.NONE) return Promise.resolve(syncError(error))
    if (group.is('PreparingRebalance')) return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
    const member = group.get(req.memberId) as GroupMember
    if (group.is('Stable')) {
      group.pendingSyncMembers.delete(req.memberId)
      this.rescheduleHeartbeat(group, member)
      return Promise.resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment })
    }
    // CompletingRebalance: park until the leader's assignment is stored
    return new Promise<SyncResult>(resolve => {
      if (member.awaitingSync !== null) member.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
      member.awaitingSync = resolve
      group.pendingSyncMembers.delete(req.memberId)
      if (!group.isLeader(req.memberId)) return
      const assignment = new Map<string, Buffer>()
      for (const a of req.assignments) assignment.set(a.memberId, a.assignment)
      const missing: string[] = []
      for (const id of group.members.keys()) {
        if (!assignment.has(id)) {
          assignment.set(id, EMPTY_ASSIGNMENT)
          missing.push(id)
        }
      }
      if (missing.length > 0) this.ctx.logger.warn({ group: group.groupId, members: missing }, 'the leader assigned nothing to some members')
      const generation = group.generationId
      this.storeGroup(group, assignment).then(() => {
        if (!group.is('CompletingRebalance') || group.generationId !== generation) return
        for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT
        this.propagateAssignment(group, ErrorCode.NONE)
        group.transitionTo('Stable', this.now)
        this.ctx.logger.info({ group: group.groupId, generation }, 'group is stable')
      }, err => {
        if (!group.is('CompletingRebalance') || group.generationId !== generation) return
        this.ctx.logger.warn({ group: group.groupId, err: (err as Error).message }, 'could not store the group assignment')
        this.resetAndPropagateAssignment(group, appendErrorCode(err))
        this.maybePrepareRebalanceOrCompleteJoin(group, 'storing the assignment failed')
      })
    })
  }

  // ---- Heartbeat ----

  heartbeat (req: HeartbeatRequest): number {
    const group = this.ctx.groups.get(req.groupId)
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    const error = validateMember(group, req.memberId, req.groupInstanceId)
    if (error !== ErrorCode.NONE) return error
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    const member = group.get(req.memberId) as GroupMember
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID
      case 'PreparingRebalance':
        this.rescheduleHeartbeat(group, member)
        return ErrorCode.REBALANCE_IN_PROGRESS
      default:
        // heartbeats may start right after the JoinGroup response, while the group is CompletingRebalance
        this.rescheduleHeartbeat(group, member)
        return ErrorCode.NONE
    }
  }

  // ---- LeaveGroup ----

  leave (groupId: string, leaving: LeaveMember[]): LeaveResult {
    const group = this.ctx.groups.get(groupId)
    if (group === undefined) {
      return { errorCode: ErrorCode.NONE, members: leaving.map(l => ({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) }
    }
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] }
    const results: LeaveResult['members'] = []
    let left = 0
    for (const l of leaving) {
      const reason = l.reason ?? 'not provided'
      let errorCode: number = ErrorCode.NONE
      if (l.memberId === '') {
        // administrative removal by group.instance.id
        const id = group.staticMemberId(l.groupInstanceId)
        if (id !== undefined) this.removeLeavingMember(group, group.get(id) as GroupMember, reason)
        else errorCode = ErrorCode.UNKNOWN_MEMBER_ID
      } else if (group.isPending(l.memberId)) {
        group.remove(l.memberId)
        this.ctx.timers.cancel(heartbeatKey(groupId, l.memberId))
        this.ctx.logger.info({ group: groupId, member: l.memberId, reason }, 'pending member left the group')
      } else {
        errorCode = validateMember(group, l.memberId, l.groupInstanceId)
        if (errorCode === ErrorCode.NONE) this.removeLeavingMember(group, group.get(l.memberId) as GroupMember, reason)
      }
      if (errorCode === ErrorCode.NONE) left++
      results.push({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode })
    }
    if (left > 0) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group, 'members left the group')
      else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group)
    }
    return { errorCode: ErrorCode.NONE, members: results }
  }

  private removeLeavingMember (group: ClassicGroup, m: GroupMember, reason: string): void {
    this.ctx.logger.info({ group: group.groupId, member: m.memberId, instance: m.groupInstanceId, reason }, 'member left the group')
    this.removeMember(group, m)
  }

  // ---- persistence ----

  /** Writes the group's metadata record (state, generation, members and their assignments). */
  storeGroup (group: ClassicGroup, assignment: Map<string, Buffer>): Promise<void> {
    return this.ctx.append(group.groupId, [groupMetadataRecord(group.groupId, groupMetadataValue(group, assignment))])
  }

  /** After loading: members of a restored Stable group must heartbeat within their session timeout. */
  scheduleLoadedMembers (group: ClassicGroup): void {
    for (const m of group.members.values()) this.rescheduleHeartbeat(group, m)
  }

  /** Answers every parked request of the group (coordinator closing or group deleted). */
  abortParked (group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      m.completeJoin(joinError(m.memberId, errorCode))
      m.completeSync(syncError(errorCode))
    }
  }

  cancelTimers (group: ClassicGroup): void {
    this.ctx.timers.cancel(joinKey(group.groupId))
    this.ctx.timers.cancel(syncKey(group.groupId))
    for (const id of group.members.keys()) this.ctx.timers.cancel(heartbeatKey(group.groupId, id))
    for (const id of group.pendingMembers) this.ctx.timers.cancel(heartbeatKey(group.groupId, id))
  }
}

function inconsistent (requested: string | null, actual: string | null): boolean {
  return requested !== null && requested !== actual
}

export function groupMetadataValue (group: ClassicGroup, assignment: Map<string, Buffer>): GroupMetadataValue {
  const protocol = group.protocolName
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.currentStateTimestamp),
    members: [...group.members.values()].map(m => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: protocol === null ? EMPTY_ASSIGNMENT : m.metadataFor(protocol),
      assignment: assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT
    }))
  }
}
