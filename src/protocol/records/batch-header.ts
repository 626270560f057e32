// RecordBatch v2 (magic 2) header: byte layout as constants, plus views that read and write fields of a batch
// that starts at `pos` in a Buffer. No copies, no decoding of records.
//
//   offset  size  field
//   0       8     baseOffset            int64   rewritten by the broker on append (not covered by the CRC)
//   8       4     batchLength           int32   bytes after this field: total batch size = batchLength + 12
//   12      4     partitionLeaderEpoch  int32   rewritten by the broker on append (not covered by the CRC)
//   16      1     magic                 int8    2 (0 and 1 are the legacy message-set formats)
//   17      4     crc                   uint32  CRC32C of bytes [21, end of batch)
//   21      2     attributes            int16   bits 0-2 compression codec, 3 timestampType (1 = LogAppendTime),
//                                               4 isTransactional, 5 isControl, 6 hasDeleteHorizonMs
//   23      4     lastOffsetDelta       int32
//   27      8     baseTimestamp         int64
//   35      8     maxTimestamp          int64
//   43      8     producerId            int64
//   51      2     producerEpoch         int16
//   53      4     baseSequence          int32
//   57      4     recordCount           int32
//   61      ...   records (compressed as a whole when codec != 0)
//
// Offsets and timestamps are read as JS numbers: offsets stay below 2^53, epoch-millisecond timestamps too.
// int64 fields are read as two 32-bit halves (readInt64): no BigInt allocated, the same correctly rounded
// value as Number(readBigInt64BE).
// Invariant: a caller checks `pos + RECORD_BATCH_OVERHEAD <= buf.length` before using these views.
import { crc32c } from './crc32c.js'

export const BASE_OFFSET_OFFSET = 0
export const BATCH_LENGTH_OFFSET = 8
export const PARTITION_LEADER_EPOCH_OFFSET = 12
export const MAGIC_OFFSET = 16
export const CRC_OFFSET = 17
export const ATTRIBUTES_OFFSET = 21
export const LAST_OFFSET_DELTA_OFFSET = 23
export const BASE_TIMESTAMP_OFFSET = 27
export const MAX_TIMESTAMP_OFFSET = 35
export const PRODUCER_ID_OFFSET = 43
export const PRODUCER_EPOCH_OFFSET = 51
export const BASE_SEQUENCE_OFFSET = 53
export const RECORDS_COUNT_OFFSET = 57
export const RECORDS_OFFSET = 61

/** Size of the header, i.e. of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET
/** baseOffset + batchLength: the part of the header not counted in batchLength (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD = 12
/** Smallest legal batchLength value. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD
export const CURRENT_MAGIC = 2

export const COMPRESSION_CODEC_MASK = 0x07
export const TIMESTAMP_TYPE_MASK = 0x08
export const TRANSACTIONAL_MASK = 0x10
export const CONTROL_MASK = 0x20
export const DELETE_HORIZON_MASK = 0x40

export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1
export const NO_PARTITION_LEADER_EPOCH = -1
export const NO_TIMESTAMP = -1

export enum CompressionCodec { None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4 }
export enum TimestampType { CreateTime = 0, LogAppendTime = 1 }

const TWO_POW_32 = 4294967296

/** The int64 at buf[i] as a number, without a BigInt. */
export function readInt64 (buf: Buffer, i: number): number {
  return buf.readInt32BE(i) * TWO_POW_32 + buf.readUInt32BE(i + 4)
}

