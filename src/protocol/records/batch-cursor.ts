// BatchCursor: the one walk over RecordBatch headers laid back to back in a Buffer (Kafka's RecordBatch
// iterator over a MemoryRecords / FileRecords region). storage/file-batches.ts walks a file region with the
// same checks, through positional reads.
//
// Layout walked (batch-header.ts has every field):
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 | ... 61 bytes
//   whole batch = batchLength + LOG_OVERHEAD (12) bytes; the next batch starts right after it.
// Legacy entries (magic 0 and 1) share the first 12 bytes and keep magic at byte 16: the walk steps over them
// by their length like any batch; for them lastOffset = baseOffset, maxTimestamp is the v1 timestamp (-1 for
// v0) and the lazy v2 fields below mean nothing. They are never CRC-checked here (their CRC is CRC32 over
// other bytes); ask for the magic check to stop at them.
//
// Checks, in this order, for the batch at `position` with `left` bytes before the end of the region; the
// first that fails stops the walk there for good, with `state` saying why (recovery truncates there):
//   left == 0                                   End
//   left < RECORD_BATCH_OVERHEAD (61)           TruncatedHeader (baseOffset, batchLength, magic read if present)
//   batchLength < MIN_BATCH_LENGTH (49)         SizeBelowMinimum
//   size > maxSize (when set)                   SizeAboveMaximum
//   magic != 2 (when checkMagic)                BadMagic
//   size > left                                 TruncatedBatch
//   stored CRC32C != computed (when checkCrc)   BadCrc (computedCrc holds the computed value)
//
// Invariants: after next() returns true, [offset, offset + size) lies inside buf and inside the region, and
// size >= 61; position only grows. Offsets and timestamps are JS numbers, read as two 32-bit halves (exact
// below 2^53, correctly rounded above, as Number(readBigInt64BE) is).
// Cost: the cursor allocates nothing per batch (no objects, no closures, no BigInt); the per-batch fields are
// plain number properties, the rest of the header is read on demand by getters. One cursor per walk, reused
// with reset(). Threading: none of its own; a cursor belongs to one walk.
import {
  ATTRIBUTES_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_MASK,
  CRC_OFFSET, CURRENT_MAGIC, CompressionCodec, DELETE_HORIZON_MASK, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET, MIN_BATCH_LENGTH, PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK, readBatchHeader, readInt64, type BatchHeader
} from './batch-header.js'
import { crc32c } from './crc32c.js'

/** Where a cursor stands: on a batch, or stopped (and why). */
export enum CursorState {
  /** reset() was called, next() not yet. */
  Start = 0,
  /** next() returned true: the fields describe a whole batch. */
  Batch = 1,
  /** The region ends exactly at the end of the last batch. */
  End = 2,
  TruncatedHeader = 3,
  SizeBelowMinimum = 4,
  SizeAboveMaximum = 5,
  BadMagic = 6,
  TruncatedBatch = 7,
  BadCrc = 8,
  /** A file walk only: the bytes to check are not read yet (see storage/file-batches.ts). */
  NeedsRead = 9
}

export interface BatchCursorOptions {
  /** Stop at a batch whose magic is not 2 (BadMagic). */
  checkMagic?: boolean
  /** Stop at a v2 batch whose CRC32C does not match (BadCrc). Reads every byte of every batch. */
  checkCrc?: boolean
  /** Stop at a batch larger than this many bytes, LOG_OVERHEAD included (SizeAboveMaximum). */
  maxSize?: number
}

export class BatchCursor {
  /** The bytes holding the current batch, at [offset, offset + size). */
  buf: Buffer = Buffer.alloc(0)
  /** Index of the current batch in buf. */
  offset = 0
  /** Position of the current batch in the region (for a file walk: in the file). */
  position = 0
  /** Whole batch size in bytes (batchLength + 12); -1 when not readable. */
  size = -1
  batchLength = -1
  baseOffset = -1
  lastOffset = -1
  maxTimestamp = -1
  /** -1 when not readable. */
  magic = -1
  /** The CRC32C computed by the last CRC check (checkCrc), else -1. */
  computedCrc = -1
  state: CursorState = CursorState.Start
  checkMagic = false
  checkCrc = false
  maxSize = Infinity
  /** End of the region, in the units of position. */
  protected end = 0

  constructor (opts: BatchCursorOptions = {}) {
    this.checkMagic = opts.checkMagic === true
    this.checkCrc = opts.checkCrc === true
    this.maxSize = opts.maxSize ?? Infinity
  }

  /** Walks the batches of buf[start, end) (default: the whole buffer) from the first. */
  reset (buf: Buffer, start = 0, end = buf.length): this {
    this.buf = buf
    this.offset = start
    this.position = start
    this.end = end
    this.size = -1
    this.state = CursorState.Start
    return this
  }

  /** Bytes from the current position to the end of the region. */
  get remaining (): number { return this.end - this.position }

  /** Moves to the next batch; false once stopped (see state). Stops are final: next() keeps returning false. */
  next (): boolean {
    if (this.state === CursorState.Batch) {
      this.position += this.size
      this.offset += this.size
    } else if (this.state !== CursorState.Start) {
      return false
    }
    let state = this.readHeader(this.buf, this.offset, this.end - this.position)
    if (state === CursorState.Batch && this.checkCrc) state = this.verifyCrc()
    this.state = state
    return state === CursorState.Batch
  }

