// Offsets of a group: OffsetCommit, OffsetFetch, OffsetDelete and offset expiration (Kafka's
// OffsetMetadataManager, classic groups).
//
// Commit rules (Kafka's validateOffsetCommit), checked before anything is written:
// - generation -1 with an Empty (or unknown: it is created) group: a "simple" commit, always accepted
//   (admin setOffsets/resetOffsets, consumers without group management);
// - otherwise the member must exist (UNKNOWN_MEMBER_ID; FENCED_INSTANCE_ID for a stale static member) and
//   the generation must be the group's (ILLEGAL_GENERATION; v9+: GROUP_ID_NOT_FOUND for an unknown group);
// - a member of the current generation may commit while the group is PreparingRebalance (kafkajs commits
//   on its way back into a rebalance), not while CompletingRebalance (REBALANCE_IN_PROGRESS);
// - metadata longer than offset.metadata.max.bytes: OFFSET_METADATA_TOO_LARGE for that partition.
// The records are appended to the group's __consumer_offsets partition and the commit is answered only when
// they are durable; the in-memory view changes at that moment (see OffsetStore).
//
// Transactional commits (TxnOffsetCommit, Kafka's GroupCoordinator.handleTxnCommitOffsets): the same member
// and generation checks, except that a generation -1 commit without member id is accepted whatever the
// group's state (TxnOffsetCommit v0-v2 carry neither) and CompletingRebalance is no obstacle; an unknown
// group is created (Empty). The records go in a transactional batch of the producer and stay pending
// (PendingTxnOffsets, invisible to OffsetFetch) until the transaction's marker: COMMIT moves them into the
// committed offsets where they are more recent in the log than the committed one, ABORT drops them.
// OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT for a partition with a pending
// transactional offset or an ordinary commit still being written (Kafka's hasPendingOffsetCommits...).
// Deleting offsets (DeleteGroups, a deleted topic) writes tombstones for pending partitions too and drops
// the pending offsets (a tombstone cancels them on replay, as in Kafka's OffsetMetadataManager); offsets
// with a pending transactional offset do not expire, nor does an Empty group holding pending offsets.
//
// Expiration (Kafka's KIP-211 rules, every offsets.retention.check.interval.ms): offsets of an Empty group
// expire offsets.retention.minutes after the group became empty; of a simple group (no protocol type),
// that long after their commit; of a Stable consumer group, only those of topics it no longer subscribes
// to. An explicit expire timestamp (OffsetCommit v1-v4) wins. An Empty group left without offsets is deleted.
import { ErrorCode, errorCodeOf } from '../../protocol/errors.js'
import { appendErrorCode, type CoordinatorContext } from './context.js'
import { ClassicGroup } from './group.js'
import type { Membership } from './membership.js'
import { validateMember } from './membership.js'
import type { CommittedOffset } from './offsets.js'
import type { PendingOffset } from './pending-offsets.js'
import { CONSUMER_PROTOCOL_TYPE } from './protocol.js'
import { groupMetadataRecord, offsetCommitRecord, type CoordinatorRecord } from './records.js'

export interface CommitPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  /** OffsetCommit v1 only; -1 = now. */
  commitTimestamp: number
  committedMetadata: string | null
}

export interface CommitRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  /** OffsetCommit v2-v4; -1 = the broker's retention. */
  retentionTimeMs: number
  topics: Array<{ name: string, partitions: CommitPartition[] }>
  apiVersion: number
}

export interface TxnCommitPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  committedMetadata: string | null
}

/** A TxnOffsetCommit; generation -1, member '' and instance null where the version has none (v0-v2). */
export interface TxnCommitRequest {
  transactionalId: string
  groupId: string
  producerId: number
  producerEpoch: number
  generationId: number
  memberId: string
  groupInstanceId: string | null
  topics: Array<{ name: string, partitions: TxnCommitPartition[] }>
  apiVersion: number
}

export interface PartitionError { partitionIndex: number, errorCode: number }
export interface TopicErrors { name: string, partitions: PartitionError[] }

export interface FetchedPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  metadata: string
  errorCode: number
}

export interface FetchedTopic { name: string, partitions: FetchedPartition[] }

function allWith (topics: CommitRequest['topics'], errorCode: number): TopicErrors[] {
  return topics.map(t => ({ name: t.name, partitions: t.partitions.map(p => ({ partitionIndex: p.partitionIndex, errorCode })) }))
}

