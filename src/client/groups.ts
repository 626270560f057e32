// Consumer-group administration over the classic group APIs: list (ListGroups to every broker, since each
// lists only the groups it coordinates), describe (DescribeGroups + the members' decoded assignments),
// committed offsets (OffsetFetch), commits (OffsetCommit, also used by reset with generation -1 and no
// member, which Kafka accepts only while the group has no members), delete (DeleteGroups).
// Every request about a group goes to its coordinator.
import { Reader } from '../protocol/primitives/reader.js'
import { ErrorCode } from '../protocol/errors.js'
import { decodeConsumerProtocolAssignment } from '../protocol/generated/messages/consumer-protocol-assignment.js'
import { DeleteGroups, DescribeGroups, ListGroups, OffsetCommit, OffsetFetch } from './apis.js'
import type { Cluster } from './cluster.js'
import type { Connection } from './connection.js'
import { KafkaClientError, KafkaProtocolError } from './errors.js'

export interface GroupListing { groupId: string; protocolType: string; state: string }

export interface TopicPartitions { topic: string; partitions: number[] }

export interface GroupMemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Decoded for protocol type "consumer"; empty otherwise. */
  assignment: TopicPartitions[]
}

export interface GroupDescription {
  groupId: string
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, Dead (Dead also for a group that does not exist). */
  state: string
  protocolType: string
  protocol: string
  members: GroupMemberDescription[]
}

export interface CommittedOffset { topic: string; partition: number; offset: number; metadata: string | null }

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS])

/** Runs `fn` against the group's coordinator, re-finding it (bounded) when it moved or is loading. */
export async function withCoordinator<T> (cluster: Cluster, groupId: string, fn: (conn: Connection) => Promise<{ code: number, value?: T, what: string, detail?: string | null }>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const { conn } = await cluster.coordinator(groupId)
    const r = await fn(conn)
    if (r.code === ErrorCode.NONE) return r.value as T
    if (!COORDINATOR_MOVED.has(r.code) || attempt >= 5) throw new KafkaProtocolError(r.code, r.what, r.detail)
    await sleep(100 * (attempt + 1))
  }
}

/** Decodes a ConsumerProtocolAssignment (int16 version + struct); empty for no bytes. */
export function decodeAssignment (bytes: Buffer): TopicPartitions[] {
  if (bytes.length < 2) return []
  const r = new Reader(bytes)
  const version = r.int16()
  return decodeConsumerProtocolAssignment(r, Math.min(Math.max(version, 0), 3)).assignedPartitions
    .map(a => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }))
}

/** Every group of every broker, sorted by id. */
export async function listGroups (cluster: Cluster): Promise<GroupListing[]> {
  await cluster.metadata([])
  const nodes = [...cluster.brokers.keys()]
  const seen = new Map<string, GroupListing>()
  await Promise.all(nodes.map(async nodeId => {
    const conn = await cluster.node(nodeId)
    const res = await conn.request(ListGroups, { statesFilter: [], typesFilter: [] })
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `list groups on ${conn.address}`)
    for (const g of res.groups) seen.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState })
  }))
  const v = (await cluster.any()).version(ListGroups)
  const list = [...seen.values()].sort((a, b) => a.groupId.localeCompare(b.groupId))
  if (v < 4) {
    // ListGroups before v4 has no state: ask DescribeGroups.
    for (const g of list) g.state = (await describeGroup(cluster, g.groupId)).state
  }
  return list
}

export async function describeGroup (cluster: Cluster, groupId: string): Promise<GroupDescription> {
  return await withCoordinator(cluster, groupId, async conn => {
    const res = await conn.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false })
    const g = res.groups.find(x => x.groupId === groupId) ?? res.groups[0]
    if (g === undefined) return { code: ErrorCode.UNKNOWN_SERVER_ERROR, what: `describe group '${groupId}'`, detail: 'empty answer' }
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
      return { code: ErrorCode.NONE, what: '', value: { groupId, state: 'Dead', protocolType: '', protocol: '', members: [] } }
    }
    if (g.errorCode !== ErrorCode.NONE) return { code: g.errorCode, what: `describe group '${groupId}'` }
    const consumer = g.protocolType === 'consumer'
    return {
      code: ErrorCode.NONE,
      what: '',
      value: {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map(m => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: consumer ? safeAssignment(m.memberAssignment) : []
        }))
      }
    }
  })
}

