// Where the transaction coordinator's state goes: the internal compacted topic __transaction_state, written
// through the same Partition (storage/partition.ts) as any topic and read back in full when the coordinator loads.
//
// - A transactional id lives in partition abs(javaStringHashCode(id)) % partitions, as Kafka, so the same id
//   lands in the same partition number a Kafka broker would use.
// - The topic is created on the first write (transaction.state.log.num.partitions partitions,
//   cleanup.policy=compact, segment.bytes 100 MiB as Kafka's transaction.state.log.segment.bytes; see
//   ../internal-topic.ts); until then loading has nothing to read. Once it exists its real partition count
//   is used, never the config.
// - append() resolves once the record is durable (the partition's high watermark covers it): every state
//   change is acknowledged to a client only after that.
// - replay() reads every partition from its log start to its log end in offset order; the last record of
//   each key wins (compaction keeps exactly that one).
// MemoryTxnStateLog is the in-memory stand-in for unit tests.
import type { Topics } from '../topics.js'
import { buildRecordBatch } from '../../protocol/records/builder.js'
import { iterateRecords } from '../../protocol/records/record.js'
import { partitionForGroup } from '../groups/offsets-log.js'
import { InternalTopic } from '../internal-topic.js'
import { KafkaError, type ErrorCodeValue } from '../../protocol/errors.js'

export const TXN_STATE_TOPIC = '__transaction_state'
const SEGMENT_BYTES = 104857600

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
  private readonly topic: InternalTopic

  constructor (topics: Topics, configuredPartitions: number) {
    this.topic = new InternalTopic(topics, TXN_STATE_TOPIC, configuredPartitions, SEGMENT_BYTES)
  }

  partitions (): number {
    return this.topic.partitions()
  }

  exists (): boolean {
    return this.topic.exists()
  }

  async append (partition: number, key: Buffer, value: Buffer | null, now: number): Promise<void> {
    const p = await this.topic.logFor(partition)
    const r = p.appendAsLeader(buildRecordBatch([{ key, value }], { timestamp: now }), { now, origin: 'coordinator' })
    if (r.kind === 'refused') throw new KafkaError(r.errorCode as ErrorCodeValue, r.message)
    if (r.kind === 'appended') await r.durable
  }

  async replay (onRecord: (partition: number, key: Buffer | null, value: Buffer | null) => void): Promise<void> {
    await this.topic.scan((p, buf, pos, header) => {
      if (header.isControl) return
      for (const rec of iterateRecords(buf, pos)) onRecord(p, rec.key, rec.value)
    })
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
