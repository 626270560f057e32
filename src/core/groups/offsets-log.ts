// Where the coordinator's records go: the internal compacted topic __consumer_offsets, written through the
// same Partition (storage/partition.ts) as any topic, and read back in full at start.
//
// - A group lives in partition abs(javaStringHashCode(groupId)) % partitions, as Kafka, so the same group
//   lands in the same partition number a Kafka broker would use.
// - The topic is created on the first write (offsets.topic.num.partitions partitions, cleanup.policy=compact,
//   segment.bytes 100 MiB as Kafka's offsets.topic.segment.bytes; see ../internal-topic.ts); until then
//   loading has nothing to read. Once it exists its real partition count is used (never the config).
// - append() resolves once the records are durable (the partition's high watermark covers them): a commit
//   is answered only after that. Batches are RecordBatch v2, uncompressed, CreateTime now, no producer id;
//   a transactional offset commit (TxnOffsetCommit) passes the producer's id and epoch instead: its batch
//   is transactional (baseSequence -1, as Kafka's coordinator writes it) and its records stay pending until
//   the transaction coordinator's control batch (COMMIT or ABORT marker) of that producer id follows.
//   The partition appends it as a coordinator's batch (Partition.appendAsLeader, no sequence checks): it opens
//   the producer's transaction in the partition's producer state (LSO, aborted-transaction index), which the
//   marker then closes. A refused append rejects with the partition's message.
// - replay() reads every partition from its log start to its log end, in offset order: each record with
//   its batch's transactional producer (null for ordinary batches), and each COMMIT/ABORT control batch as a
//   marker (other control types are skipped). Records that do not decode are passed through as-is for the
//   caller to report.
// Threading: main thread; the log does its own I/O and fsync.
import type { Topics } from '../topics.js'
import { buildRecordBatch } from '../../protocol/records/builder.js'
import { iterateRecords } from '../../protocol/records/record.js'
import { controlRecordKey, controlRecordValue, parseControlRecordType } from '../../protocol/records/control.js'
import { InternalTopic } from '../internal-topic.js'
import { KafkaError, type ErrorCodeValue } from '../../protocol/errors.js'
import type { CoordinatorRecord } from './records.js'

export const OFFSETS_TOPIC = '__consumer_offsets'
const OFFSETS_TOPIC_SEGMENT_BYTES = 104857600

