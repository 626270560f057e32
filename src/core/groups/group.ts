// A classic consumer group's membership state (Kafka's ClassicGroup): state, generation, protocol type
// and chosen protocol, leader, members in join order, static members by group.instance.id, pending
// members (given an id by MEMBER_ID_REQUIRED but not yet rejoined) and pending-sync members (joined this
// generation, SyncGroup not yet received).
//
// Invariants:
// - leaderId is null or a member; when the leader is removed the next member in join order leads;
// - staticMembers maps each instance id to exactly one member, whose groupInstanceId is that id;
// - protocolType is the type every member joined with (kept while the group is Empty, for DescribeGroups);
// - protocolName is set exactly in CompletingRebalance and Stable (chosen when a generation starts);
// - generationId only grows (+1 per completed join phase, including one that empties the group).
// This class holds state and answers questions; the decisions (timers, rebalances, persistence) are the
// MembershipManager's. Offsets live in the OffsetStore, not here.
import { GroupMember, type JoinResult, type SyncResult } from './member.js'
import { canRebalance, canTransition, type GroupState } from './states.js'
import { CONSUMER_PROTOCOL_TYPE, selectProtocol, subscribedTopics, supportsProtocols } from './protocol.js'
import { randomUUID } from 'node:crypto'

export class ClassicGroup {
  state: GroupState = 'Empty'
  previousState: GroupState = 'Empty'
  /** When the group entered its current state (written to GroupMetadataValue; drives offset expiry of empty groups). */
  currentStateTimestamp: number
  generationId = 0
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  readonly members = new Map<string, GroupMember>()
  readonly pendingMembers = new Set<string>()
  readonly staticMembers = new Map<string, string>()
  readonly pendingSyncMembers = new Set<string>()
  /** Set when a member joins during the initial (from Empty) rebalance: the initial delay is extended. */
  newMemberAdded = false
  /** Topics the members subscribe to (consumer protocol), null if unknown. */
  subscribed: Set<string> | null = null

  constructor (readonly groupId: string, now: number) {
    this.currentStateTimestamp = now
  }

  is (state: GroupState): boolean {
    return this.state === state
  }

