// Producing records to one topic: pick each record's partition (explicit, by key with Kafka's murmur2, or
// sticky for keyless records), build one RecordBatch v2 per partition (compressed with the chosen codec),
// send one Produce request per leader and report the base offset of every batch.
//
// Ordering: send() finishes one call before the next starts (one request in flight per leader), so records
// are appended in input order even when a leadership error makes us refresh metadata and resend (bounded:
// 3 retries). Kafka allows only one batch per partition in a Produce request (magic 2), so inputs larger
// than `batchBytes` for a partition go out in several rounds. acks=0 gets no response: offsets are unknown (-1).
import { buildRecordBatch, type RecordInput } from '../protocol/records/builder.js'
import { CompressionCodec } from '../protocol/records/batch-header.js'
import { ErrorCode } from '../protocol/errors.js'
import { Produce } from './apis.js'
import { REFRESH_CODES, type Cluster, type TopicInfo } from './cluster.js'
import { KafkaClientError, KafkaProtocolError } from './errors.js'
import { partitionForKey, StickyPartitioner } from './partitioner.js'

export interface ProduceRecord {
  key: Buffer | null
  value: Buffer | null
  headers?: Array<{ key: string, value: Buffer | null }>
  /** Epoch ms; default now. */
  timestamp?: number
  /** Explicit partition; default by key, or sticky when keyless. */
  partition?: number
}

export interface ProducerOptions {
  /** -1 (all), 0 or 1. Default -1. */
  acks?: number
  compression?: CompressionCodec
  /** Broker-side timeout for acks. Default 30000 ms. */
  timeoutMs?: number
  /** Largest batch this producer builds (record bytes before compression). Default 512 KiB. */
  batchBytes?: number
  /** Create the topic if the broker auto-creates topics (Metadata allowAutoTopicCreation). Default true. */
  autoCreate?: boolean
}

export interface ProducedBatch {
  partition: number
  /** Offset of the batch's first record; -1 with acks=0. */
  baseOffset: number
  count: number
}

/** Rough size of a record in a batch, for splitting (varint lengths and deltas ~ 20 bytes). */
function recordSize (r: ProduceRecord): number {
  let n = 20 + (r.key?.length ?? 0) + (r.value?.length ?? 0)
  for (const h of r.headers ?? []) n += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0)
  return n
}

export class Producer {
  private meta: TopicInfo | null = null
  private readonly sticky = new StickyPartitioner()
  private readonly acks: number
  private readonly compression: CompressionCodec
  private readonly timeoutMs: number
  private readonly batchBytes: number

  constructor (private readonly cluster: Cluster, readonly topic: string, private readonly opts: ProducerOptions = {}) {
    this.acks = opts.acks ?? -1
    this.compression = opts.compression ?? CompressionCodec.None
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.batchBytes = opts.batchBytes ?? 512 * 1024
  }

  /** Partition count of the topic (resolving metadata, creating the topic if allowed). */
  async partitions (): Promise<number> {
    this.meta ??= await this.cluster.topic(this.topic, { autoCreate: this.opts.autoCreate ?? true })
    return this.meta.partitions.length
  }

  /** Sends `records` and resolves with one entry per batch written, in partition then offset order. */
  async send (records: readonly ProduceRecord[]): Promise<ProducedBatch[]> {
    if (records.length === 0) return []
    const count = await this.partitions()
    const keyless = this.sticky.nextBatch(count)
    // partition -> list of batches (each a list of records), in input order
    const byPartition = new Map<number, RecordInput[][]>()
    const sizes = new Map<number, number>()
    for (const r of records) {
      let p: number
      if (r.partition !== undefined) {
        if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= count) {
          throw new KafkaClientError(`topic '${this.topic}' has no partition ${r.partition} (it has ${count}: 0-${count - 1})`)
        }
        p = r.partition
      } else {
        p = r.key === null ? keyless : partitionForKey(r.key, count)
      }
      const batches = byPartition.get(p) ?? [[]]
      byPartition.set(p, batches)
      const size = recordSize(r)
      let current = batches[batches.length - 1]!
      if (current.length > 0 && (sizes.get(p) ?? 0) + size > this.batchBytes) {
        current = []
        batches.push(current)
        sizes.set(p, 0)
      }
      current.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })
      sizes.set(p, (sizes.get(p) ?? 0) + size)
    }
    const out: ProducedBatch[] = []
    for (let round = 0; ; round++) {
      const batch = new Map<number, RecordInput[]>()
      for (const [p, list] of byPartition) if (list[round] !== undefined) batch.set(p, list[round]!)
      if (batch.size === 0) break
      out.push(...await this.sendRound(batch))
    }
    return out.sort((a, b) => a.partition - b.partition || a.baseOffset - b.baseOffset)
  }

  /** One batch per partition; resends partitions that hit a leadership error after a metadata refresh. */
  private async sendRound (records: Map<number, RecordInput[]>): Promise<ProducedBatch[]> {
    const built = new Map<number, { buf: Buffer, count: number }>()
    for (const [p, list] of records) built.set(p, { buf: buildRecordBatch(list, { compression: this.compression }), count: list.length })
    const out: ProducedBatch[] = []
    let todo = [...built.keys()]
    for (let attempt = 0; todo.length > 0; attempt++) {
      if (attempt > 0) {
        this.cluster.invalidate(this.topic)
        this.meta = await this.cluster.topic(this.topic, { refresh: true })
        await new Promise(resolve => setTimeout(resolve, 100 * attempt))
      }
      const retry: number[] = []
      const groups = await this.cluster.byLeader(this.topic, todo)
      await Promise.all([...groups].map(async ([nodeId, parts]) => {
        const conn = await this.cluster.node(nodeId)
        const req = {
          transactionalId: null,
          acks: this.acks,
          timeoutMs: this.timeoutMs,
          topicData: [{ name: this.topic, partitionData: parts.map(p => ({ index: p, records: built.get(p)!.buf })) }]
        }
        if (this.acks === 0) {
          await conn.fireAndForget(Produce, req)
          for (const p of parts) out.push({ partition: p, baseOffset: -1, count: built.get(p)!.count })
          return
        }
        const res = await conn.request(Produce, req, { timeoutMs: this.timeoutMs + 15_000 })
        for (const t of res.responses) {
          for (const r of t.partitionResponses) {
            if (r.errorCode === ErrorCode.NONE) {
              out.push({ partition: r.index, baseOffset: Number(r.baseOffset), count: built.get(r.index)?.count ?? 0 })
            } else if (REFRESH_CODES.has(r.errorCode) && attempt < 3) {
              retry.push(r.index)
            } else {
              const detail = r.errorMessage ?? (r.recordErrors.length > 0 ? r.recordErrors.map(e => e.batchIndexErrorMessage).join('; ') : null)
              throw new KafkaProtocolError(r.errorCode, `produce to ${this.topic}-${r.index}`, detail)
            }
          }
        }
      }))
      todo = retry
    }
    return out
  }
}
