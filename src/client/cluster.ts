// The cluster as this client sees it: bootstrap addresses, the brokers and topics Metadata reports, and one
// pooled connection per (broker, lane). Requests about a partition go to its leader, group requests to the
// group's coordinator (FindCoordinator), topic administration to the controller, as Kafka clients route them.
//
// Lanes: a long-polling Fetch holds its connection for up to maxWait, and a broker answers a connection's
// requests in order, so fetches ('fetch') and group membership traffic ('group': JoinGroup may wait a whole
// rebalance) get their own sockets and never delay each other or metadata ('default').
//
// Unreachable brokers: each connect is tried `attempts` times (default 3) with a growing backoff (250 ms,
// 500 ms, ...); then BrokerUnreachableError "cannot reach broker host:port after 3 attempts: ECONNREFUSED".
// With several bootstrap addresses each round tries them all before backing off.
import { ZERO_UUID } from '../protocol/primitives/reader.js'
import { ErrorCode } from '../protocol/errors.js'
import { FindCoordinator, Metadata } from './apis.js'
import { Connection, type ConnectionOptions } from './connection.js'
import { BrokerUnreachableError, ConnectionClosedError, KafkaClientError, KafkaProtocolError, UnknownTopicError, UnsupportedApiError } from './errors.js'

export interface HostPort { host: string; port: number }
export interface BrokerNode extends HostPort { nodeId: number; rack: string | null }

export interface PartitionInfo {
  partition: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offline: number[]
  errorCode: number
}

export interface TopicInfo {
  name: string
  topicId: string
  internal: boolean
  errorCode: number
  /** Sorted by partition index. */
  partitions: PartitionInfo[]
}

export type Lane = 'default' | 'fetch' | 'group'

export interface ClusterOptions extends ConnectionOptions {
  /** Bootstrap addresses. */
  brokers: HostPort[]
  /** Connect attempts per broker before giving up (default 3). */
  attempts?: number
  /** First backoff between attempts, doubled each time (default 250 ms). */
  retryBackoffMs?: number
}

/** Parses `host:port[,host:port...]` (IPv6 as `[::1]:9092`). Throws a plain Error naming the bad entry. */
export function parseBrokers (list: string): HostPort[] {
  const out: HostPort[] = []
  for (const raw of list.split(',')) {
    const s = raw.trim()
    if (s === '') continue
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s)
    const port = m === null ? NaN : Number(m[3])
    if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`bad broker address '${s}': expected host:port, e.g. 127.0.0.1:9092`)
    }
    out.push({ host: m[1] ?? m[2]!, port })
  }
  if (out.length === 0) throw new Error('no broker address given: expected host:port[,host:port...]')
  return out
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Error codes after which a metadata refresh and a retry may succeed. */
export const REFRESH_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_CONTROLLER, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.OFFSET_NOT_AVAILABLE
])

export class Cluster {
  readonly brokers = new Map<number, BrokerNode>()
  clusterId: string | null = null
  controllerId = -1
  private readonly topics = new Map<string, TopicInfo>()
  private readonly conns = new Map<string, Promise<Connection>>()
  private readonly attempts: number
  private readonly backoffMs: number
  private bootstrapConn: Promise<Connection> | null = null
  private closed = false

  constructor (private readonly opts: ClusterOptions) {
    if (opts.brokers.length === 0) throw new KafkaClientError('no bootstrap broker given')
    this.attempts = Math.max(1, opts.attempts ?? 3)
    this.backoffMs = opts.retryBackoffMs ?? 250
  }

  get bootstrapAddresses (): string {
    return this.opts.brokers.map(b => `${b.host}:${b.port}`).join(',')
  }

  /** A connection to whichever bootstrap broker answers first (tried in order, `attempts` rounds). */
  async any (): Promise<Connection> {
    if (this.bootstrapConn !== null) {
      const c = await this.bootstrapConn.catch(() => null)
      if (c !== null && !c.closed) return c
    }
    this.bootstrapConn = this.connectFirst(this.opts.brokers)
    return await this.bootstrapConn
  }

