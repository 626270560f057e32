// The group coordinator: the one object the handlers talk to (this node coordinates every group).
//
// Life cycle: created loading -> load() replays __consumer_offsets into memory (groups and offsets) ->
// active -> close() (timers cancelled, parked JoinGroup/SyncGroup answered NOT_COORDINATOR). While
// loading, requests get Kafka's answers for a coordinator that is loading: COORDINATOR_LOAD_IN_PROGRESS
// (retriable), except Heartbeat (NONE: the member's state is not known yet, let it be) and SyncGroup
// (REBALANCE_IN_PROGRESS: the rebalance in flight is lost, rejoin). After close: COORDINATOR_NOT_AVAILABLE.
//
// Group ids: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and TxnOffsetCommit need a non-empty id
// (INVALID_GROUP_ID); OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups accept '' for
// compatibility, as Kafka.
//
// Transactions: TxnOffsetCommit writes offsets pending for the producer (txnCommitOffsets); the transaction
// coordinator, once its COMMIT/ABORT marker is durable in a __consumer_offsets partition, calls
// completeTransaction for that partition. Loading replays the same: a transactional batch's offsets are
// pending until a marker of the producer follows in the partition; those without one stay pending (a
// later marker completes them). A marker reported while loading is applied when the load ends.
//
// The parts: Membership (rebalance protocol and timers), OffsetManager (commit/fetch/delete/expire),
// ClassicGroup/GroupMember (state), OffsetStore (offsets in memory), PendingTxnOffsets (offsets in open
// transactions), records.ts (the log format), OffsetsLog (the topic). Time comes from an injectable Clock, so all of it is testable without sleeping.
import type { Logger } from '../../logger.js'
import { ErrorCode } from '../../protocol/errors.js'
import { KeyedTimers, systemClock, type Clock } from './clock.js'
import { DEFAULT_GROUPS_CONFIG, appendErrorCode, groupsConfigFrom, type CoordinatorContext, type GroupsConfig } from './context.js'
import { ClassicGroup } from './group.js'
import { GroupMember, joinError, syncError, type JoinResult, type SyncResult } from './member.js'
import { Membership, type HeartbeatRequest, type JoinRequest, type LeaveMember, type LeaveResult, type SyncRequest } from './membership.js'
import { OffsetManager, type CommitRequest, type FetchedTopic, type TopicErrors, type TxnCommitRequest } from './offset-manager.js'
import { OffsetStore, type CommittedOffset } from './offsets.js'
import { partitionForGroup, type OffsetsLog, type TxnProducer } from './offsets-log.js'
import { PendingTxnOffsets } from './pending-offsets.js'
import { parseRecord, type GroupMetadataValue, type OffsetCommitValue } from './records.js'
import { parseGroupState } from './states.js'

export interface GroupCoordinatorOptions {
  log: OffsetsLog
  config?: Partial<GroupsConfig>
  logger: Logger
  clock?: Clock
}

export interface DescribedMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  memberMetadata: Buffer
  memberAssignment: Buffer
}

export interface DescribedGroup {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: DescribedMember[]
}

export interface ListedGroup { groupId: string, protocolType: string, groupState: string }

const EMPTY = Buffer.alloc(0)

function committedOffset (v: OffsetCommitValue): CommittedOffset {
  return {
    offset: v.offset,
    leaderEpoch: v.leaderEpoch,
    metadata: v.metadata,
    commitTimestamp: Number(v.commitTimestamp),
    expireTimestamp: Number(v.expireTimestamp)
  }
}

/**
 * The error a TxnOffsetCommit gets when the transaction check failed with `code` (Kafka's
 * maybeConvertOffsetCommitError: errors a producer does not expect here become coordinator errors).
 */
export function txnVerificationError (code: number): number {
  switch (code) {
    case ErrorCode.NETWORK_EXCEPTION: return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND: return ErrorCode.COORDINATOR_NOT_AVAILABLE
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR: return ErrorCode.NOT_COORDINATOR
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE: return ErrorCode.INVALID_COMMIT_OFFSET_SIZE
    default: return code
  }
}

export { groupsConfigFrom }

export class GroupCoordinator {
  status: 'loading' | 'active' | 'closed' = 'loading'
  readonly groups = new Map<string, ClassicGroup>()
  readonly offsets = new OffsetStore()
  readonly pending = new PendingTxnOffsets()
  readonly config: GroupsConfig
  readonly clock: Clock
  readonly membership: Membership
  readonly offsetManager: OffsetManager
  private readonly timers: KeyedTimers
  private readonly log: OffsetsLog
  private readonly logger: Logger
  private loading: Promise<void> | null = null
  private expiring = false
  /** Transaction markers reported while loading, applied in order when the load ends. */
  private markersWhileLoading: Array<{ partition: number, producerId: number, commit: boolean }> = []

