// Producer state of one partition (Kafka's ProducerStateManager): for each producer id, its epoch, the metadata
// of its last five batches (to reject gaps and deduplicate retries) and its open transaction, if any.
//
// Rules (Kafka 3.x, ProducerAppendInfo.checkSequence):
//   - epoch below the known epoch                     -> INVALID_PRODUCER_EPOCH
//   - a new epoch (or an unknown producer) starts anywhere for an unknown producer, at 0 for a known one
//                                                     -> else OUT_OF_ORDER_SEQUENCE_NUMBER
//   - same epoch: a batch equal (first and last sequence) to one of the last five is a duplicate: it is not
//     appended again and the original offsets are returned with no error (Kafka's answer to a retry)
//   - same epoch: firstSeq must be lastSeq + 1 (wrapping at 2^31 - 1 to 0) -> else OUT_OF_ORDER_SEQUENCE_NUMBER
// Transactions:
//   - a transactional batch of a producer with no open transaction opens one at the batch's first offset;
//     a non-transactional batch while one is open -> INVALID_TXN_STATE (after the epoch and sequence checks,
//     at any epoch, as Kafka)
//   - an epoch known only from a marker (no batch of it yet): the first batch must start at sequence 0
//   - a marker (control batch written by the transaction coordinator) closes it: its epoch must not be older
//     than the producer's (INVALID_PRODUCER_EPOCH) and becomes the producer's epoch (a bumped epoch fences the
//     old producer); a completed transaction stays "unstable" until the high watermark passes its marker
//   - firstUnstableOffset(hw) = the smallest first offset of the open transactions and of the completed ones
//     whose marker is not yet below the high watermark; the last stable offset (LSO) is min(that, hw)
//   - an abort reports the entry for the transaction index: lastStableOffset = the first offset of the
//     oldest other open transaction, or the marker's offset + 1 (Kafka's ProducerStateManager.lastStableOffset)
// Open transactions are kept in a Map in insertion order, which is first-offset order: a transaction opens
// at the offset being appended, above every earlier one.
// Invariant: check() and record() run in the same synchronous turn as the append that assigns the offsets,
// so no other append can slip between them (Partition.appendAsLeader does both).
// In memory only (snapshot.ts holds the file format). Threading: main thread.
import { INT32_MAX } from '../../protocol/primitives/limits.js'
import { ErrorCode } from '../../protocol/errors.js'

export const MAX_CACHED_BATCHES = 5

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
  /** First offset of the producer's open transaction, -1 when none. */
  currentTxnFirstOffset: number
  /** Epoch of the coordinator that wrote the producer's last marker, -1 when none. */
  coordinatorEpoch: number
}

/** A transaction closed by a marker (what the transaction index needs for an abort). */
export interface CompletedTxn {
  producerId: number
  firstOffset: number
  /** The marker's offset. */
  lastOffset: number
  /** The LSO once the marker is appended: the oldest other open transaction's first offset, or lastOffset + 1. */
  lastStableOffset: number
  isAborted: boolean
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
  /** producerId -> first offset of its open transaction, in first-offset order. */
  readonly ongoing = new Map<number, number>()
  /** Transactions whose marker is appended but not yet below the high watermark, in marker order. */
  private readonly unreplicated: Array<{ firstOffset: number, lastOffset: number }> = []