  /** Connection to broker `nodeId` as last reported by Metadata. */
  async node (nodeId: number, lane: Lane = 'default'): Promise<Connection> {
    let b = this.brokers.get(nodeId)
    if (b === undefined) {
      await this.metadata([])
      b = this.brokers.get(nodeId)
      if (b === undefined) throw new KafkaClientError(`broker ${nodeId} is not in the cluster metadata from ${this.bootstrapAddresses}`)
    }
    return await this.connectionTo(b, lane)
  }

  /** Pooled connection to host:port on `lane`, reconnecting when the pooled one has closed. */
  async connectionTo (addr: HostPort, lane: Lane = 'default'): Promise<Connection> {
    if (this.closed) throw new ConnectionClosedError('the client is closed')
    const key = `${lane}|${addr.host}:${addr.port}`
    const cached = this.conns.get(key)
    if (cached !== undefined) {
      const c = await cached.catch(() => null)
      if (c !== null && !c.closed) return c
    }
    const p = this.connectFirst([addr])
    this.conns.set(key, p)
    p.catch(() => { if (this.conns.get(key) === p) this.conns.delete(key) })
    return await p
  }

  /**
   * Metadata for `topics` (null: every topic; []: brokers only). Updates the broker and topic caches and
   * returns the topics of the answer, errors included.
   */
  async metadata (topics: string[] | null, opts: { autoCreate?: boolean } = {}): Promise<Map<string, TopicInfo>> {
    const conn = await this.any()
    const res = await conn.request(Metadata, {
      topics: topics === null ? null : topics.map(name => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: opts.autoCreate ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false
    })
    this.brokers.clear()
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
    this.clusterId = res.clusterId
    this.controllerId = res.controllerId
    const out = new Map<string, TopicInfo>()
    for (const t of res.topics) {
      if (t.name === null) continue
      const info: TopicInfo = {
        name: t.name,
        topicId: t.topicId,
        internal: t.isInternal,
        errorCode: t.errorCode,
        partitions: t.partitions.map(p => ({
          partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes,
          isr: p.isrNodes, offline: p.offlineReplicas, errorCode: p.errorCode
        })).sort((a, b) => a.partition - b.partition)
      }
      out.set(t.name, info)
      if (t.errorCode === ErrorCode.NONE) this.topics.set(t.name, info)
      else this.topics.delete(t.name)
    }
    return out
  }

  /**
   * One topic's metadata with a leader for every partition, waiting briefly (bounded) while leaders are
   * being elected, e.g. right after creation. Throws UnknownTopicError when the topic does not exist.
   */
  async topic (name: string, opts: { autoCreate?: boolean, refresh?: boolean } = {}): Promise<TopicInfo> {
    if (opts.refresh !== true) {
      const cached = this.topics.get(name)
      if (cached !== undefined) return cached
    }
    let last: TopicInfo | undefined
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt))
      last = (await this.metadata([name], opts)).get(name)
      if (last === undefined) continue
      if (last.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        // Right after an auto-create some brokers still answer this once; retry only then.
        if (opts.autoCreate === true && attempt < 3) continue
        throw new UnknownTopicError(name)
      }
      if (last.errorCode === ErrorCode.LEADER_NOT_AVAILABLE) continue
      if (last.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(last.errorCode, `metadata of topic '${name}'`)
      if (last.partitions.length > 0 && last.partitions.every(p => p.leader >= 0)) return last
    }
    if (last === undefined) throw new UnknownTopicError(name)
    if (last.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(last.errorCode, `metadata of topic '${name}'`)
    const leaderless = last.partitions.filter(p => p.leader < 0).map(p => p.partition)
    throw new KafkaClientError(`topic '${name}' has no leader for partition${leaderless.length === 1 ? '' : 's'} ${leaderless.join(', ')}`)
  }

  /** Forgets cached topic metadata (after NOT_LEADER_OR_FOLLOWER and friends). */
  invalidate (topic: string): void {
    this.topics.delete(topic)
  }