function safeAssignment (bytes: Buffer): TopicPartitions[] {
  try {
    return decodeAssignment(bytes)
  } catch {
    return []
  }
}

/** Committed offsets of the group (every topic when `topics` is null). Partitions without one are left out. */
export async function committedOffsets (cluster: Cluster, groupId: string, topics: TopicPartitions[] | null): Promise<CommittedOffset[]> {
  return await withCoordinator(cluster, groupId, async conn => {
    const v = conn.version(OffsetFetch)
    const reqTopics = topics === null ? null : topics.map(t => ({ name: t.topic, partitionIndexes: t.partitions }))
    const res = await conn.request(OffsetFetch, {
      groupId,
      topics: reqTopics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: reqTopics }],
      requireStable: false
    })
    const what = `fetch committed offsets of group '${groupId}'`
    let code: number
    let resTopics: Array<{ name: string, partitions: Array<{ partitionIndex: number, committedOffset: bigint, metadata: string | null, errorCode: number }> }>
    if (v >= 8) {
      const g = res.groups.find(x => x.groupId === groupId) ?? res.groups[0]
      if (g === undefined) return { code: ErrorCode.UNKNOWN_SERVER_ERROR, what, detail: 'empty answer' }
      code = g.errorCode
      resTopics = g.topics
    } else {
      code = res.errorCode
      resTopics = res.topics
    }
    if (code === ErrorCode.GROUP_ID_NOT_FOUND) return { code: ErrorCode.NONE, what, value: [] }
    if (code !== ErrorCode.NONE) return { code, what }
    const out: CommittedOffset[] = []
    for (const t of resTopics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue
        if (p.errorCode !== ErrorCode.NONE) return { code: p.errorCode, what: `${what} for ${t.name}-${p.partitionIndex}` }
        if (p.committedOffset < 0n) continue
        out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata })
      }
    }
    out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    return { code: ErrorCode.NONE, what, value: out }
  })
}

export interface CommitOptions {
  /** -1 (default) for a commit from outside the group ("simple" commit, only while it has no members). */
  generationId?: number
  memberId?: string
  /** Use this connection (a member's coordinator connection) instead of looking the coordinator up. */
  conn?: Connection
}

/** Commits `offsets` (partition -> next offset to read) of `topic`. Per-partition errors are thrown. */
export async function commitOffsets (cluster: Cluster, groupId: string, topic: string, offsets: ReadonlyMap<number, number>, opts: CommitOptions = {}): Promise<void> {
  if (offsets.size === 0) return
  const send = async (conn: Connection): Promise<{ code: number, what: string }> => {
    const res = await conn.request(OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: opts.generationId ?? -1,
      memberId: opts.memberId ?? '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{
        name: topic,
        partitions: [...offsets].map(([partition, offset]) => ({
          partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: ''
        }))
      }]
    })
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) return { code: p.errorCode, what: `commit offsets of group '${groupId}' for ${t.name}-${p.partitionIndex}` }
      }
    }
    return { code: ErrorCode.NONE, what: '' }
  }
  if (opts.conn !== undefined) {
    const r = await send(opts.conn)
    if (r.code !== ErrorCode.NONE) throw new KafkaProtocolError(r.code, r.what)
    return
  }
  await withCoordinator<void>(cluster, groupId, send)
}

export async function deleteGroup (cluster: Cluster, groupId: string): Promise<void> {
  await withCoordinator<void>(cluster, groupId, async conn => {
    const res = await conn.request(DeleteGroups, { groupsNames: [groupId] })
    const r = res.results.find(x => x.groupId === groupId) ?? res.results[0]
    if (r === undefined) return { code: ErrorCode.UNKNOWN_SERVER_ERROR, what: `delete group '${groupId}'`, detail: 'empty answer' }
    if (r.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw new KafkaClientError(`unknown group '${groupId}'`)
    if (r.errorCode === ErrorCode.NON_EMPTY_GROUP) throw new KafkaClientError(`group '${groupId}' still has members; stop its consumers first`)
    return { code: r.errorCode, what: `delete group '${groupId}'` }
  })
}
