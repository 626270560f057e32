// Idempotent producer state of one partition (Kafka's ProducerStateManager, without transactions): for each
// producer id, its epoch and the metadata of its last five batches, to reject gaps and deduplicate retries.
//
// Rules (Kafka 3.x, ProducerAppendInfo.checkSequence):
//   - epoch below the known epoch                     -> INVALID_PRODUCER_EPOCH
//   - a new epoch (or an unknown producer) starts anywhere for an unknown producer, at 0 for a known one
//                                                     -> else OUT_OF_ORDER_SEQUENCE_NUMBER
//   - same epoch: a batch equal (first and last sequence) to one of the last five is a duplicate: it is not
//     appended again and the original offsets are returned with no error (Kafka's answer to a retry)
//   - same epoch: firstSeq must be lastSeq + 1 (wrapping at 2^31 - 1 to 0) -> else OUT_OF_ORDER_SEQUENCE_NUMBER
// Invariant: check() and record() run in the same synchronous turn as the append that assigns the offsets,
// so no other append can slip between them.
import { ErrorCode } from '../../protocol/errors.js'

export const MAX_CACHED_BATCHES = 5
const INT32_MAX = 2147483647

export interface BatchMetadata {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
  timestamp: number
}

export interface ProducerEntry {
  producerId: number
  epoch: number
  /** Oldest first, at most MAX_CACHED_BATCHES. */
  batches: BatchMetadata[]
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate', batch: BatchMetadata }
  | { kind: 'error', errorCode: number, message: string }

export function nextSequence (seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1
}

/** Last sequence of a batch whose first is firstSeq and that holds lastOffsetDelta + 1 records (wraps). */
export function lastSequenceOf (firstSeq: number, lastOffsetDelta: number): number {
  const last = firstSeq + lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

export class PartitionProducerState {
  readonly producers = new Map<number, ProducerEntry>()

  check (producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId)
    if (entry === undefined) return { kind: 'append' }
    if (epoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId}: epoch ${epoch} is older than the current epoch ${entry.epoch}` }
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId}: a new epoch ${epoch} must start at sequence 0, got ${firstSeq}` }
      }
      return { kind: 'append' }
    }
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: 'duplicate', batch: b }
    }
    const last = entry.batches[entry.batches.length - 1]
    if (last !== undefined && firstSeq !== nextSequence(last.lastSeq)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} epoch ${epoch}: expected sequence ${nextSequence(last.lastSeq)}, got ${firstSeq} (last acknowledged batch ${last.firstSeq}-${last.lastSeq} at offset ${last.firstOffset})`
      }
    }
    return { kind: 'append' }
  }

  record (producerId: number, epoch: number, batch: BatchMetadata): void {
    let entry = this.producers.get(producerId)
    if (entry === undefined || epoch !== entry.epoch) {
      entry = { producerId, epoch, batches: [] }
      this.producers.set(producerId, entry)
    }
    entry.batches.push(batch)
    if (entry.batches.length > MAX_CACHED_BATCHES) entry.batches.shift()
  }
}
