// A minimal member of a classic consumer group (JoinGroup, SyncGroup, Heartbeat, OffsetCommit, LeaveGroup)
// for `samsa consume --group`. Written here rather than borrowed from kafkajs because the command needs
// things kafkajs's consumer hides: its own start positions (--from a time or offset, applied only where the
// group has no commit), commits of exactly the records it printed, stopping after --count or at --until,
// and the same wire code (and version negotiation) as the rest of this client.
//
// Protocol: type "consumer", one assignor, "range" (the Java consumer's default), subscription v0 (topics
// only; every Kafka client reads v0). When this member is elected leader it assigns with the range
// strategy: per topic, partitions split into contiguous ranges over the subscribed members sorted by id,
// the first (partitions % members) getting one extra. So it cooperates with Java consumers offering
// "range" in the same group; kafkajs members (RoundRobinAssigner only) get INCONSISTENT_GROUP_PROTOCOL.
//
// Liveness: a heartbeat every heartbeatIntervalMs on the coordinator's 'group' lane. REBALANCE_IN_PROGRESS,
// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID (with a fresh member id) and a lost coordinator set
// `rebalanceNeeded`; the consume loop then commits what it printed and calls join() again.
// Joining handles MEMBER_ID_REQUIRED (v4+: rejoin at once with the id the broker gave).
import { Reader } from '../protocol/primitives/reader.js'
import { ErrorCode } from '../protocol/errors.js'
import { encodeConsumerProtocolSubscription, decodeConsumerProtocolSubscription } from '../protocol/generated/messages/consumer-protocol-subscription.js'
import { encodeConsumerProtocolAssignment } from '../protocol/generated/messages/consumer-protocol-assignment.js'
import type { JoinGroupResponseMember } from '../protocol/generated/messages/join-group-response.js'
import { Heartbeat, JoinGroup, LeaveGroup, SyncGroup } from './apis.js'
import type { Cluster } from './cluster.js'
import type { Connection } from './connection.js'
import { KafkaClientError, KafkaProtocolError } from './errors.js'
import { commitOffsets, committedOffsets, decodeAssignment } from './groups.js'

export const RANGE_ASSIGNOR = 'range'

export interface GroupMemberOptions {
  groupId: string
  topic: string
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  heartbeatIntervalMs?: number
}

/** int16 version + struct, as the consumer protocol frames its metadata. */
function framed (version: number, body: Buffer): Buffer {
  const v = Buffer.allocUnsafe(2)
  v.writeInt16BE(version, 0)
  return Buffer.concat([v, body])
}

