// The checks a batch read back from a segment file must pass before anything serves, trusts or reports it:
// one definition shared by the fetch path (segment.ts read), the background scrubber (scrubber/) and
// `samsa dump-log --verify`, so the three agree on what "corrupt" means.
//
// Per batch at `position` of the segment with base offset `segmentBase` (the cursor's header fields):
//   magic == 2                         Samsa writes RecordBatch v2 only (recovery already stops at anything else)
//   lastOffsetDelta >= 0               lastOffset >= baseOffset
//   baseOffset >= segmentBase          the file name's base offset is the segment's first possible offset
//   baseOffset > previous lastOffset   offsets strictly increase batch to batch
//   lastOffset < upperBound            below the segment's next offset (what the index and the header scan
//                                      found) or the next segment's base offset
//   CRC32C (when asked)                stored CRC == CRC32C over [attributes, end of batch)
// and the stop states of the batch walk (batch-cursor.ts) before the end of the region: a header cut short, a
// length below the 61-byte header or past the end of the written bytes. In a segment whose bytes were all
// written (reads never look past writtenSize), each of these is damage, not a torn tail.
// baseOffset and partitionLeaderEpoch are not covered by the CRC: the offset checks are what catches a
// flipped bit there.
// Cost: header fields already parsed by the walk, plus one native CRC32C pass (crc32c.ts, ~10 GB/s) over the
// bytes served; nothing allocated unless a problem is found.
import { CursorState, type BatchCursor } from '../protocol/records/batch-cursor.js'
import { CURRENT_MAGIC, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.js'

/** What is wrong with the batch the cursor stands on (state Batch), or null when it passes. */
export function batchProblem (w: BatchCursor, segmentBase: number, prevLastOffset: number, upperBound: number, checkCrc: boolean): string | null {
  if (w.magic !== CURRENT_MAGIC) return `magic is ${w.magic}, expected ${CURRENT_MAGIC}`
  const base = w.baseOffset
  const last = w.lastOffset
  if (last < base) return `lastOffsetDelta ${last - base} is negative (base offset ${base})`
  if (base < segmentBase) return `base offset ${base} is below the segment's base offset ${segmentBase}`
  if (base <= prevLastOffset) return `base offset ${base} does not follow the previous batch's last offset ${prevLastOffset}`
  if (last >= upperBound) return `offsets ${base}-${last} reach past the segment's end offset ${upperBound}`
  return checkCrc ? crcProblem(w) : null
}

/** The CRC32C check alone, for the v2 batch the cursor stands on (the whole batch must be in its buffer). */
export function crcProblem (w: BatchCursor): string | null {
  const computed = w.computeCrc()
  const stored = w.crc
  return computed === stored ? null : `CRC32C mismatch in batch ${w.baseOffset}-${w.lastOffset}: stored ${stored}, computed ${computed}`
}

/** Why a batch walk stopped before `end` (damage in written bytes), or null when it reached the end or waits for a read. */
export function walkStopProblem (w: BatchCursor, end: number): string | null {
  const left = end - w.position
  switch (w.state) {
    case CursorState.TruncatedHeader: return `${left} bytes before the end of the segment are shorter than a batch header (${RECORD_BATCH_OVERHEAD})`
    case CursorState.SizeBelowMinimum: return `batchLength ${w.batchLength} is below the minimum ${MIN_BATCH_LENGTH}`
    case CursorState.SizeAboveMaximum: return `batchLength ${w.batchLength} is above the maximum`
    case CursorState.BadMagic: return `magic is ${w.magic}, expected ${CURRENT_MAGIC}`
    case CursorState.TruncatedBatch: return `batch length says ${w.size} bytes, only ${left} are left in the segment`
    case CursorState.BadCrc: return `CRC32C mismatch: stored ${w.crc}, computed ${w.computedCrc}`
    default: return null
  }
}
