// An internal compacted topic the broker writes itself (__consumer_offsets, __transaction_state), shared by the
// group and transaction coordinators:
// - created on the first write with the configured partition count, cleanup.policy=compact and the given
//   segment.bytes, so a fresh broker starts without creating its partition directories; concurrent first
//   writes share one creation, a failed one is retried by the next write;
// - once it exists its real partition count is used, never the config, so keys are always found in the
//   partition they were written to;
// - scan() reads every partition from its log start to its log end, batch by batch in offset order, for the
//   coordinators' replay at start.
// Threading: main thread; the logs do their own I/O.
import type { Topics } from './topics.js'
import type { Partition } from '../storage/partition.js'
import type { BatchHeader } from '../protocol/records/batch-header.js'
import { iterateBatches } from '../protocol/records/record.js'

const SCAN_READ_BYTES = 4 * 1024 * 1024

export class InternalTopic {
  private creating: Promise<void> | null = null

  constructor (private readonly topics: Topics, readonly name: string, private readonly configuredPartitions: number, private readonly segmentBytes: number) {}

  partitions (): number {
    return this.topics.get(this.name)?.partitions ?? this.configuredPartitions
  }

  exists (): boolean {
    return this.topics.get(this.name) !== undefined
  }

  /** The partition, creating the topic first if it does not exist yet. */
  async logFor (partition: number): Promise<Partition> {
    if (!this.exists()) {
      this.creating ??= this.topics.create(this.name, this.configuredPartitions, {
        'cleanup.policy': 'compact',
        'segment.bytes': String(this.segmentBytes)
      }).then(() => {}, err => {
        this.creating = null
        throw err
      })
      await this.creating
    }
    const log = this.topics.log(this.name, partition)
    if (log === undefined) throw new Error(`${this.name}-${partition} does not exist`)
    return log
  }

  /** Calls onBatch for every batch of every partition, in offset order per partition (nothing if the topic does not exist). */
  async scan (onBatch: (partition: number, buf: Buffer, pos: number, header: BatchHeader) => void): Promise<void> {
    const topic = this.topics.get(this.name)
    if (topic === undefined) return
    for (let p = 0; p < topic.partitions; p++) {
      const log = this.topics.log(this.name, p)
      if (log === undefined) continue
      const end = log.logEndOffset
      let next = log.logStartOffset
      while (next < end) {
        const { batches } = await log.read(next, SCAN_READ_BYTES, { minOneBatch: true, maxOffset: end })
        if (batches.length === 0) break
        let progressed = false
        for (const buf of batches) {
          for (const { pos, header } of iterateBatches(buf)) {
            const last = header.baseOffset + header.lastOffsetDelta
            if (last < next) continue
            next = last + 1
            progressed = true
            onBatch(p, buf, pos, header)
          }
        }
        if (!progressed) break
      }
    }
  }
}