/** Range assignment: member id -> topic -> partitions. */
export function rangeAssign (members: Array<{ memberId: string, topics: string[] }>, partitionCounts: ReadonlyMap<string, number>): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>()
  for (const m of members) out.set(m.memberId, new Map())
  for (const [topic, count] of partitionCounts) {
    const subscribed = members.filter(m => m.topics.includes(topic)).map(m => m.memberId).sort()
    if (subscribed.length === 0) continue
    const per = Math.floor(count / subscribed.length)
    const extra = count % subscribed.length
    let next = 0
    subscribed.forEach((id, i) => {
      const n = per + (i < extra ? 1 : 0)
      const parts: number[] = []
      for (let k = 0; k < n; k++) parts.push(next++)
      if (parts.length > 0) out.get(id)!.set(topic, parts)
    })
  }
  return out
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export class GroupMember {
  memberId = ''
  generationId = -1
  rebalanceNeeded = true
  /** Our topic's partitions in the current generation. */
  assignment: number[] = []
  private conn: Connection | null = null
  private timer: NodeJS.Timeout | null = null
  private heartbeating = false
  private readonly sessionTimeoutMs: number
  private readonly rebalanceTimeoutMs: number
  private readonly heartbeatIntervalMs: number

  constructor (private readonly cluster: Cluster, readonly opts: GroupMemberOptions) {
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 10_000
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 30_000
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3000
  }

  get groupId (): string { return this.opts.groupId }

  /** Joins (or rejoins) the group; resolves with our partitions of the topic. */
  async join (): Promise<number[]> {
    this.stopHeartbeats()
    const subscription = framed(0, encodeConsumerProtocolSubscription(0, { topics: [this.opts.topic], userData: null, ownedPartitions: [], generationId: -1, rackId: null }))
    let lastCode: number = ErrorCode.NONE
    for (let attempt = 0; attempt < 20; attempt++) {
      if (this.conn === null || this.conn.closed) this.conn = (await this.cluster.coordinator(this.groupId, 'group')).conn
      const conn = this.conn
      const joined = await conn.request(JoinGroup, {
        groupId: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: RANGE_ASSIGNOR, metadata: subscription }],
        reason: null
      }, { timeoutMs: this.rebalanceTimeoutMs + 10_000 })
      lastCode = joined.errorCode
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId
        continue
      }
      if (joined.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        continue
      }
      if (await this.retriable(joined.errorCode, attempt)) continue
      if (joined.errorCode === ErrorCode.INCONSISTENT_GROUP_PROTOCOL) {
        throw new KafkaClientError(`group '${this.groupId}' runs another protocol or assignor than ours ('consumer'/'${RANGE_ASSIGNOR}'); samsa cannot join it`)
      }
      if (joined.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(joined.errorCode, `join group '${this.groupId}'`)
      this.memberId = joined.memberId
      this.generationId = joined.generationId
      const assignments = joined.leader === this.memberId ? await this.assign(joined.members) : []
      const synced = await conn.request(SyncGroup, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: joined.protocolName ?? RANGE_ASSIGNOR,
        assignments
      }, { timeoutMs: this.rebalanceTimeoutMs + 10_000 })
      lastCode = synced.errorCode
      if (synced.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = ''
        continue
      }
      if (synced.errorCode === ErrorCode.ILLEGAL_GENERATION) continue
      if (await this.retriable(synced.errorCode, attempt)) continue
      if (synced.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(synced.errorCode, `sync group '${this.groupId}'`)
      this.assignment = decodeAssignment(synced.assignment).filter(a => a.topic === this.opts.topic).flatMap(a => a.partitions)
      this.rebalanceNeeded = false
      this.startHeartbeats()
      return this.assignment
    }
    throw new KafkaProtocolError(lastCode, `join group '${this.groupId}' (gave up after 20 attempts)`)
  }

  /** Committed offsets of our assigned partitions (partition -> offset). */
  async committed (): Promise<Map<number, number>> {
    const list = await committedOffsets(this.cluster, this.groupId, [{ topic: this.opts.topic, partitions: this.assignment }])
    return new Map(list.filter(c => c.topic === this.opts.topic).map(c => [c.partition, c.offset]))
  }

  /**
   * Commits `offsets` as this member of the current generation. A rebalance in the meantime makes the broker
   * refuse it: then `rebalanceNeeded` is set and false is returned (those records may be delivered again).
   */
  async commit (offsets: ReadonlyMap<number, number>): Promise<boolean> {
    if (offsets.size === 0) return true
    try {
      if (this.conn !== null && this.conn.closed) this.conn = null
      await commitOffsets(this.cluster, this.groupId, this.opts.topic, offsets, {
        generationId: this.generationId, memberId: this.memberId, conn: this.conn ?? undefined
      })
      return true
    } catch (err) {
      if (err instanceof KafkaProtocolError && (err.code === ErrorCode.REBALANCE_IN_PROGRESS || err.code === ErrorCode.ILLEGAL_GENERATION ||
        err.code === ErrorCode.UNKNOWN_MEMBER_ID || err.code === ErrorCode.NOT_COORDINATOR)) {
        this.rebalanceNeeded = true
        return false
      }
      throw err
    }
  }

  /** Stops heartbeating and leaves the group so that the others rebalance at once. */
  async leave (): Promise<void> {
    this.stopHeartbeats()
    if (this.memberId === '') return
    const memberId = this.memberId
    this.memberId = ''
    if (this.conn === null || this.conn.closed) {
      // The coordinator connection was lost (a broker restart): find it again, or give up quietly (the
      // session timeout removes us then).
      this.conn = await this.cluster.coordinator(this.groupId, 'group').then(c => c.conn, () => null)
      if (this.conn === null) return
    }
    await this.conn.request(LeaveGroup, {
      groupId: this.groupId,
      memberId,
      members: [{ memberId, groupInstanceId: null, reason: 'samsa consume is exiting' }]
    }, { timeoutMs: 5000 }).catch(() => undefined)
  }

  private async retriable (code: number, attempt: number): Promise<boolean> {
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) return true
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      this.conn = null
      await sleep(Math.min(1000, 100 * (attempt + 1)))
      return true
    }
    return false
  }

  /** Leader duty: range-assign every member's subscribed topics. */
  private async assign (members: JoinGroupResponseMember[]): Promise<Array<{ memberId: string, assignment: Buffer }>> {
    const subs = members.map(m => {
      try {
        const r = new Reader(m.metadata)
        const version = r.int16()
        return { memberId: m.memberId, topics: decodeConsumerProtocolSubscription(r, Math.min(Math.max(version, 0), 3)).topics }
      } catch {
        return { memberId: m.memberId, topics: [] }
      }
    })
    const topics = [...new Set(subs.flatMap(s => s.topics))]
    const md = await this.cluster.metadata(topics)
    const counts = new Map<string, number>()
    for (const t of topics) {
      const info = md.get(t)
      if (info !== undefined && info.errorCode === ErrorCode.NONE) counts.set(t, info.partitions.length)
    }
    const plan = rangeAssign(subs, counts)
    return subs.map(s => ({
      memberId: s.memberId,
      assignment: framed(0, encodeConsumerProtocolAssignment(0, {
        assignedPartitions: [...(plan.get(s.memberId) ?? new Map<string, number[]>())].map(([topic, partitions]) => ({ topic, partitions })),
        userData: null
      }))
    }))
  }

  private startHeartbeats (): void {
    this.stopHeartbeats()
    this.timer = setInterval(() => { void this.heartbeat() }, this.heartbeatIntervalMs)
    this.timer.unref()
  }

  private stopHeartbeats (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private async heartbeat (): Promise<void> {
    if (this.heartbeating || this.rebalanceNeeded || this.conn === null) return
    this.heartbeating = true
    try {
      const res = await this.conn.request(Heartbeat, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null },
        { timeoutMs: this.sessionTimeoutMs })
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
      if (res.errorCode !== ErrorCode.NONE) this.rebalanceNeeded = true
    } catch {
      this.conn = null
      this.rebalanceNeeded = true
    } finally {
      this.heartbeating = false
    }
  }
}
