// Legacy message sets (magic 0 and 1), the record format of Kafka before 0.11, used by Produce v0-v2 and
// Fetch v0-v3. Samsa stores only RecordBatch v2, as Kafka 3.x does, so it up-converts legacy produce data and
// down-converts fetched batches for those versions (Kafka's own behaviour).
//
// Layout of one entry (all big-endian):
//   offset int64        absolute offset (inner messages of a compressed magic-1 wrapper: relative 0..n-1)
//   messageSize int32   bytes that follow
//   crc uint32          CRC32 (IEEE, not Castagnoli) of magic..end
//   magic int8          0 or 1
//   attributes int8     bits 0-2 compression codec (0 none, 1 gzip, 2 snappy, 3 lz4), bit 3 timestamp type (magic 1)
//   timestamp int64     magic 1 only
//   key bytes           int32 length (-1 null) + data
//   value bytes         int32 length (-1 null) + data; for a compressed wrapper: the compressed inner message set
// A message set is a plain concatenation of entries; a trailing partial entry is allowed (and ignored) in
// fetch responses, never in produce requests.
import { crc32 } from 'node:zlib'
import { CompressionCodec } from './batch-header.js'
import { compress, decompress } from './compression.js'
import { ErrorCode } from '../errors.js'

export const LEGACY_HEADER_SIZE = 8 + 4 // offset + messageSize
const V0_OVERHEAD = 4 + 1 + 1 + 4 + 4 // crc magic attributes keyLen valueLen
const V1_OVERHEAD = V0_OVERHEAD + 8

/** A legacy (magic 0/1) message set that does not parse -> CORRUPT_MESSAGE. */
export class LegacyFormatError extends Error {
  override name = 'LegacyFormatError'
  readonly errorCode = ErrorCode.CORRUPT_MESSAGE
}

export interface LegacyMessage {
  offset: number
  magic: 0 | 1
  /** -1 for magic 0 (no timestamp). */
  timestamp: number
  logAppendTime: boolean
  key: Buffer | null
  value: Buffer | null
}

/** Codec of the first compressed wrapper in the set, else None (used to keep the producer's codec). */
export function legacyCodec (buf: Buffer): CompressionCodec {
  if (buf.length < LEGACY_HEADER_SIZE + V0_OVERHEAD) return CompressionCodec.None
  return (buf.readInt8(LEGACY_HEADER_SIZE + 5) & 0x07) as CompressionCodec
}

function readBytes (buf: Buffer, pos: number, end: number, what: string): [Buffer | null, number] {
  if (pos + 4 > end) throw new LegacyFormatError(`${what} length runs past the message at byte ${pos}`)
  const len = buf.readInt32BE(pos)
  pos += 4
  if (len < 0) return [null, pos]
  if (pos + len > end) throw new LegacyFormatError(`${what} of ${len} bytes runs past the message at byte ${pos}`)
  return [buf.subarray(pos, pos + len), pos + len]
}

/**
 * Every message of a legacy set, compressed wrappers expanded. Throws LegacyFormatError naming the byte
 * position of the first problem (bad CRC, bad magic, truncation).
 */