  constructor (opts: GroupCoordinatorOptions) {
    this.config = { ...DEFAULT_GROUPS_CONFIG, ...opts.config }
    this.clock = opts.clock ?? systemClock
    this.timers = new KeyedTimers(this.clock)
    this.log = opts.log
    this.logger = opts.logger
    const ctx: CoordinatorContext = {
      clock: this.clock,
      timers: this.timers,
      config: this.config,
      logger: this.logger,
      groups: this.groups,
      offsets: this.offsets,
      pending: this.pending,
      append: async (groupId, records, txn?: TxnProducer) => await this.log.append(this.partitionFor(groupId), records, this.clock.now(), txn)
    }
    this.membership = new Membership(ctx)
    this.offsetManager = new OffsetManager(ctx, this.membership)
  }

  /** The __consumer_offsets partition holding the group. */
  partitionFor (groupId: string): number {
    return partitionForGroup(groupId, this.log.partitions())
  }

  // ---- life cycle ----

  /** Replays __consumer_offsets; resolves when the coordinator is active (idempotent). */
  load (): Promise<void> {
    if (this.loading === null) this.loading = this.doLoad()
    return this.loading
  }

  private async doLoad (): Promise<void> {
    const started = performance.now()
    const metadata = new Map<string, GroupMetadataValue>()
    let records = 0
    let markers = 0
    let skipped = 0
    try {
      await this.log.replay((partition, key, value, timestamp, txn) => {
        records++
        const r = parseRecord(key, value)
        switch (r.type) {
          case 'offset':
            if (txn !== null) {
              // a transactional commit: pending for the producer until its marker
              if (r.value === null) this.pending.remove(r.group, txn.producerId, r.topic, r.partition)
              else this.pending.put(r.group, txn.producerId, r.topic, r.partition, { value: committedOffset(r.value), order: this.offsets.stamp() })
            } else if (r.value === null) {
              this.offsets.delete(r.group, r.topic, r.partition)
              this.pending.removePartition(r.group, r.topic, r.partition)
            } else {
              this.offsets.put(r.group, r.topic, r.partition, { ...committedOffset(r.value), order: this.offsets.stamp() })
            }
            break
          case 'group':
            if (r.value === null) metadata.delete(r.group)
            else metadata.set(r.group, r.value)
            break
          case 'other':
            skipped++
            break
          case 'invalid':
            skipped++
            if (skipped <= 10) this.logger.warn({ partition, timestamp, reason: r.reason }, 'skipping an undecodable __consumer_offsets record')
        }
      }, (partition, producerId, commit) => {
        markers++
        this.applyMarker(partition, producerId, commit, true)
      })
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'loading __consumer_offsets failed; continuing with what was read')
    }
    if (this.status === 'closed') return
    for (const [groupId, v] of metadata) {
      try {
        this.groups.set(groupId, this.restoreGroup(groupId, v))
      } catch (err) {
        this.logger.warn({ group: groupId, err: (err as Error).message }, 'could not restore a group from __consumer_offsets; it starts empty')
      }
    }
    // groups with offsets (committed or pending) but no metadata: Empty groups, as Kafka loads them
    for (const groupId of [...this.offsets.groupIds(), ...this.pending.groupIds()]) {
      if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this.clock.now()))
    }
    for (const g of this.groups.values()) this.membership.scheduleLoadedMembers(g)
    this.status = 'active'
    const late = this.markersWhileLoading
    this.markersWhileLoading = []
    for (const m of late) this.applyMarker(m.partition, m.producerId, m.commit)
    this.scheduleExpiration()
    this.logger.info({
      groups: this.groups.size, records, markers, pendingTxnGroups: this.pending.groupIds().length, skipped, loadMs: Math.round(performance.now() - started)
    }, 'group coordinator loaded')
  }

  private restoreGroup (groupId: string, v: GroupMetadataValue): ClassicGroup {
    const ts = Number(v.currentStateTimestamp)
    const g = new ClassicGroup(groupId, ts >= 0 ? ts : this.clock.now())
    g.generationId = v.generation
    g.protocolType = v.protocolType === '' ? null : v.protocolType
    g.protocolName = v.members.length > 0 ? v.protocol : null
    for (const m of v.members) {
      g.add(new GroupMember({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout,
        sessionTimeoutMs: m.sessionTimeout,
        protocolType: v.protocolType,
        protocols: [{ name: v.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment
      }), null)
    }
    if (v.leader !== null && g.has(v.leader)) g.leaderId = v.leader
    if (v.members.length > 0) {
      g.state = 'Stable'
      g.previousState = 'CompletingRebalance'
    }
    g.computeSubscribedTopics()
    return g
  }

  /** Runs offset expiration every offsets.retention.check.interval.ms (a pass still writing skips a turn). */
  private scheduleExpiration (): void {
    this.timers.schedule('expire-offsets', this.config.offsetsRetentionCheckIntervalMs, () => {
      if (this.status !== 'active') return
      this.scheduleExpiration()
      if (this.expiring) return
      this.expiring = true
      this.offsetManager.expire()
        .catch(err => this.logger.warn({ err: (err as Error).message }, 'offset expiration failed'))
        .finally(() => { this.expiring = false })
    })
  }

  /** Stops timers and answers every parked request; the storage may close afterwards. */
  close (): void {
    if (this.status === 'closed') return
    this.status = 'closed'
    this.timers.cancelAll()
    for (const g of this.groups.values()) this.membership.abortParked(g, ErrorCode.NOT_COORDINATOR)
  }

  /** NONE when the coordinator can serve the group now, else the error for it. */
  private check (groupId: string | null, allowEmptyId: boolean): number {
    if (groupId === null || (!allowEmptyId && groupId === '')) return ErrorCode.INVALID_GROUP_ID
    if (this.status === 'closed') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (this.status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return ErrorCode.NONE
  }

  // ---- membership ----

  join (req: JoinRequest): Promise<JoinResult> {
    const error = this.check(req.groupId, false)
    if (error !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, error))
    return this.membership.join(req)
  }

  sync (req: SyncRequest): Promise<SyncResult> {
    const error = this.check(req.groupId, false)
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
    if (error !== ErrorCode.NONE) return Promise.resolve(syncError(error))
    return this.membership.sync(req)
  }

  heartbeat (req: HeartbeatRequest): number {
    const error = this.check(req.groupId, false)
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE
    if (error !== ErrorCode.NONE) return error
    return this.membership.heartbeat(req)
  }

  leave (groupId: string, members: LeaveMember[]): LeaveResult {
    const error = this.check(groupId, false)
    if (error !== ErrorCode.NONE) return { errorCode: error, members: [] }
    return this.membership.leave(groupId, members)
  }

  // ---- offsets ----

  async commitOffsets (req: CommitRequest, partitionError: (topic: string, partition: number) => number): Promise<TopicErrors[]> {
    const error = this.check(req.groupId, true)
    if (error !== ErrorCode.NONE) {
      return req.topics.map(t => ({ name: t.name, partitions: t.partitions.map(p => ({ partitionIndex: p.partitionIndex, errorCode: error })) }))
    }
    return await this.offsetManager.commit(req, partitionError)
  }

  /**
   * Committed offsets; with `requireStable` (OffsetFetch v7+) a partition with a pending transactional
   * offset (or a commit being written) answers UNSTABLE_OFFSET_COMMIT instead, as Kafka.
   */
  fetchOffsets (groupId: string, topics: Array<{ name: string, partitionIndexes: number[] }> | null, requireStable = false): { errorCode: number, topics: FetchedTopic[] } {
    const error = this.check(groupId, true)
    if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] }
    return { errorCode: ErrorCode.NONE, topics: this.offsetManager.fetch(groupId, topics, requireStable) }
  }

  /** Whether an open transaction (or a commit being written) holds an offset of the partition for the group. */
  hasPendingOffsets (groupId: string, topic: string, partition: number): boolean {
    return this.offsetManager.hasPending(groupId, topic, partition)
  }

  /**
   * TxnOffsetCommit: `partitionError` pre-judges partitions (UNKNOWN_TOPIC_OR_PARTITION; those are left out
   * of everything else, as Kafka); `verifyTransaction` asks the transaction coordinator whether the group's
   * __consumer_offsets partition is in the producer's ongoing transaction (0 = yes, else the error every
   * partition gets). Order as Kafka's handleTxnCommitOffsets: coordinator state, group (created when
   * unknown), transaction, member/generation, metadata size; then the records are written in a
   * transactional batch and, once durable, are pending for the producer. One error per requested
   * partition, in request order.
   */
  async txnCommitOffsets (req: TxnCommitRequest, partitionError: (topic: string, partition: number) => number,
    verifyTransaction?: (offsetsPartition: number) => Promise<number>): Promise<TopicErrors[]> {
    const results: TopicErrors[] = req.topics.map(t => ({
      name: t.name,
      partitions: t.partitions.map(p => ({ partitionIndex: p.partitionIndex, errorCode: partitionError(t.name, p.partitionIndex) }))
    }))
    const open = results.flatMap(t => t.partitions).filter(p => p.errorCode === ErrorCode.NONE)
    const fail = (code: number): TopicErrors[] => {
      for (const p of open) p.errorCode = code
      return results
    }
    if (open.length === 0) return results
    let error = this.check(req.groupId, false)
    if (error !== ErrorCode.NONE) return fail(error)
    this.offsetManager.groupForTxnCommit(req.groupId)
    if (verifyTransaction !== undefined) {
      let code: number
      try {
        code = await verifyTransaction(this.partitionFor(req.groupId))
      } catch (err) {
        this.logger.warn({ group: req.groupId, transactionalId: req.transactionalId, err: (err as Error).message }, 'transaction check failed')
        code = ErrorCode.COORDINATOR_NOT_AVAILABLE
      }
      if (code !== ErrorCode.NONE) return fail(txnVerificationError(code))
      error = this.check(req.groupId, false)
      if (error !== ErrorCode.NONE) return fail(error)
    }
    return await this.offsetManager.txnCommit(req, results)
  }

  /**
   * The transaction coordinator's marker for `producerId` is durable in __consumer_offsets-<offsetsPartition>:
   * for every group of that partition with offsets pending for the producer, COMMIT makes them the
   * committed offsets (where more recent in the log than the committed one), ABORT drops them. While
   * loading, the marker is applied when the load ends; after close() it is ignored.
   */
  completeTransaction (offsetsPartition: number, producerId: number, commit: boolean): void {
    if (this.status === 'closed') return
    if (this.status === 'loading') {
      this.markersWhileLoading.push({ partition: offsetsPartition, producerId, commit })
      return
    }
    this.applyMarker(offsetsPartition, producerId, commit)
  }

  private applyMarker (offsetsPartition: number, producerId: number, commit: boolean, replaying = false): void {
    for (const groupId of this.pending.groupsOf(producerId)) {
      if (this.partitionFor(groupId) !== offsetsPartition) continue
      this.offsetManager.completeTransaction(groupId, producerId, commit, replaying)
    }
  }

  async deleteOffsets (groupId: string, topics: Array<{ name: string, partitions: number[] }>,
    partitionError: (topic: string, partition: number) => number): Promise<{ errorCode: number, topics: TopicErrors[] }> {
    const error = this.check(groupId, false)
    if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] }
    return await this.offsetManager.deleteOffsets(groupId, topics, partitionError)
  }

  // ---- administration ----

  describe (groupId: string): DescribedGroup {
    const error = this.check(groupId, true)
    if (error !== ErrorCode.NONE) return { errorCode: error, groupId, groupState: '', protocolType: '', protocolData: '', members: [] }
    const g = this.groups.get(groupId)
    if (g === undefined) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] }
    const stable = g.is('Stable')
    const protocol = g.protocolName ?? ''
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? protocol : '',
      members: [...g.members.values()].map(m => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(protocol) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY
      }))
    }
  }

  /** Groups, optionally only those in the given states (names compared case-insensitively). */
  list (statesFilter: readonly string[] = []): { errorCode: number, groups: ListedGroup[] } {
    if (this.status === 'closed') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] }
    const states = new Set(statesFilter.map(s => parseGroupState(s) ?? s))
    const groups: ListedGroup[] = []
    for (const g of this.groups.values()) {
      if (g.is('Dead')) continue
      if (states.size > 0 && !states.has(g.state)) continue
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state })
    }
    return { errorCode: this.status === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups }
  }

  /** Drops every group's committed offsets of a deleted topic (tombstones; resolves when durable). */
  async onTopicDeleted (topic: string): Promise<void> {
    if (this.status !== 'active') return
    const removed = await this.offsetManager.deleteTopicOffsets(topic)
    if (removed > 0) this.logger.info({ topic, offsets: removed }, 'removed the committed offsets of a deleted topic')
  }

  /** Deletes Empty groups and their offsets (tombstones in __consumer_offsets); one result per id. */
  async deleteGroups (groupIds: readonly string[]): Promise<Array<{ groupId: string, errorCode: number }>> {
    return await Promise.all(groupIds.map(async groupId => {
      const error = this.check(groupId, true)
      if (error !== ErrorCode.NONE) return { groupId, errorCode: error }
      const g = this.groups.get(groupId)
      if (g === undefined || g.is('Dead')) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND }
      if (!g.is('Empty')) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP }
      g.transitionTo('Dead', this.clock.now())
      this.membership.cancelTimers(g)
      this.groups.delete(groupId)
      try {
        await this.offsetManager.deleteAll(groupId)
      } catch (err) {
        this.logger.warn({ group: groupId, err: (err as Error).message }, 'could not write the deleted group\'s tombstones')
        return { groupId, errorCode: appendErrorCode(err) }
      }
      this.logger.info({ group: groupId }, 'group deleted')
      return { groupId, errorCode: ErrorCode.NONE }
    }))
  }
}