const inFlightKey = (group: string, topic: string, partition: number): string => `${topic}:${partition}:${group}`

export class OffsetManager {
  /** Ordinary commits being written, by partition (for requireStable): count of writes in flight. */
  private readonly inFlight = new Map<string, number>()

  constructor (private readonly ctx: CoordinatorContext, private readonly membership: Membership) {}

  /** Whether OffsetFetch with requireStable must answer UNSTABLE_OFFSET_COMMIT for the partition. */
  hasPending (groupId: string, topic: string, partition: number): boolean {
    return this.ctx.pending.has(groupId, topic, partition) || this.inFlight.has(inFlightKey(groupId, topic, partition))
  }

  /** The group-level verdict on a commit: NONE to go ahead. May create a simple group. */
  private validateCommit (req: CommitRequest): number {
    const { groups } = this.ctx
    let group = groups.get(req.groupId)
    if (group === undefined) {
      if (req.generationId >= 0) return req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION
      group = new ClassicGroup(req.groupId, this.ctx.clock.now())
      groups.set(req.groupId, group)
    }
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const error = validateMember(group, req.memberId, req.groupInstanceId)
      if (error !== ErrorCode.NONE) return error
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    } else if (!group.is('Empty')) {
      return ErrorCode.UNKNOWN_MEMBER_ID
    }
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS
    // a commit from a member counts as a sign of life
    const member = group.get(req.memberId)
    if (member !== undefined) this.membership.rescheduleHeartbeat(group, member)
    return ErrorCode.NONE
  }

  /**
   * Commits offsets; `partitionError` pre-judges partitions (UNKNOWN_TOPIC_OR_PARTITION) and returns NONE
   * for those to commit. Resolves with one error per requested partition, in request order.
   */
  async commit (req: CommitRequest, partitionError: (topic: string, partition: number) => number): Promise<TopicErrors[]> {
    const groupError = this.validateCommit(req)
    if (groupError !== ErrorCode.NONE) return allWith(req.topics, groupError)

    const now = this.ctx.clock.now()
    const expireTimestamp = req.retentionTimeMs >= 0 ? now + req.retentionTimeMs : -1
    const results: TopicErrors[] = []
    const records: CoordinatorRecord[] = []
    const applied: Array<{ topic: string, partition: number, value: CommittedOffset, result: PartitionError }> = []
    for (const t of req.topics) {
      const out: TopicErrors = { name: t.name, partitions: [] }
      results.push(out)
      for (const p of t.partitions) {
        const result: PartitionError = { partitionIndex: p.partitionIndex, errorCode: partitionError(t.name, p.partitionIndex) }
        out.partitions.push(result)
        if (result.errorCode !== ErrorCode.NONE) continue
        const metadata = p.committedMetadata ?? ''
        if (Buffer.byteLength(metadata, 'utf8') > this.ctx.config.offsetMetadataMaxBytes) {
          result.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE
          continue
        }
        const value: CommittedOffset = {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata,
          commitTimestamp: p.commitTimestamp >= 0 ? p.commitTimestamp : now,
          expireTimestamp
        }
        records.push(offsetCommitRecord(req.groupId, t.name, p.partitionIndex, {
          offset: value.offset,
          leaderEpoch: value.leaderEpoch,
          metadata: value.metadata,
          commitTimestamp: BigInt(value.commitTimestamp),
          expireTimestamp: BigInt(value.expireTimestamp)
        }))
        applied.push({ topic: t.name, partition: p.partitionIndex, value, result })
      }
    }
    if (records.length === 0) return results
    const keys = applied.map(a => inFlightKey(req.groupId, a.topic, a.partition))
    for (const k of keys) this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1)
    try {
      await this.ctx.append(req.groupId, records)
    } catch (err) {
      // a read-only data directory (a full disk) was logged once when it began: not again for every commit
      this.ctx.logger[errorCodeOf(err) === ErrorCode.KAFKA_STORAGE_ERROR ? 'debug' : 'warn']({ group: req.groupId, err: (err as Error).message }, 'offset commit could not be written')
      const code = appendErrorCode(err)
      for (const a of applied) a.result.errorCode = code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : code
      return results
    } finally {
      for (const k of keys) {
        const n = (this.inFlight.get(k) ?? 1) - 1
        if (n > 0) this.inFlight.set(k, n)
        else this.inFlight.delete(k)
      }
    }
    for (const a of applied) this.ctx.offsets.put(req.groupId, a.topic, a.partition, { ...a.value, order: this.ctx.offsets.stamp() })
    return results
  }

  /** The group a transactional commit writes to, created (Empty) when unknown, as Kafka does. */
  groupForTxnCommit (groupId: string): ClassicGroup {
    let group = this.ctx.groups.get(groupId)
    if (group === undefined) {
      group = new ClassicGroup(groupId, this.ctx.clock.now())
      this.ctx.groups.set(groupId, group)
    }
    return group
  }

  /** The group-level verdict on a transactional commit (Kafka's validateOffsetCommit, isTransactional). */
  private validateTxnCommit (req: TxnCommitRequest): number {
    const group = this.ctx.groups.get(req.groupId)
    if (group === undefined || group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const error = validateMember(group, req.memberId, req.groupInstanceId)
      if (error !== ErrorCode.NONE) return error
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    }
    return ErrorCode.NONE
  }

  /**
   * Writes a transactional commit for the partitions `results` still has at NONE (the caller pre-judged the
   * others); fills in `results` and resolves once the records are durable and pending for the producer.
   */
  async txnCommit (req: TxnCommitRequest, results: TopicErrors[]): Promise<TopicErrors[]> {
    const open: Array<{ topic: string, p: TxnCommitPartition, result: PartitionError }> = []
    req.topics.forEach((t, i) => t.partitions.forEach((p, j) => {
      const result = results[i].partitions[j]
      if (result.errorCode === ErrorCode.NONE) open.push({ topic: t.name, p, result })
    }))
    const groupError = this.validateTxnCommit(req)
    if (groupError !== ErrorCode.NONE) {
      for (const o of open) o.result.errorCode = groupError
      return results
    }
    const now = this.ctx.clock.now()
    const { pending, logger } = this.ctx
    const records: CoordinatorRecord[] = []
    const written: Array<{ topic: string, partition: number, entry: PendingOffset, result: PartitionError }> = []
    for (const { topic, p, result } of open) {
      const metadata = p.committedMetadata ?? ''
      if (Buffer.byteLength(metadata, 'utf8') > this.ctx.config.offsetMetadataMaxBytes) {
        result.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE
        continue
      }
      const value: CommittedOffset = { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1 }
      records.push(offsetCommitRecord(req.groupId, topic, p.partitionIndex, {
        offset: value.offset, leaderEpoch: value.leaderEpoch, metadata, commitTimestamp: BigInt(now), expireTimestamp: -1n
      }))
      written.push({ topic, partition: p.partitionIndex, entry: { value, order: null }, result })
    }
    if (records.length === 0) return results
    // pending from now on (requireStable sees them while they are written, as in Kafka)
    for (const w of written) pending.put(req.groupId, req.producerId, w.topic, w.partition, w.entry)
    try {
      await this.ctx.append(req.groupId, records, { producerId: req.producerId, producerEpoch: req.producerEpoch })
    } catch (err) {
      logger[errorCodeOf(err) === ErrorCode.KAFKA_STORAGE_ERROR ? 'debug' : 'warn']({ group: req.groupId, producerId: req.producerId, err: (err as Error).message }, 'transactional offset commit could not be written')
      const code = appendErrorCode(err)
      for (const w of written) {
        pending.remove(req.groupId, req.producerId, w.topic, w.partition, w.entry)
        w.result.errorCode = code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : code
      }
      return results
    }
    for (const w of written) {
      // still pending, unless the transaction ended (or the offsets were deleted) while it was written
      if (pending.get(req.groupId, req.producerId, w.topic, w.partition) === w.entry) w.entry.order = this.ctx.offsets.stamp()
    }
    return results
  }

  /**
   * A transaction marker of `producerId` is durable in the group's partition: COMMIT moves the producer's
   * pending offsets into the committed ones (where more recent in the log than the committed offset),
   * ABORT drops them. Returns how many offsets were committed. `replaying`: called by the load, before the
   * groups exist (a deleted group's pending offsets are dropped otherwise).
   */
  completeTransaction (groupId: string, producerId: number, commit: boolean, replaying = false): number {
    const { pending, offsets, groups, logger } = this.ctx
    const entries = pending.take(groupId, producerId)
    const group = groups.get(groupId)
    if (!commit || entries.length === 0) return 0
    if (!replaying && (group === undefined || group.is('Dead'))) return 0
    let applied = 0
    for (const { topic, partition, entry } of entries) {
      if (entry.order === null) {
        // the marker follows the record in the log, so the record is committed, written or not yet
        logger.warn({ group: groupId, producerId, topic, partition }, 'transaction committed while its offset commit was still being written')
        entry.order = offsets.stamp()
      }
      const current = offsets.get(groupId, topic, partition)
      if (current === undefined || (current.order ?? 0) < entry.order) {
        offsets.put(groupId, topic, partition, { ...entry.value, order: entry.order })
        applied++
      }
    }
    return applied
  }

  /**
   * Committed offsets of a group: `topics` null = every offset the group has; otherwise every requested
   * partition is answered, with offset -1 (and metadata '') where nothing is committed.
   */
  fetch (groupId: string, topics: Array<{ name: string, partitionIndexes: number[] }> | null, requireStable = false): FetchedTopic[] {
    const { offsets } = this.ctx
    const none = (partitionIndex: number, errorCode: number = ErrorCode.NONE): FetchedPartition => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })
    const found = (name: string, partitionIndex: number, o: CommittedOffset | undefined): FetchedPartition => {
      // requireStable (OffsetFetch v7+): no offset while a transaction (or a commit being written) may change it
      if (requireStable && this.hasPending(groupId, name, partitionIndex)) return none(partitionIndex, ErrorCode.UNSTABLE_OFFSET_COMMIT)
      if (o === undefined) return none(partitionIndex)
      return { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
    }
    if (topics === null) {
      const out: FetchedTopic[] = []
      for (const [name, byPartition] of offsets.topics(groupId) ?? []) {
        out.push({ name, partitions: [...byPartition].map(([p, o]) => found(name, p, o)) })
      }
      return out
    }
    return topics.map(t => ({
      name: t.name,
      partitions: t.partitionIndexes.map(p => found(t.name, p, offsets.get(groupId, t.name, p)))
    }))
  }

  /**
   * OffsetDelete: removes the offsets of topics the group does not consume. Partitions without an offset
   * are left out of the answer (as Kafka); `partitionError` pre-judges unknown topics.
   */
  async deleteOffsets (groupId: string, topics: Array<{ name: string, partitions: number[] }>,
    partitionError: (topic: string, partition: number) => number): Promise<{ errorCode: number, topics: TopicErrors[] }> {
    const group = this.ctx.groups.get(groupId)
    if (group === undefined || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] }
    if (!group.is('Empty') && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] }
    const results: TopicErrors[] = []
    const records: CoordinatorRecord[] = []
    const deleted: Array<{ topic: string, partition: number, result: PartitionError }> = []
    for (const t of topics) {
      const out: TopicErrors = { name: t.name, partitions: [] }
      results.push(out)
      const subscribed = group.isSubscribedTo(t.name)
      for (const p of t.partitions) {
        const pre = partitionError(t.name, p)
        if (pre !== ErrorCode.NONE) {
          out.partitions.push({ partitionIndex: p, errorCode: pre })
        } else if (subscribed) {
          out.partitions.push({ partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })
        } else if (this.ctx.offsets.get(groupId, t.name, p) !== undefined) {
          const result = { partitionIndex: p, errorCode: ErrorCode.NONE }
          out.partitions.push(result)
          records.push(offsetCommitRecord(groupId, t.name, p, null))
          deleted.push({ topic: t.name, partition: p, result })
        }
      }
    }
    if (records.length > 0) {
      try {
        await this.ctx.append(groupId, records)
      } catch (err) {
        const code = appendErrorCode(err)
        for (const d of deleted) d.result.errorCode = code
        return { errorCode: ErrorCode.NONE, topics: results }
      }
      for (const d of deleted) this.ctx.offsets.delete(groupId, d.topic, d.partition)
    }
    return { errorCode: ErrorCode.NONE, topics: results }
  }

  /**
   * Tombstones for every offset of the group, committed or pending in a transaction, and its metadata
   * (DeleteGroups); the view follows when durable.
   */
  async deleteAll (groupId: string): Promise<void> {
    const { offsets, pending } = this.ctx
    const partitions = withPending(offsets.partitionsOf(groupId), pending.partitionsOf(groupId))
    const records = partitions.map(([t, p]) => offsetCommitRecord(groupId, t, p, null))
    records.push(groupMetadataRecord(groupId, null))
    await this.ctx.append(groupId, records)
    for (const [t, p] of partitions) offsets.delete(groupId, t, p)
    pending.removeGroup(groupId)
  }

  /** A topic was deleted: tombstones for every group's offsets of it (Kafka: onPartitionsDeleted). */
  async deleteTopicOffsets (topic: string): Promise<number> {
    const { groups, offsets, pending, logger } = this.ctx
    let removed = 0
    const writes: Array<Promise<void>> = []
    for (const groupId of new Set([...offsets.groupIds(), ...pending.groupIds()])) {
      const committed = [...(offsets.topics(groupId)?.get(topic)?.keys() ?? [])]
      // pending transactional offsets of the topic go too (tombstones, so that a later COMMIT marker
      // replayed at start does not bring them back)
      const partitions = withPending(committed.map(p => [topic, p]), pending.partitionsOf(groupId, topic)).map(([, p]) => p)
      if (partitions.length === 0) continue
      removed += committed.length
      const records = partitions.map(p => offsetCommitRecord(groupId, topic, p, null))
      writes.push(this.ctx.append(groupId, records).then(() => {
        for (const p of partitions) {
          offsets.delete(groupId, topic, p)
          pending.removePartition(groupId, topic, p)
        }
        const group = groups.get(groupId)
        // an Empty group whose last offsets went with the topic is gone too, as Kafka's cleanup does
        if (group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 && !offsets.has(groupId) && !pending.hasGroup(groupId)) {
          group.transitionTo('Dead', this.ctx.clock.now())
          this.membership.cancelTimers(group)
          groups.delete(groupId)
          return this.ctx.append(groupId, [groupMetadataRecord(groupId, null)])
        }
      }, err => {
        logger.warn({ group: groupId, topic, err: (err as Error).message }, 'could not write tombstones for a deleted topic\'s offsets')
      }))
    }
    await Promise.all(writes)
    return removed
  }

  /** One expiration pass (see the header); resolves when the tombstones are durable. */
  async expire (): Promise<number> {
    const { groups, offsets, pending, config, clock, logger } = this.ctx
    const now = clock.now()
    const retention = config.offsetsRetentionMs
    let expired = 0
    const writes: Array<Promise<void>> = []
    for (const groupId of new Set([...groups.keys(), ...offsets.groupIds()])) {
      const group = groups.get(groupId)
      const base = expirationBase(group)
      const records: CoordinatorRecord[] = []
      const gone: Array<[string, number]> = []
      if (base !== null) {
        for (const [topic, byPartition] of offsets.topics(groupId) ?? []) {
          if (group !== undefined && group.is('Stable') && group.isSubscribedTo(topic)) continue
          for (const [p, o] of byPartition) {
            if (pending.has(groupId, topic, p)) continue // an open transaction may still change it
            const isExpired = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now - base(o) >= retention
            if (!isExpired) continue
            records.push(offsetCommitRecord(groupId, topic, p, null))
            gone.push([topic, p])
          }
        }
      }
      const emptiedGroup = group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 && offsets.count(groupId) === gone.length &&
        !pending.hasGroup(groupId)
      if (emptiedGroup) {
        group.transitionTo('Dead', now)
        this.membership.cancelTimers(group)
        groups.delete(groupId)
        records.push(groupMetadataRecord(groupId, null))
      }
      if (records.length === 0) continue
      expired += gone.length
      writes.push(this.ctx.append(groupId, records).then(() => {
        for (const [t, p] of gone) offsets.delete(groupId, t, p)
      }, err => {
        logger.warn({ group: groupId, err: (err as Error).message }, 'could not write expired offsets\' tombstones')
      }))
    }
    await Promise.all(writes)
    if (expired > 0) logger.info({ offsets: expired }, 'expired committed offsets')
    return expired
  }
}

/** `committed` plus the pending partitions it does not have. */
function withPending (committed: Array<[string, number]>, pendingPartitions: Array<[string, number]>): Array<[string, number]> {
  const seen = new Set(committed.map(([t, p]) => `${t}:${p}`))
  return [...committed, ...pendingPartitions.filter(([t, p]) => !seen.has(`${t}:${p}`))]
}

/** When an offset's retention period starts, per Kafka's rules; null when the group's offsets never expire. */
function expirationBase (group: ClassicGroup | undefined): ((o: CommittedOffset) => number) | null {
  if (group === undefined || group.protocolType === null) return o => o.commitTimestamp
  if (group.is('Empty')) return () => group.currentStateTimestamp
  if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribed !== null && group.is('Stable')) return o => o.commitTimestamp
  return null
}
