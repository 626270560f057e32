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
// Expiration (Kafka's KIP-211 rules, every offsets.retention.check.interval.ms): offsets of an Empty group
// expire offsets.retention.minutes after the group became empty; of a simple group (no protocol type),
// that long after their commit; of a Stable consumer group, only those of topics it no longer subscribes
// to. An explicit expire timestamp (OffsetCommit v1-v4) wins. An Empty group left without offsets is deleted.
import { ErrorCode } from '../../protocol/errors.js'
import { appendErrorCode, type CoordinatorContext } from './context.js'
import { ClassicGroup } from './group.js'
import type { Membership } from './membership.js'
import { validateMember } from './membership.js'
import type { CommittedOffset } from './offsets.js'
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

export class OffsetManager {
  constructor (private readonly ctx: CoordinatorContext, private readonly membership: Membership) {}

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
    try {
      await this.ctx.append(req.groupId, records)
    } catch (err) {
      this.ctx.logger.warn({ group: req.groupId, err: (err as Error).message }, 'offset commit could not be written')
      const code = appendErrorCode(err)
      for (const a of applied) a.result.errorCode = code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : code
      return results
    }
    for (const a of applied) this.ctx.offsets.put(req.groupId, a.topic, a.partition, a.value)
    return results
  }

  /**
   * Committed offsets of a group: `topics` null = every offset the group has; otherwise every requested
   * partition is answered, with offset -1 (and metadata '') where nothing is committed.
   */
  fetch (groupId: string, topics: Array<{ name: string, partitionIndexes: number[] }> | null): FetchedTopic[] {
    const { offsets } = this.ctx
    const none = (partitionIndex: number): FetchedPartition => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE })
    const found = (partitionIndex: number, o: CommittedOffset): FetchedPartition => ({
      partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE
    })
    if (topics === null) {
      const out: FetchedTopic[] = []
      for (const [name, byPartition] of offsets.topics(groupId) ?? []) {
        out.push({ name, partitions: [...byPartition].map(([p, o]) => found(p, o)) })
      }
      return out
    }
    return topics.map(t => ({
      name: t.name,
      partitions: t.partitionIndexes.map(p => {
        const o = offsets.get(groupId, t.name, p)
        return o === undefined ? none(p) : found(p, o)
      })
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

  /** Tombstones for every offset of the group and its metadata (DeleteGroups); the view follows when durable. */
  async deleteAll (groupId: string): Promise<void> {
    const partitions = this.ctx.offsets.partitionsOf(groupId)
    const records = partitions.map(([t, p]) => offsetCommitRecord(groupId, t, p, null))
    records.push(groupMetadataRecord(groupId, null))
    await this.ctx.append(groupId, records)
    for (const [t, p] of partitions) this.ctx.offsets.delete(groupId, t, p)
  }

  /** A topic was deleted: tombstones for every group's offsets of it (Kafka: onPartitionsDeleted). */
  async deleteTopicOffsets (topic: string): Promise<number> {
    const { groups, offsets, logger } = this.ctx
    let removed = 0
    const writes: Array<Promise<void>> = []
    for (const groupId of offsets.groupIds()) {
      const partitions = [...(offsets.topics(groupId)?.get(topic)?.keys() ?? [])]
      if (partitions.length === 0) continue
      removed += partitions.length
      const records = partitions.map(p => offsetCommitRecord(groupId, topic, p, null))
      writes.push(this.ctx.append(groupId, records).then(() => {
        for (const p of partitions) offsets.delete(groupId, topic, p)
        const group = groups.get(groupId)
        // an Empty group whose last offsets went with the topic is gone too, as Kafka's cleanup does
        if (group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 && !offsets.has(groupId)) {
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
    const { groups, offsets, config, clock, logger } = this.ctx
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
            const isExpired = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now - base(o) >= retention
            if (!isExpired) continue
            records.push(offsetCommitRecord(groupId, topic, p, null))
            gone.push([topic, p])
          }
        }
      }
      const emptiedGroup = group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 && offsets.count(groupId) === gone.length
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

/** When an offset's retention period starts, per Kafka's rules; null when the group's offsets never expire. */
function expirationBase (group: ClassicGroup | undefined): ((o: CommittedOffset) => number) | null {
  if (group === undefined || group.protocolType === null) return o => o.commitTimestamp
  if (group.is('Empty')) return () => group.currentStateTimestamp
  if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribed !== null && group.is('Stable')) return o => o.commitTimestamp
  return null
}