export function baseOffset (buf: Buffer, pos = 0): number { return readInt64(buf, pos + BASE_OFFSET_OFFSET) }
export function batchLength (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) }
/** Whole size of the batch in bytes (batchLength + LOG_OVERHEAD). */
export function batchSize (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD }
export function partitionLeaderEpoch (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET) }
export function magic (buf: Buffer, pos = 0): number { return buf.readInt8(pos + MAGIC_OFFSET) }
export function crc (buf: Buffer, pos = 0): number { return buf.readUInt32BE(pos + CRC_OFFSET) }
export function attributes (buf: Buffer, pos = 0): number { return buf.readInt16BE(pos + ATTRIBUTES_OFFSET) }
export function compressionCodec (buf: Buffer, pos = 0): CompressionCodec { return buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK }
export function timestampType (buf: Buffer, pos = 0): TimestampType {
  return (buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime
}
export function isTransactional (buf: Buffer, pos = 0): boolean { return (buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & TRANSACTIONAL_MASK) !== 0 }
export function isControl (buf: Buffer, pos = 0): boolean { return (buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & CONTROL_MASK) !== 0 }
export function lastOffsetDelta (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) }
/** baseOffset + lastOffsetDelta. */
export function lastOffset (buf: Buffer, pos = 0): number { return baseOffset(buf, pos) + buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) }
export function baseTimestamp (buf: Buffer, pos = 0): number { return readInt64(buf, pos + BASE_TIMESTAMP_OFFSET) }
export function maxTimestamp (buf: Buffer, pos = 0): number { return readInt64(buf, pos + MAX_TIMESTAMP_OFFSET) }
export function producerId (buf: Buffer, pos = 0): number { return readInt64(buf, pos + PRODUCER_ID_OFFSET) }
export function producerEpoch (buf: Buffer, pos = 0): number { return buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET) }
export function baseSequence (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET) }
export function recordCount (buf: Buffer, pos = 0): number { return buf.readInt32BE(pos + RECORDS_COUNT_OFFSET) }

/** CRC32C the batch should carry: over [attributes, end of batch). */
export function computeCrc (buf: Buffer, pos = 0): number {
  const end = pos + batchSize(buf, pos)
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, end))
}

/** Rewrites baseOffset in place. Not covered by the CRC. */
export function setBaseOffset (buf: Buffer, offset: number, pos = 0): void {
  buf.writeBigInt64BE(BigInt(offset), pos + BASE_OFFSET_OFFSET)
}

/** Rewrites partitionLeaderEpoch in place. Not covered by the CRC. */
export function setPartitionLeaderEpoch (buf: Buffer, epoch: number, pos = 0): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET)
}

/**
 * Sets maxTimestamp and the timestampType bit (as Kafka does for LogAppendTime), then recomputes the CRC,
 * because both fields are inside the CRC-covered area. baseTimestamp and the records stay untouched: with
 * LogAppendTime, readers take every record's timestamp from maxTimestamp.
 */
export function setMaxTimestamp (buf: Buffer, type: TimestampType, timestamp: number, pos = 0): void {
  const attrs = buf.readInt16BE(pos + ATTRIBUTES_OFFSET)
  const newAttrs = type === TimestampType.LogAppendTime ? (attrs | TIMESTAMP_TYPE_MASK) : (attrs & ~TIMESTAMP_TYPE_MASK)
  buf.writeInt16BE(newAttrs, pos + ATTRIBUTES_OFFSET)
  buf.writeBigInt64BE(BigInt(timestamp), pos + MAX_TIMESTAMP_OFFSET)
  buf.writeUInt32BE(computeCrc(buf, pos), pos + CRC_OFFSET)
}

/** Decoded header fields, for tools, tests and logs (not for the hot path). */
export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  compression: CompressionCodec
  timestampType: TimestampType
  isTransactional: boolean
  isControl: boolean
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

export function readBatchHeader (buf: Buffer, pos = 0): BatchHeader {
  const attrs = attributes(buf, pos)
  return {
    baseOffset: baseOffset(buf, pos),
    batchLength: batchLength(buf, pos),
    partitionLeaderEpoch: partitionLeaderEpoch(buf, pos),
    magic: magic(buf, pos),
    crc: crc(buf, pos),
    attributes: attrs,
    compression: attrs & COMPRESSION_CODEC_MASK,
    timestampType: (attrs & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    isTransactional: (attrs & TRANSACTIONAL_MASK) !== 0,
    isControl: (attrs & CONTROL_MASK) !== 0,
    lastOffsetDelta: lastOffsetDelta(buf, pos),
    baseTimestamp: baseTimestamp(buf, pos),
    maxTimestamp: maxTimestamp(buf, pos),
    producerId: producerId(buf, pos),
    producerEpoch: producerEpoch(buf, pos),
    baseSequence: baseSequence(buf, pos),
    recordCount: recordCount(buf, pos)
  }
}
