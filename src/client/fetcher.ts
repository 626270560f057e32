// Fetching records of one topic from a set of partitions at given positions. Each poll() sends one Fetch
// per partition leader (on the 'fetch' lane, so long polls never delay other requests), waits up to
// maxWaitMs for data, and returns the decoded records in offset order per partition, advancing positions.
//
// Version notes: Fetch v4-12 name topics; v13+ name them by topic id (from Metadata v10+): when the
// broker reports no topic id we stay at v12. Sessions (KIP-227) are not used: every fetch is a full one
// (sessionId 0, epoch -1). read_uncommitted: control batches are skipped, aborted data is not filtered.
//
// Whole batches come back (the one holding the position first), so records below the position are skipped.
// A batch larger than the partition's byte budget comes back truncated by old brokers: the budget then
// doubles (up to maxBytes) so that the next fetch gets the whole batch. Position moves past a batch's last
// offset even when compaction removed its tail, as Kafka consumers do.
import { ZERO_UUID } from '../protocol/primitives/reader.js'
import { ErrorCode } from '../protocol/errors.js'
import { iterateBatches, iterateRecords, type RecordHeader } from '../protocol/records/record.js'
import { TimestampType } from '../protocol/records/batch-header.js'
import { Fetch } from './apis.js'
import { REFRESH_CODES, type Cluster } from './cluster.js'
import { KafkaClientError, KafkaProtocolError } from './errors.js'

export interface ConsumedRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  timestampType: 'CreateTime' | 'LogAppendTime'
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export interface FetcherOptions {
  /** How long a fetch may wait for data (default 500 ms). */
  maxWaitMs?: number
  /** Per-response limit (default 50 MiB). */
  maxBytes?: number
  /** Initial per-partition limit (default 1 MiB). */
  partitionMaxBytes?: number
}

/** Called when a partition's position is out of the log's range: return the new position. */
export type OutOfRangeHandler = (partition: number, position: number) => Promise<number>

export class Fetcher {
  /** Next offset to return, per assigned partition. */
  readonly positions = new Map<number, number>()
  /** Last high watermark and log start offset seen, per partition. */
  readonly highWatermarks = new Map<number, number>()
  readonly logStartOffsets = new Map<number, number>()
  private readonly budget = new Map<number, number>()
  private readonly maxWaitMs: number
  private readonly maxBytes: number
  private readonly partitionMaxBytes: number

  constructor (private readonly cluster: Cluster, readonly topic: string, opts: FetcherOptions = {},
    private readonly onOutOfRange?: OutOfRangeHandler) {
    this.maxWaitMs = opts.maxWaitMs ?? 500
    this.maxBytes = opts.maxBytes ?? 50 * 1024 * 1024
    this.partitionMaxBytes = opts.partitionMaxBytes ?? 1024 * 1024
  }

  /** Replaces the assignment: partition -> next offset to read. */
  assign (positions: Map<number, number>): void {
    this.positions.clear()
    for (const [p, o] of positions) this.positions.set(p, o)
  }

  /** One round of fetches to every leader; records per partition in offset order. */
  async poll (maxWaitMs = this.maxWaitMs): Promise<ConsumedRecord[]> {
    if (this.positions.size === 0) {
      await new Promise(resolve => setTimeout(resolve, maxWaitMs))
      return []
    }
    const out: ConsumedRecord[] = []
    const groups = await this.cluster.byLeader(this.topic, [...this.positions.keys()])
    let refresh = false
    await Promise.all([...groups].map(async ([nodeId, parts]) => {
      if (await this.fetchFrom(nodeId, parts, maxWaitMs, out)) refresh = true
    }))
    if (refresh) {
      this.cluster.invalidate(this.topic)
      await this.cluster.topic(this.topic, { refresh: true })
    }
    return out
  }

  /** Fetches `parts` from broker `nodeId`; true when metadata should be refreshed. */
  private async fetchFrom (nodeId: number, parts: number[], maxWaitMs: number, out: ConsumedRecord[]): Promise<boolean> {
    const conn = await this.cluster.node(nodeId, 'fetch')
    const meta = await this.cluster.topic(this.topic)
    let version = conn.version(Fetch)
    if (version >= 13 && meta.topicId === ZERO_UUID) version = 12
    const fetchedAt = new Map<number, number>()
    for (const p of parts) fetchedAt.set(p, this.positions.get(p)!)
    const res = await conn.request(Fetch, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs,
      minBytes: 1,
      maxBytes: this.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topic: this.topic,
        topicId: meta.topicId,
        partitions: parts.map(p => ({
          partition: p,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(fetchedAt.get(p)!),
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: this.budget.get(p) ?? this.partitionMaxBytes
        }))
      }],
      forgottenTopicsData: [],
      rackId: ''
    }, { version, timeoutMs: maxWaitMs + 30_000 })
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `fetch from ${this.topic} on ${conn.address}`)
    let refresh = false
    for (const t of res.responses) {
      for (const pd of t.partitions) {
        const p = pd.partitionIndex
        const at = fetchedAt.get(p)
        if (at === undefined || this.positions.get(p) !== at) continue // reassigned meanwhile
        if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && this.onOutOfRange !== undefined) {
          this.positions.set(p, await this.onOutOfRange(p, at))
          continue
        }
        if (REFRESH_CODES.has(pd.errorCode)) {
          refresh = true
          continue
        }
        if (pd.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(pd.errorCode, `fetch ${this.topic}-${p} at offset ${at}`)
        this.highWatermarks.set(p, Number(pd.highWatermark))
        if (pd.logStartOffset >= 0n) this.logStartOffsets.set(p, Number(pd.logStartOffset))
        const data = pd.records === null ? null : Array.isArray(pd.records) ? Buffer.concat(pd.records) : pd.records
        if (data === null || data.length === 0) continue
        this.positions.set(p, this.decode(p, at, data, out))
      }
    }
    return refresh
  }

  /** Appends the records at or after `position` to `out`; returns the new position. */
  private decode (partition: number, position: number, data: Buffer, out: ConsumedRecord[]): number {
    let complete = 0
    for (const b of iterateBatches(data)) {
      complete++
      const h = b.header
      if (h.magic !== 2) {
        throw new KafkaClientError(`${this.topic}-${partition} at offset ${h.baseOffset}: message format v${h.magic} is not supported (only RecordBatch v2)`)
      }
      const last = h.baseOffset + h.lastOffsetDelta
      if (last < position) continue
      if (!h.isControl) {
        const type = h.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime'
        for (const r of iterateRecords(data, b.pos)) {
          if (r.offset < position) continue
          out.push({ topic: this.topic, partition, offset: r.offset, timestamp: r.timestamp, timestampType: type, key: r.key, value: r.value, headers: r.headers })
        }
      }
      position = last + 1
    }
    if (complete === 0) {
      // A batch bigger than our budget, truncated: ask for more next time.
      const now = this.budget.get(partition) ?? this.partitionMaxBytes
      this.budget.set(partition, Math.min(this.maxBytes, now * 2))
    }
    return position
  }
}