  transitionTo (to: GroupState, now: number): void {
    if (!canTransition(this.state, to)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${to}`)
    }
    this.previousState = this.state
    this.state = to
    this.currentStateTimestamp = now
  }

  get canRebalance (): boolean {
    return canRebalance(this.state)
  }

  get size (): number {
    return this.members.size
  }

  has (memberId: string): boolean {
    return this.members.has(memberId)
  }

  get (memberId: string): GroupMember | undefined {
    return this.members.get(memberId)
  }

  isLeader (memberId: string): boolean {
    return this.leaderId === memberId
  }

  staticMemberId (groupInstanceId: string | null): string | undefined {
    return groupInstanceId === null ? undefined : this.staticMembers.get(groupInstanceId)
  }

  isPending (memberId: string): boolean {
    return this.pendingMembers.has(memberId)
  }

  /** Kafka's member ids: `<client id or instance id>-<uuid>`. */
  static newMemberId (clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`
  }

  supportsProtocols (protocolType: string, protocols: readonly string[]): boolean {
    return supportsProtocols(this.is('Empty'), this.protocolType, this.members.values(), protocolType, protocols)
  }

  /** Adds a member (its JoinGroup parked if `onJoin` is given). */
  add (member: GroupMember, onJoin: ((r: JoinResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`)
      this.staticMembers.set(member.groupInstanceId, member.memberId)
    }
    if (this.members.size === 0) this.protocolType = member.protocolType
    this.members.set(member.memberId, member)
    if (this.leaderId === null) this.leaderId = member.memberId
    member.awaitingJoin = onJoin
    this.pendingMembers.delete(member.memberId)
  }

  /** Removes a member or pending member; the leader passes to the next member in join order. */
  remove (memberId: string): GroupMember | undefined {
    const m = this.members.get(memberId)
    if (m !== undefined) {
      this.members.delete(memberId)
      if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId)
    }
    if (this.leaderId === memberId) {
      const next = this.members.keys().next()
      this.leaderId = next.done === true ? null : next.value
    }
    this.pendingMembers.delete(memberId)
    this.pendingSyncMembers.delete(memberId)
    return m
  }

  /**
   * Static member rejoining with a new member id: the old id's parked requests are fenced, the new member
   * takes over its place (metadata, assignment, leadership).
   */
  replaceStaticMember (groupInstanceId: string, oldMemberId: string, newMemberId: string, fencedJoin: JoinResult, fencedSync: SyncResult): GroupMember {
    const old = this.members.get(oldMemberId)
    if (old === undefined) throw new Error(`cannot replace unknown member ${oldMemberId}`)
    this.members.delete(oldMemberId)
    old.completeJoin(fencedJoin)
    old.completeSync(fencedSync)
    const m = new GroupMember({
      memberId: newMemberId,
      groupInstanceId,
      clientId: old.clientId,
      clientHost: old.clientHost,
      rebalanceTimeoutMs: old.rebalanceTimeoutMs,
      sessionTimeoutMs: old.sessionTimeoutMs,
      protocolType: old.protocolType,
      protocols: old.protocols,
      assignment: old.assignment
    })
    this.members.set(newMemberId, m)
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId
    this.staticMembers.set(groupInstanceId, newMemberId)
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId)
    return m
  }

  get numAwaitingJoin (): number {
    let n = 0
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++
    return n
  }

  /** Every member has a JoinGroup parked and no member id handed out is still to come back. */
  get hasAllMembersJoined (): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0
  }

  notYetRejoined (): GroupMember[] {
    return [...this.members.values()].filter(m => !m.isAwaitingJoin)
  }

  /** The largest rebalance timeout among the members: how long a join phase may last. */
  get rebalanceTimeoutMs (): number {
    let max = 0
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  /**
   * Makes sure the leader is a member that rejoined; false if no member rejoined (the join phase cannot
   * complete).
   */
  maybeElectNewJoinedLeader (): boolean {
    if (this.leaderId === null) return false
    const leader = this.members.get(this.leaderId)
    if (leader !== undefined && leader.isAwaitingJoin) return true
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId
        return true
      }
    }
    return false
  }

  /** Starts the next generation: CompletingRebalance with a chosen protocol, or Empty without members. */
  initNextGeneration (now: number): void {
    this.generationId++
    if (this.members.size > 0) {
      this.protocolName = selectProtocol(this.members.values())
      this.transitionTo('CompletingRebalance', now)
    } else {
      this.protocolName = null
      this.transitionTo('Empty', now)
    }
    this.computeSubscribedTopics()
    this.pendingSyncMembers.clear()
  }

  /** The members list for the leader's JoinGroup response, with their metadata for the chosen protocol. */
  leaderMembersView (): JoinResult['members'] {
    const protocol = this.protocolName ?? ''
    return [...this.members.values()].map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }))
  }

  /** Recomputes the consumed topics from the members' subscriptions (consumer protocol only). */
  computeSubscribedTopics (): void {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) {
      this.subscribed = this.members.size === 0 ? new Set() : null
      return
    }
    const topics = new Set<string>()
    for (const m of this.members.values()) {
      const t = subscribedTopics(m.metadataFor(this.protocolName))
      if (t === null) {
        this.subscribed = null
        return
      }
      for (const name of t) topics.add(name)
    }
    this.subscribed = topics
  }

  /** Whether the group consumes the topic (unknown subscriptions count as yes, as Kafka). */
  isSubscribedTo (topic: string): boolean {
    if (this.subscribed === null) return this.protocolType === CONSUMER_PROTOCOL_TYPE
    return this.subscribed.has(topic)
  }
}