  /**
   * Reads and checks the header at buf[i] with `left` bytes before the end of the region: every check but
   * the CRC. buf must hold min(left, 61) bytes at i. Sets the per-batch fields; returns the state.
   */
  protected readHeader (buf: Buffer, i: number, left: number): CursorState {
    this.offset = i
    this.computedCrc = -1
    if (left <= 0) {
      this.size = this.batchLength = this.magic = -1
      return CursorState.End
    }
    if (left < RECORD_BATCH_OVERHEAD) {
      this.batchLength = left >= LOG_OVERHEAD ? buf.readInt32BE(i + BATCH_LENGTH_OFFSET) : -1
      this.size = left >= LOG_OVERHEAD ? this.batchLength + LOG_OVERHEAD : -1
      this.magic = left > MAGIC_OFFSET ? buf.readInt8(i + MAGIC_OFFSET) : -1
      this.baseOffset = this.lastOffset = left >= 8 ? readInt64(buf, i) : -1
      this.maxTimestamp = -1
      return CursorState.TruncatedHeader
    }
    const len = buf.readInt32BE(i + BATCH_LENGTH_OFFSET)
    const magic = buf.readInt8(i + MAGIC_OFFSET)
    const size = len + LOG_OVERHEAD
    const base = readInt64(buf, i)
    this.batchLength = len
    this.size = size
    this.magic = magic
    this.baseOffset = base
    if (magic === CURRENT_MAGIC) {
      this.lastOffset = base + buf.readInt32BE(i + LAST_OFFSET_DELTA_OFFSET)
      this.maxTimestamp = readInt64(buf, i + MAX_TIMESTAMP_OFFSET)
    } else {
      this.lastOffset = base
      this.maxTimestamp = magic === 1 ? readInt64(buf, i + LEGACY_TIMESTAMP_OFFSET) : -1
    }
    if (len < MIN_BATCH_LENGTH) return CursorState.SizeBelowMinimum
    if (size > this.maxSize) return CursorState.SizeAboveMaximum
    if (this.checkMagic && magic !== CURRENT_MAGIC) return CursorState.BadMagic
    if (size > left) return CursorState.TruncatedBatch
    return CursorState.Batch
  }

  /** The CRC check of the current v2 batch (whole in buf); legacy entries pass. */
  protected verifyCrc (): CursorState {
    if (this.magic !== CURRENT_MAGIC) return CursorState.Batch
    const i = this.offset
    this.computedCrc = crc32c(this.buf.subarray(i + ATTRIBUTES_OFFSET, i + this.size))
    return this.computedCrc === this.buf.readUInt32BE(i + CRC_OFFSET) ? CursorState.Batch : CursorState.BadCrc
  }

  // ---- the rest of the header, read on demand (v2 batches) ----

  get partitionLeaderEpoch (): number { return this.buf.readInt32BE(this.offset + PARTITION_LEADER_EPOCH_OFFSET) }
  /** The CRC stored in the header. */
  get crc (): number { return this.buf.readUInt32BE(this.offset + CRC_OFFSET) }
  get attributes (): number { return this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) }
  get compression (): CompressionCodec { return this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK }
  get isLogAppendTime (): boolean { return (this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) & TIMESTAMP_TYPE_MASK) !== 0 }
  get isTransactional (): boolean { return (this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) & TRANSACTIONAL_MASK) !== 0 }
  get isControl (): boolean { return (this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) & CONTROL_MASK) !== 0 }
  get hasDeleteHorizon (): boolean { return (this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET) & DELETE_HORIZON_MASK) !== 0 }
  get lastOffsetDelta (): number { return this.buf.readInt32BE(this.offset + LAST_OFFSET_DELTA_OFFSET) }
  get baseTimestamp (): number { return readInt64(this.buf, this.offset + BASE_TIMESTAMP_OFFSET) }
  get producerId (): number { return readInt64(this.buf, this.offset + PRODUCER_ID_OFFSET) }
  get producerEpoch (): number { return this.buf.readInt16BE(this.offset + PRODUCER_EPOCH_OFFSET) }
  get baseSequence (): number { return this.buf.readInt32BE(this.offset + BASE_SEQUENCE_OFFSET) }
  get recordCount (): number { return this.buf.readInt32BE(this.offset + RECORDS_COUNT_OFFSET) }
  /** Offset ListOffsets(-3) reports for this batch's max timestamp: base offset with LogAppendTime, else last. */
  get maxTimestampOffset (): number { return this.isLogAppendTime ? this.baseOffset : this.lastOffset }

  /** The CRC32C the current v2 batch should carry (reads the whole batch, which must be in buf). */
  computeCrc (): number { return crc32c(this.buf.subarray(this.offset + ATTRIBUTES_OFFSET, this.offset + this.size)) }
  /** Every header field as an object (tools and tests; allocates). */
  header (): BatchHeader { return readBatchHeader(this.buf, this.offset) }
  /** A view of the whole current batch (allocates the view). */
  batch (): Buffer { return this.buf.subarray(this.offset, this.offset + this.size) }
}

/** Magic 1 entries: offset int64, size int32, crc uint32, magic int8, attributes int8, timestamp int64. */
const LEGACY_TIMESTAMP_OFFSET = MAGIC_OFFSET + 2
