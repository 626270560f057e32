// Turning a start or stop position (the beginning, the end, an offset, N before the end, a time) into an
// offset per partition with ListOffsets. An explicit offset must lie within the partition's log, from its
// log start offset to its log end offset (the end itself means "the next record written"); anything else is
// an OffsetOutOfRangeError naming the partition and its range, rather than a silent reset.
import type { Cluster } from './cluster.js'
import { ErrorCode } from '../protocol/errors.js'
import { KafkaClientError } from './errors.js'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, offsetRange } from './offsets.js'

export type SeekSpec =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset', offset: number }
  | { kind: 'beforeEnd', count: number }
  | { kind: 'time', timestamp: number }

export class OffsetOutOfRangeError extends KafkaClientError {
  override name = 'OffsetOutOfRangeError'
  constructor (message: string) {
    super(message, ErrorCode.OFFSET_OUT_OF_RANGE)
  }
}

/** partition -> offset for `spec`. A time with no record at or after it resolves to the end. */
export async function resolveOffsets (cluster: Cluster, topic: string, partitions: readonly number[], spec: SeekSpec): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  switch (spec.kind) {
    case 'beginning':
    case 'end': {
      const r = await listOffsets(cluster, topic, partitions, spec.kind === 'beginning' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP)
      for (const p of partitions) out.set(p, r.get(p)!.offset)
      return out
    }
    case 'offset': {
      const ranges = await offsetRange(cluster, topic, partitions)
      for (const p of partitions) {
        const { start, end } = ranges.get(p)!
        if (spec.offset < start || spec.offset > end) {
          throw new OffsetOutOfRangeError(`offset ${spec.offset} is out of range for ${topic}-${p}: its offsets run from ${start} to ${end} (log start to log end offset)` +
            (partitions.length > 1 ? '; choose a partition with --partition' : ''))
        }
        out.set(p, spec.offset)
      }
      return out
    }
    case 'beforeEnd': {
      const ranges = await offsetRange(cluster, topic, partitions)
      for (const p of partitions) {
        const { start, end } = ranges.get(p)!
        out.set(p, Math.max(start, end - spec.count))
      }
      return out
    }
    case 'time': {
      const [found, ends] = await Promise.all([
        listOffsets(cluster, topic, partitions, spec.timestamp),
        listOffsets(cluster, topic, partitions, LATEST_TIMESTAMP)
      ])
      for (const p of partitions) {
        const o = found.get(p)!.offset
        out.set(p, o < 0 ? ends.get(p)!.offset : o)
      }
      return out
    }
  }
}
