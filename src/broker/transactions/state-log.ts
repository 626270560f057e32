// Where the transaction coordinator's state goes: the internal compacted topic __transaction_state, written
// through the same PartitionLog as any topic and read back in full when the coordinator loads.
//
// - A transactional id lives in partition abs(javaStringHashCode(id)) % partitions, as Kafka, so the same id
//   lands in the same partition number a Kafka broker would use.
// - The topic is created on the first write (transaction.state.log.num.partitions partitions,
//   cleanup.policy=compact, segment.bytes 100 MiB as Kafka's transaction.state.log.segment.bytes); until
//   then loading has nothing to read. Once it exists its real partition count is used, never the config.
// - append() resolves once the record is durable (the partition's high watermark covers it): every state
//   change is acknowledged to a client only after that.
// - replay() reads every partition from its log start to its log end in offset order; the last record of
//   each key wins (compaction keeps exactly that one).
// MemoryTxnStateLog is the in-memory stand-in for unit tests.
import type { Topics } from '../topics.js'
import type { PartitionLog } from '../../storage/log.js'
import { buildRecordBatch } from '../../protocol/records/builder.js'
import { iterateBatches, iterateRecords } from '../../protocol/records/record.js'
import { partitionForGroup } from '../groups/offsets-log.js'

export const TXN_STATE_TOPIC = '__transaction_state'
const SEGMENT_BYTES = 104857600
const LOAD_READ_BYTES = 4 * 1024 * 1024

/** Kafka's partitionFor(transactionalId): same hash as groups. */
export function partitionForTransactionalId (transactionalId: string, partitions: number): number {
  return partitionForGroup(transactionalId, partitions)
}

export interface TxnStateLog {
  partitions: () => number
  /** Appends one record; resolves when it is durable. */
  append: (partition: number, key: Buffer, value: Buffer | null, now: number) => Promise<void>
  /** Every record of every partition, in offset order per partition. */
  replay: (onRecord: (partition: number, key: Buffer | null, value: Buffer | null) => void) => Promise<void>
  /** True when there is anything to replay (the topic exists). */
  exists: () => boolean
}

export class TopicTxnStateLog implements TxnStateLog {
  private creating: Promise<void> | null = null

  constructor (private readonly topics: Topics, private readonly configuredPartitions: number) {}

  partitions (): number {
    return this.topics.get(TXN_STATE_TOPIC)?.partitions ?? this.configuredPartitions
  }

  exists (): boolean {
    return this.topics.get(TXN_STATE_TOPIC) !== undefined
  }

  private async logFor (partition: number): Promise<PartitionLog> {
    if (this.topics.get(TXN_STATE_TOPIC) === undefined) {
      this.creating ??= this.topics.create(TXN_STATE_TOPIC, this.configuredPartitions, {
        'cleanup.policy': 'compact',
        'segment.bytes': String(SEGMENT_BYTES)
      }).then(() => {}, err => {
        this.creating = null
        throw err
      })
      await this.creating
    }
    const log = this.topics.log(TXN_STATE_TOPIC, partition)
    if (log === undefined) throw new Error(`${TXN_STATE_TOPIC}-${partition} does not exist`)
    return log
  }

  async append (partition: number, key: Buffer, value: Buffer | null, now: number): Promise<void> {
    const log = await this.logFor(partition)
    await log.append([buildRecordBatch([{ key, value }], { timestamp: now })], now).durable
  }

  async replay (onRecord: (partition: number, key: Buffer | null, value: Buffer | null) => void): Promise<void> {
    const topic = this.topics.get(TXN_STATE_TOPIC)
    if (topic === undefined) return
    for (let p = 0; p < topic.partitions; p++) {
      const log = this.topics.log(TXN_STATE_TOPIC, p)
      if (log === undefined) continue
      const end = log.logEndOffset
      let next = log.logStartOffset
      while (next < end) {
        const { batches } = await log.read(next, LOAD_READ_BYTES, { minOneBatch: true, maxOffset: end })
        if (batches.length === 0) break
        let progressed = false
        for (const buf of batches) {
          for (const { pos, header } of iterateBatches(buf)) {
            const last = header.baseOffset + header.lastOffsetDelta
            if (last < next) continue
            next = last + 1
            progressed = true
            if (header.isControl) continue
            for (const rec of iterateRecords(buf, pos)) onRecord(p, rec.key, rec.value)
          }
        }
        if (!progressed) break
      }
    }
  }
}

export class MemoryTxnStateLog implements TxnStateLog {
  readonly records: Array<{ partition: number, key: Buffer, value: Buffer | null }> = []
  failNext: Error | null = null

  constructor (private readonly count = 50) {}

  partitions (): number { return this.count }
  exists (): boolean { return this.records.length > 0 }

  async append (partition: number, key: Buffer, value: Buffer | null): Promise<void> {
    if (this.failNext !== null) {
      const err = this.failNext
      this.failNext = null
      throw err
    }
    this.records.push({ partition, key, value })
  }

  async replay (onRecord: (partition: number, key: Buffer | null, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) onRecord(r.partition, r.key, r.value)
  }
}
