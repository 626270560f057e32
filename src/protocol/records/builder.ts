// Builds a RecordBatch v2 from plain records: for tests, tools, benchmarks and broker-written batches
// (e.g. __consumer_offsets commits). Two passes: size every record, then write once into an exact buffer.
import {
  ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET,
  CONTROL_MASK, CRC_OFFSET, CURRENT_MAGIC, CompressionCodec, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK, TimestampType
} from './batch-header.js'
import { compress } from './compression.js'
import { crc32c } from './crc32c.js'
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../primitives/varint.js'

export interface RecordInput {
  key?: Buffer | string | null
  value?: Buffer | string | null
  headers?: Array<{ key: string; value: Buffer | string | null }>
  /** Epoch ms; defaults to the batch's baseTimestamp option or Date.now(). */
  timestamp?: number
}

export interface BuildBatchOptions {
  baseOffset?: number
  partitionLeaderEpoch?: number
  compression?: CompressionCodec
  timestampType?: TimestampType
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  isTransactional?: boolean
  isControl?: boolean
  /** Timestamp used for records without one. */
  timestamp?: number
}

function toBuf (v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v
}

interface Prepared { key: Buffer | null; value: Buffer | null; headers: Array<{ key: Buffer; value: Buffer | null }>; timestamp: number }

function sizeOfBytes (b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length
}

function writeBytes (buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1)
  pos = writeVarint(buf, pos, b.length)
  b.copy(buf, pos)
  return pos + b.length
}

export function buildRecordBatch (records: RecordInput[], opts: BuildBatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record')
  const defaultTs = opts.timestamp ?? Date.now()
  const prepared: Prepared[] = records.map(r => ({
    key: toBuf(r.key),
    value: toBuf(r.value),
    headers: (r.headers ?? []).map(h => ({ key: Buffer.from(h.key, 'utf8'), value: toBuf(h.value) })),
    timestamp: r.timestamp ?? defaultTs
  }))
  let baseTimestamp = prepared[0]!.timestamp
  let maxTimestamp = baseTimestamp
  for (const p of prepared) {
    if (p.timestamp < baseTimestamp) baseTimestamp = p.timestamp
    if (p.timestamp > maxTimestamp) maxTimestamp = p.timestamp
  }

  // pass 1: sizes
  const bodySizes: number[] = []
  let recordsSize = 0
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!
    let s = 1 + sizeOfVarlong(p.timestamp - baseTimestamp) + sizeOfVarint(i) + sizeOfBytes(p.key) + sizeOfBytes(p.value) +
      sizeOfVarint(p.headers.length)
    for (const h of p.headers) s += sizeOfBytes(h.key) + sizeOfBytes(h.value)
    bodySizes.push(s)
    recordsSize += sizeOfVarint(s) + s
  }
  // pass 2: write the records section
  let section: Buffer = Buffer.allocUnsafe(recordsSize)
  let pos = 0
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!
    pos = writeVarint(section, pos, bodySizes[i]!)
    section[pos++] = 0
    pos = writeVarlong(section, pos, p.timestamp - baseTimestamp)
    pos = writeVarint(section, pos, i)
    pos = writeBytes(section, pos, p.key)
    pos = writeBytes(section, pos, p.value)
    pos = writeVarint(section, pos, p.headers.length)
    for (const h of p.headers) {
      pos = writeBytes(section, pos, h.key)
      pos = writeBytes(section, pos, h.value)
    }
  }
  const codec = opts.compression ?? CompressionCodec.None
  if (codec !== CompressionCodec.None) section = compress(codec, section)

  const size = RECORDS_OFFSET + section.length
  const buf = Buffer.alloc(size)
  let attrs = codec
  if (opts.timestampType === TimestampType.LogAppendTime) attrs |= TIMESTAMP_TYPE_MASK
  if (opts.isTransactional === true) attrs |= TRANSACTIONAL_MASK
  if (opts.isControl === true) attrs |= CONTROL_MASK
  buf.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), BASE_OFFSET_OFFSET)
  buf.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET)
  buf.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET)
  buf.writeInt16BE(attrs, ATTRIBUTES_OFFSET)
  buf.writeInt32BE(prepared.length - 1, LAST_OFFSET_DELTA_OFFSET)
  buf.writeBigInt64BE(BigInt(baseTimestamp), BASE_TIMESTAMP_OFFSET)
  buf.writeBigInt64BE(BigInt(maxTimestamp), MAX_TIMESTAMP_OFFSET)
  buf.writeBigInt64BE(BigInt(opts.producerId ?? -1), PRODUCER_ID_OFFSET)
  buf.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET)
  buf.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE_OFFSET)
  buf.writeInt32BE(prepared.length, RECORDS_COUNT_OFFSET)
  section.copy(buf, RECORDS_OFFSET)
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET)
  return buf
}
