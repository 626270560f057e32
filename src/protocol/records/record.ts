// Records inside a RecordBatch v2 (decoded for tools, tests, compaction and ListOffsets-by-timestamp; never on
// the produce path). After decompression the records section is a sequence of:
//   length varint                 bytes after this field
//   attributes int8               unused (0)
//   timestampDelta varlong        relative to baseTimestamp
//   offsetDelta varint            relative to baseOffset
//   keyLength varint, key         -1 = null key
//   valueLength varint, value     -1 = null value (a tombstone)
//   headerCount varint, then per header: keyLength varint, key (UTF-8, never null), valueLength varint, value
// With LogAppendTime every record's timestamp is the batch's maxTimestamp.
import {
  RECORDS_OFFSET, baseOffset as batchBaseOffset, baseTimestamp as batchBaseTimestamp, batchSize, compressionCodec,
  maxTimestamp as batchMaxTimestamp, recordCount as batchRecordCount, timestampType, TimestampType, readBatchHeader,
  type BatchHeader
} from './batch-header.js'
import { BatchCursor } from './batch-cursor.js'
import { decompress } from './compression.js'
import { readVarint, readVarlong, type VarintCursor as Cursor } from '../primitives/varint.js'

export interface RecordHeader { key: string; value: Buffer | null }

export interface DecodedRecord {
  offset: number
  timestamp: number
  offsetDelta: number
  timestampDelta: number
  attributes: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

function readBytes (c: Cursor): Buffer | null {
  const len = readVarint(c)
  if (len < 0) return null
  if (c.pos + len > c.buf.length) throw new RangeError(`record field of ${len} bytes runs past the end at ${c.pos}`)
  const b = c.buf.subarray(c.pos, c.pos + len)
  c.pos += len
  return b
}

/** The decompressed records section of the batch starting at `pos` in `buf`. */
export function recordsSection (buf: Buffer, pos = 0): Buffer {
  const end = pos + batchSize(buf, pos)
  return decompress(compressionCodec(buf, pos), buf.subarray(pos + RECORDS_OFFSET, end))
}

/** Iterates the records of one batch (decompressing it first if needed). */
export function * iterateRecords (buf: Buffer, pos = 0): Generator<DecodedRecord> {
  const base = batchBaseOffset(buf, pos)
  const baseTs = batchBaseTimestamp(buf, pos)
  const logAppendTime = timestampType(buf, pos) === TimestampType.LogAppendTime
  const maxTs = batchMaxTimestamp(buf, pos)
  const count = batchRecordCount(buf, pos)
  const c: Cursor = { buf: recordsSection(buf, pos), pos: 0 }
  for (let i = 0; i < count; i++) {
    const length = readVarint(c)
    const start = c.pos
    if (length < 0 || start + length > c.buf.length) {
      throw new RangeError(`record ${i} of batch at offset ${base}: length ${length} runs past the records section (${c.buf.length - start} bytes left)`)
    }
    const attributes = c.buf.readInt8(c.pos++)
    const timestampDelta = readVarlong(c)
    const offsetDelta = readVarint(c)
    const key = readBytes(c)
    const value = readBytes(c)
    const headerCount = readVarint(c)
    const headers: RecordHeader[] = []
    for (let h = 0; h < headerCount; h++) {
      const hk = readBytes(c)
      if (hk === null) throw new RangeError(`record ${i} of batch at offset ${base}: null header key`)
      headers.push({ key: hk.toString('utf8'), value: readBytes(c) })
    }
    if (c.pos !== start + length) {
      throw new RangeError(`record ${i} of batch at offset ${base}: length says ${length} bytes, fields used ${c.pos - start}`)
    }
    yield {
      offset: base + offsetDelta,
      timestamp: logAppendTime ? maxTs : baseTs + timestampDelta,
      offsetDelta,
      timestampDelta,
      attributes,
      key,
      value,
      headers
    }
  }
}

/**
 * Iterates batches of a buffer holding whole batches back to back (e.g. a fetch response or a .log file), up
 * to the first one that is not whole (a partial batch at the end of a fetch response) or not well formed.
 * For tools and tests: it allocates per batch; hot paths walk with a BatchCursor.
 */
export function * iterateBatches (buf: Buffer): Generator<{ pos: number; size: number; header: BatchHeader }> {
  const c = new BatchCursor().reset(buf)
  while (c.next()) yield { pos: c.position, size: c.size, header: c.header() }
}

export function decodeBatch (buf: Buffer, pos = 0): { header: BatchHeader; records: DecodedRecord[] } {
  return { header: readBatchHeader(buf, pos), records: [...iterateRecords(buf, pos)] }
}