/** Java's String.hashCode over UTF-16 code units (int32 wrap-around). */
export function javaStringHashCode (s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** Kafka's Utils.abs: maps Integer.MIN_VALUE to 0 rather than overflowing. */
export function partitionForGroup (groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}

/** The producer of a transactional batch. */
export interface TxnProducer { producerId: number, producerEpoch: number }

/** One record as replayed: `txn` is the producer of its transactional batch, null for an ordinary batch. */
export type ReplayRecord = (partition: number, key: Buffer | null, value: Buffer | null, timestamp: number, txn: TxnProducer | null) => void
/** A transaction marker (control batch) as replayed: commit = COMMIT, else ABORT. */
export type ReplayMarker = (partition: number, producerId: number, commit: boolean) => void

export interface OffsetsLog {
  /** The partition count the group -> partition mapping uses. */
  partitions: () => number
  /**
   * Appends records to one partition in one batch; resolves when they are durable. With `txn` the batch is
   * transactional, written for that producer (TxnOffsetCommit).
   */
  append: (partition: number, records: CoordinatorRecord[], now: number, txn?: TxnProducer) => Promise<void>
  /**
   * Calls onRecord for every record and onMarker for every COMMIT/ABORT control batch of every partition,
   * in offset order; resolves at the end.
   */
  replay: (onRecord: ReplayRecord, onMarker?: ReplayMarker) => Promise<void>
}

/** __consumer_offsets in the broker's storage. */
export class TopicOffsetsLog implements OffsetsLog {
  private readonly topic: InternalTopic

  constructor (topics: Topics, configuredPartitions: number) {
    this.topic = new InternalTopic(topics, OFFSETS_TOPIC, configuredPartitions, OFFSETS_TOPIC_SEGMENT_BYTES)
  }

  partitions (): number {
    return this.topic.partitions()
  }

  async append (partition: number, records: CoordinatorRecord[], now: number, txn?: TxnProducer): Promise<void> {
    if (records.length === 0) return
    const p = await this.topic.logFor(partition)
    const batch = buildRecordBatch(records.map(r => ({ key: r.key, value: r.value })), txn === undefined
      ? { timestamp: now }
      : { timestamp: now, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: -1, isTransactional: true })
    // the transaction opens in the partition's producer state in the same turn as the append
    if (txn !== undefined) await p.loadProducerState()
    const r = p.appendAsLeader(batch, { now, origin: 'coordinator' })
    if (r.kind === 'refused') throw new KafkaError(r.errorCode as ErrorCodeValue, r.message)
    if (r.kind === 'appended') await r.durable
  }

  async replay (onRecord: ReplayRecord, onMarker?: ReplayMarker): Promise<void> {
    await this.topic.scan((p, buf, pos, header) => {
      if (header.isControl) {
        // a control batch holds one record: key = int16 version + int16 type (0 ABORT, 1 COMMIT)
        if (onMarker === undefined) return
        for (const rec of iterateRecords(buf, pos)) {
          const type = parseControlRecordType(rec.key)
          if (type === 0 || type === 1) onMarker(p, header.producerId, type === 1)
          break
        }
        return
      }
      const txn = header.isTransactional ? { producerId: header.producerId, producerEpoch: header.producerEpoch } : null
      for (const rec of iterateRecords(buf, pos)) onRecord(p, rec.key, rec.value, rec.timestamp, txn)
    })
  }
}

/**
 * One entry of a MemoryOffsetsLog: a record (with `txn` when its batch was transactional) or, with
 * `marker`, a transaction marker (key and value then hold Kafka's control record).
 */
export interface MemoryLogEntry {
  partition: number
  key: Buffer
  value: Buffer | null
  timestamp: number
  txn?: TxnProducer
  marker?: { producerId: number, commit: boolean }
}

/**
 * An OffsetsLog held in memory: for unit tests and embedders that want groups without persistence.
 * `failNext` makes the next append reject (a storage failure); `hold` parks appends until `release()`;
 * appendMarker() records a transaction marker as the transaction coordinator would write it.
 */
export class MemoryOffsetsLog implements OffsetsLog {
  readonly records: MemoryLogEntry[] = []
  failNext: Error | null = null
  hold = false
  private held: Array<() => void> = []

  constructor (private readonly count = 50) {}

  partitions (): number {
    return this.count
  }

  async append (partition: number, records: CoordinatorRecord[], now: number, txn?: TxnProducer): Promise<void> {
    if (this.failNext !== null) {
      const err = this.failNext
      this.failNext = null
      throw err
    }
    for (const r of records) {
      const e: MemoryLogEntry = { partition, key: r.key, value: r.value, timestamp: now }
      if (txn !== undefined) e.txn = { producerId: txn.producerId, producerEpoch: txn.producerEpoch }
      this.records.push(e)
    }
    if (this.hold) await new Promise<void>(resolve => this.held.push(resolve))
  }

  /** Records a COMMIT (commit = true) or ABORT marker of a producer in a partition (durable at once). */
  appendMarker (partition: number, producerId: number, commit: boolean, now = 0): void {
    this.records.push({ partition, key: controlRecordKey(commit), value: controlRecordValue(0), timestamp: now, marker: { producerId, commit } })
  }

  release (): void {
    const h = this.held
    this.held = []
    for (const fn of h) fn()
  }

  async replay (onRecord: ReplayRecord, onMarker?: ReplayMarker): Promise<void> {
    for (const r of this.records) {
      if (r.marker !== undefined) onMarker?.(r.partition, r.marker.producerId, r.marker.commit)
      else onRecord(r.partition, r.key, r.value, r.timestamp, r.txn ?? null)
    }
  }
}
