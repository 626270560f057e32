// Allocation-free scan of the records of a RecordBatch v2, for the cleaner and for the produce-time keyless
// check on compacted topics. Where protocol/records/record.ts decodes every field into objects, this reads
// only what compaction needs: where each record starts and ends, its offset and timestamp deltas, where its
// key is and whether its value is null (a tombstone).
//
// Record layout (after decompression of the records section; see segments/README.md):
//
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value | headerCount varint | headers
//
// Varints and varlongs are decoded by protocol/primitives/varint.ts (varlongs as JS numbers: exact below 2^53,
// far beyond any timestamp delta). A record is re-encoded only for its timestampDelta (the cleaner's delete
// horizon rebases it); everything from offsetDelta on is copied as is.
// Invariant: next() never reads past `end`; malformed input throws a RangeError naming the position.
// Threading: pure functions and one cursor object per caller; used in the cleaner's worker thread and on
// the main thread.
import { COMPRESSION_CODEC_MASK, RECORDS_COUNT_OFFSET, RECORDS_OFFSET, ATTRIBUTES_OFFSET, batchSize } from '../../protocol/records/batch-header.js'
import { decompress } from '../../protocol/records/compression.js'
import { readVarint, readVarlong } from '../../protocol/primitives/varint.js'

export class RecordCursor {
  buf: Buffer = Buffer.alloc(0)
  pos = 0
  end = 0
  /** Fields of the record last returned by next(). */
  recordStart = 0
  recordEnd = 0
  attributes = 0
  timestampDelta = 0
  /** Position of the offsetDelta varint (where the bytes copied verbatim on re-encoding begin). */
  offsetDeltaPos = 0
  offsetDelta = 0
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  /** -1 for a null value (a tombstone). */
  valueLength = -1

  reset (buf: Buffer, start: number, end: number): void {
    this.buf = buf
    this.pos = start
    this.end = end
  }

  get hasMore (): boolean { return this.pos < this.end }

  /** Reads the next record's fields; false at the end of the section. */
  next (): boolean {
    if (this.pos >= this.end) return false
    this.recordStart = this.pos
    const length = readVarint(this, this.end)
    const bodyStart = this.pos
    if (length < 0 || bodyStart + length > this.end) {
      throw new RangeError(`record at byte ${this.recordStart}: length ${length} runs past the records section (${this.end - bodyStart} bytes left)`)
    }
    this.recordEnd = bodyStart + length
    this.attributes = this.buf[this.pos++]!
    this.timestampDelta = readVarlong(this, this.end)
    this.offsetDeltaPos = this.pos
    this.offsetDelta = readVarint(this, this.end)
    this.keyLength = readVarint(this, this.end)
    this.keyStart = this.pos
    if (this.keyLength > 0) this.pos += this.keyLength
    this.valueLength = readVarint(this, this.end)
    if (this.pos > this.recordEnd || (this.valueLength > 0 && this.pos + this.valueLength > this.recordEnd)) {
      throw new RangeError(`record at byte ${this.recordStart}: key or value runs past its length ${length}`)
    }
    this.pos = this.recordEnd
    return true
  }
}

/** The records section of the batch at `pos`, decompressed if its codec says so. */
export function batchRecordsSection (batch: Buffer, pos = 0): Buffer {
  const codec = batch.readInt16BE(pos + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK
  const section = batch.subarray(pos + RECORDS_OFFSET, pos + batchSize(batch, pos))
  return codec === 0 ? section : decompress(codec, section)
}

/**
 * Index (0-based, in the batch) of the first record with a null key in the batch at `pos`, or -1. Used by
 * Produce on compacted topics, where Kafka refuses keyless records (INVALID_RECORD). Decompresses the batch.
 */
export function firstKeylessRecord (batch: Buffer, pos = 0): number {
  const section = batchRecordsSection(batch, pos)
  const count = batch.readInt32BE(pos + RECORDS_COUNT_OFFSET)
  const c = new RecordCursor()
  c.reset(section, 0, section.length)
  for (let i = 0; i < count && c.next(); i++) {
    if (c.keyLength < 0) return i
  }
  return -1
}