  check (producerId: number, epoch: number, firstSeq: number, lastSeq: number, isTransactional = false): SequenceCheck {
    const entry = this.producers.get(producerId)
    if (entry === undefined) return { kind: 'append' }
    if (epoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId}: epoch ${epoch} is older than the current epoch ${entry.epoch}` }
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId}: a new epoch ${epoch} must start at sequence 0, got ${firstSeq}` }
      }
    } else {
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
      // An epoch known without a batch (set by a marker, e.g. the coordinator's fencing abort): Kafka compares
      // with lastSeq -1, so the first batch of that epoch must start at 0.
      if (last === undefined && firstSeq !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId} epoch ${epoch}: no batch of this epoch yet, expected sequence 0, got ${firstSeq}` }
      }
    }
    // Kafka (ProducerAppendInfo.appendDataBatch) checks this after the epoch and sequence, whatever the epoch
    if (!isTransactional && entry.currentTxnFirstOffset >= 0) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE, message: `producer ${producerId}: a non-transactional batch while its transaction opened at offset ${entry.currentTxnFirstOffset} is still open` }
    }
    return { kind: 'append' }
  }

  record (producerId: number, epoch: number, batch: BatchMetadata, isTransactional = false): void {
    let entry = this.producers.get(producerId)
    if (entry === undefined || epoch !== entry.epoch) {
      entry = { producerId, epoch, batches: [], currentTxnFirstOffset: entry?.currentTxnFirstOffset ?? -1, coordinatorEpoch: entry?.coordinatorEpoch ?? -1 }
      this.producers.set(producerId, entry)
    }
    entry.batches.push(batch)
    if (entry.batches.length > MAX_CACHED_BATCHES) entry.batches.shift()
    if (isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = batch.firstOffset
      this.ongoing.set(producerId, batch.firstOffset)
    }
  }

  /** Restores a producer entry (from a snapshot), its open transaction included. */
  restore (e: ProducerEntry): void {
    this.producers.set(e.producerId, e)
    if (e.currentTxnFirstOffset >= 0) {
      this.ongoing.set(e.producerId, e.currentTxnFirstOffset)
      // keep first-offset order whatever the snapshot's order
      const sorted = [...this.ongoing].sort((a, b) => a[1] - b[1])
      this.ongoing.clear()
      for (const [pid, first] of sorted) this.ongoing.set(pid, first)
    }
  }

  /** Null if a marker of this producer at this epoch may be appended, else why not. */
  checkMarker (producerId: number, epoch: number): { errorCode: number, message: string } | null {
    const entry = this.producers.get(producerId)
    if (entry !== undefined && epoch < entry.epoch) {
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `transaction marker of producer ${producerId}: epoch ${epoch} is older than the current epoch ${entry.epoch}` }
    }
    return null
  }

  /**
   * Applies a marker appended at `markerOffset`: closes the producer's open transaction (null if it had none:
   * a marker for a partition the transaction wrote nothing to) and adopts the marker's epoch.
   */
  completeTxn (producerId: number, epoch: number, markerOffset: number, isAborted: boolean, coordinatorEpoch: number): CompletedTxn | null {
    let entry = this.producers.get(producerId)
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], currentTxnFirstOffset: -1, coordinatorEpoch }
      this.producers.set(producerId, entry)
    } else if (epoch !== entry.epoch) {
      entry.epoch = epoch
      entry.batches = []
    }
    entry.coordinatorEpoch = coordinatorEpoch
    // a marker carries no sequence numbers: the producer's sequence continues after it (as Kafka)
    const firstOffset = entry.currentTxnFirstOffset
    if (firstOffset < 0) return null
    entry.currentTxnFirstOffset = -1
    this.ongoing.delete(producerId)
    this.unreplicated.push({ firstOffset, lastOffset: markerOffset })
    let lastStableOffset = markerOffset + 1
    for (const first of this.ongoing.values()) { lastStableOffset = first; break }
    return { producerId, firstOffset, lastOffset: markerOffset, lastStableOffset, isAborted }
  }

  /** The first offset a read_committed consumer may not read yet, given the high watermark; null when none. */
  firstUnstableOffset (highWatermark: number): number | null {
    while (this.unreplicated.length > 0 && this.unreplicated[0]!.lastOffset < highWatermark) this.unreplicated.shift()
    let min: number | null = null
    for (const first of this.ongoing.values()) { min = first; break }
    for (const u of this.unreplicated) if (min === null || u.firstOffset < min) min = u.firstOffset
    return min
  }
}