export function parseMessageSet (buf: Buffer, depth = 0): LegacyMessage[] {
  const out: LegacyMessage[] = []
  let pos = 0
  while (pos < buf.length) {
    if (pos + LEGACY_HEADER_SIZE > buf.length) throw new LegacyFormatError(`truncated message header at byte ${pos}`)
    const offset = Number(buf.readBigInt64BE(pos))
    const size = buf.readInt32BE(pos + 8)
    const start = pos + LEGACY_HEADER_SIZE
    const end = start + size
    if (size < V0_OVERHEAD || end > buf.length) throw new LegacyFormatError(`message at byte ${pos} claims ${size} bytes, ${buf.length - start} present`)
    const crc = buf.readUInt32BE(start)
    const actual = crc32(buf.subarray(start + 4, end))
    if (crc !== actual) throw new LegacyFormatError(`message at byte ${pos}: CRC32 mismatch, header says ${crc}, computed ${actual}`)
    const magic = buf.readInt8(start + 4)
    if (magic !== 0 && magic !== 1) throw new LegacyFormatError(`message at byte ${pos}: magic ${magic} in a legacy message set`)
    const attributes = buf.readInt8(start + 5)
    let p = start + 6
    let timestamp = -1
    if (magic === 1) {
      if (size < V1_OVERHEAD) throw new LegacyFormatError(`magic 1 message at byte ${pos} is too short (${size} bytes)`)
      timestamp = Number(buf.readBigInt64BE(p))
      p += 8
    }
    const [key, afterKey] = readBytes(buf, p, end, 'key')
    const [value] = readBytes(buf, afterKey, end, 'value')
    const codec = attributes & 0x07
    const logAppendTime = magic === 1 && (attributes & 0x08) !== 0
    if (codec === CompressionCodec.None) {
      out.push({ offset, magic, timestamp, logAppendTime, key, value })
    } else {
      if (depth > 0) throw new LegacyFormatError(`nested compressed message at byte ${pos}`)
      if (value === null) throw new LegacyFormatError(`compressed wrapper at byte ${pos} has no value`)
      let inner: Buffer
      try {
        inner = decompress(codec as CompressionCodec, value)
      } catch (err) {
        throw new LegacyFormatError(`compressed wrapper at byte ${pos} (codec ${codec}) does not decompress: ${(err as Error).message}`)
      }
      for (const m of parseMessageSet(inner, depth + 1)) {
        // Magic 1 wrappers carry relative inner offsets; the wrapper's timestamp wins with LogAppendTime.
        out.push({ ...m, timestamp: logAppendTime ? timestamp : m.timestamp, logAppendTime })
      }
    }
    pos = end
  }
  return out
}

export interface LegacyRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
}

/** Size in bytes of one uncompressed legacy entry. */
export function legacyEntrySize (magic: 0 | 1, key: Buffer | null, value: Buffer | null): number {
  return LEGACY_HEADER_SIZE + (magic === 1 ? V1_OVERHEAD : V0_OVERHEAD) + (key?.length ?? 0) + (value?.length ?? 0)
}

/** Writes records as uncompressed legacy messages of `magic` (timestamps dropped for magic 0). */
export function writeMessageSet (records: LegacyRecord[], magic: 0 | 1, logAppendTime = false): Buffer {
  let size = 0
  for (const r of records) size += legacyEntrySize(magic, r.key, r.value)
  const buf = Buffer.allocUnsafe(size)
  let pos = 0
  for (const r of records) {
    const entry = legacyEntrySize(magic, r.key, r.value)
    buf.writeBigInt64BE(BigInt(r.offset), pos)
    buf.writeInt32BE(entry - LEGACY_HEADER_SIZE, pos + 8)
    const crcPos = pos + 12
    let p = crcPos + 4
    buf.writeInt8(magic, p++)
    buf.writeInt8(magic === 1 && logAppendTime ? 0x08 : 0, p++)
    if (magic === 1) {
      buf.writeBigInt64BE(BigInt(r.timestamp), p)
      p += 8
    }
    for (const b of [r.key, r.value]) {
      if (b === null) {
        buf.writeInt32BE(-1, p)
        p += 4
      } else {
        buf.writeInt32BE(b.length, p)
        b.copy(buf, p + 4)
        p += 4 + b.length
      }
    }
    buf.writeUInt32BE(crc32(buf.subarray(crcPos + 4, p)), crcPos)
    pos = p
  }
  return buf
}

/**
 * A compressed magic-1 wrapper around records (inner offsets relative, wrapper offset = last offset), as a
 * 0.10 producer writes it. For tests and tools.
 */
export function writeCompressedMessageSet (records: LegacyRecord[], codec: CompressionCodec, magic: 0 | 1 = 1): Buffer {
  const inner = writeMessageSet(records.map((r, i) => ({ ...r, offset: magic === 1 ? i : r.offset })), magic)
  const wrapped = compress(codec, inner)
  const last = records[records.length - 1]
  const out = writeMessageSet([{ offset: last?.offset ?? 0, timestamp: last?.timestamp ?? -1, key: null, value: wrapped }], magic)
  // Set the codec bits and recompute the CRC.
  const attrPos = LEGACY_HEADER_SIZE + 5
  out.writeInt8(out.readInt8(attrPos) | codec, attrPos)
  out.writeUInt32BE(crc32(out.subarray(LEGACY_HEADER_SIZE + 4)), LEGACY_HEADER_SIZE)
  return out
}