  /** Connection to the leader of `topic`-`partition`. */
  async leader (topic: string, partition: number, lane: Lane = 'default'): Promise<{ conn: Connection, nodeId: number }> {
    const t = await this.topic(topic)
    const p = t.partitions.find(x => x.partition === partition)
    if (p === undefined) throw new KafkaClientError(`topic '${topic}' has no partition ${partition} (it has ${t.partitions.length})`)
    return { conn: await this.node(p.leader, lane), nodeId: p.leader }
  }

  /** Partitions grouped by their leader's node id. */
  async byLeader (topic: string, partitions: readonly number[]): Promise<Map<number, number[]>> {
    const t = await this.topic(topic)
    const out = new Map<number, number[]>()
    for (const partition of partitions) {
      const p = t.partitions.find(x => x.partition === partition)
      if (p === undefined) throw new KafkaClientError(`topic '${topic}' has no partition ${partition} (it has ${t.partitions.length})`)
      const list = out.get(p.leader) ?? []
      list.push(partition)
      out.set(p.leader, list)
    }
    return out
  }

  /** The controller (CreateTopics, DeleteTopics, CreatePartitions), or any broker when there is none. */
  async controller (): Promise<Connection> {
    if (this.controllerId < 0 || !this.brokers.has(this.controllerId)) await this.metadata([])
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return await this.node(this.controllerId)
    return await this.any()
  }

  /** The group's coordinator, found with FindCoordinator (retried while the coordinator is loading). */
  async coordinator (groupId: string, lane: Lane = 'default'): Promise<{ conn: Connection, nodeId: number }> {
    let lastCode: number = ErrorCode.NONE
    let lastMessage: string | null = null
    for (let attempt = 0; attempt < 8; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt))
      const conn = await this.any()
      const v = conn.version(FindCoordinator)
      const res = await conn.request(FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] })
      let code: number, nodeId: number, host: string, port: number, message: string | null
      if (v >= 4) {
        const c = res.coordinators.find(x => x.key === groupId) ?? res.coordinators[0]
        if (c === undefined) throw new KafkaClientError(`FindCoordinator for group '${groupId}': empty answer from ${conn.address}`)
        ;({ errorCode: code, nodeId, host, port, errorMessage: message } = c)
      } else {
        ;({ errorCode: code, nodeId, host, port, errorMessage: message } = res)
      }
      if (code === ErrorCode.NONE) {
        const node: BrokerNode = { nodeId, host, port, rack: null }
        if (!this.brokers.has(nodeId)) this.brokers.set(nodeId, node)
        return { conn: await this.connectionTo(node, lane), nodeId }
      }
      lastCode = code
      lastMessage = message
      if (code !== ErrorCode.COORDINATOR_NOT_AVAILABLE && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && code !== ErrorCode.NOT_COORDINATOR) break
    }
    throw new KafkaProtocolError(lastCode, `find the coordinator of group '${groupId}'`, lastMessage)
  }

  /** True when the bootstrap broker serves `api` at a version this client speaks. */
  async supports (api: Parameters<Connection['supports']>[0]): Promise<boolean> {
    return (await this.any()).supports(api)
  }

  async close (): Promise<void> {
    this.closed = true
    const all = [...this.conns.values()]
    if (this.bootstrapConn !== null) all.push(this.bootstrapConn)
    this.conns.clear()
    this.bootstrapConn = null
    for (const p of all) (await p.catch(() => null))?.close()
  }

  private async connectFirst (addrs: HostPort[]): Promise<Connection> {
    let lastCause = 'unknown error'
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      for (const a of addrs) {
        try {
          return await Connection.open(a.host, a.port, this.opts)
        } catch (err) {
          // A broker that answers but refuses our versions will not change its mind: no retry.
          if (err instanceof UnsupportedApiError || err instanceof KafkaProtocolError) throw err
          lastCause = (err as NodeJS.ErrnoException).code ?? (err as Error).message
        }
      }
      if (attempt < this.attempts) await sleep(this.backoffMs * 2 ** (attempt - 1))
    }
    throw new BrokerUnreachableError(addrs.map(a => `${a.host}:${a.port}`).join(','), this.attempts, lastCause)
  }
}
