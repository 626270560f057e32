// Record-batch compression codecs, as Kafka clients write them (attributes bits 0-2):
//   0 none, 1 gzip (RFC 1952 stream), 2 snappy, 3 lz4 (LZ4 *frame* format, magic 0x184D2204),
//   4 zstd (standard zstd frames, possibly without content size when written by a streaming encoder).
// Snappy: the Java client writes xerial snappy-java framing:
//   magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version (1), int32 min compatible version (1),
//   then blocks of int32 big-endian compressed length + raw snappy block.
// librdkafka and others may write plain raw snappy; decompress accepts both, compress writes xerial so
// every client (including Java's SnappyInputStream) can read it.
// All calls are synchronous native code: used by tools, tests and compaction, never on the produce path.
// The native codec addons are loaded on first use (together they add ~40 ms and ~24 MB to a start that
// otherwise never needs them: a broker stores batches as they came and only decompresses to compact).
import { createRequire } from 'node:module'
import { gunzipSync, gzipSync } from 'node:zlib'
import { CompressionCodec } from './batch-header.js'

const require = createRequire(import.meta.url)
let snappyLib: typeof import('snappy') | undefined
let lz4Lib: typeof import('lz4-napi') | undefined
let zstdLib: typeof import('zstd-napi') | undefined
const snappyMod = (): typeof import('snappy') => (snappyLib ??= require('snappy') as typeof import('snappy'))
const lz4 = (): typeof import('lz4-napi') => (lz4Lib ??= require('lz4-napi') as typeof import('lz4-napi'))
const zstd = (): typeof import('zstd-napi') => (zstdLib ??= require('zstd-napi') as typeof import('zstd-napi'))

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16
/** snappy-java's default block size. */
const XERIAL_BLOCK_SIZE = 32 * 1024

export function isXerialSnappy (buf: Buffer): boolean {
  return buf.length >= XERIAL_HEADER_SIZE && buf.subarray(0, 8).equals(XERIAL_HEADER)
}

function snappyRaw (buf: Uint8Array): Buffer {
  return snappyMod().uncompressSync(buf, { asBuffer: true }) as Buffer
}

export function snappyDecompress (buf: Buffer): Buffer {
  if (!isXerialSnappy(buf)) return snappyRaw(buf)
  const parts: Buffer[] = []
  let pos = XERIAL_HEADER_SIZE
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new RangeError(`xerial snappy: truncated block length at byte ${pos}`)
    const len = buf.readInt32BE(pos)
    pos += 4
    if (len < 0 || pos + len > buf.length) throw new RangeError(`xerial snappy: block at byte ${pos - 4} claims ${len} bytes, ${buf.length - pos} left`)
    parts.push(snappyRaw(buf.subarray(pos, pos + len)))
    pos += len
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

export function snappyCompressXerial (buf: Buffer): Buffer {
  const parts: Buffer[] = []
  const header = Buffer.alloc(XERIAL_HEADER_SIZE)
  XERIAL_HEADER.copy(header, 0)
  header.writeInt32BE(1, 8)
  header.writeInt32BE(1, 12)
  parts.push(header)
  for (let pos = 0; pos < buf.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappyMod().compressSync(buf.subarray(pos, Math.min(buf.length, pos + XERIAL_BLOCK_SIZE)))
    const len = Buffer.allocUnsafe(4)
    len.writeInt32BE(block.length, 0)
    parts.push(len, block)
  }
  return Buffer.concat(parts)
}

export function decompress (codec: CompressionCodec, buf: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.None: return buf
    case CompressionCodec.Gzip: return gunzipSync(buf)
    case CompressionCodec.Snappy: return snappyDecompress(buf)
    case CompressionCodec.Lz4: return lz4().decompressFrameSync(buf)
    case CompressionCodec.Zstd: return zstd().decompress(buf)
    default: throw new RangeError(`unknown compression codec ${codec as number} (attributes bits 0-2), expected 0-4`)
  }
}

export function compress (codec: CompressionCodec, buf: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.None: return buf
    case CompressionCodec.Gzip: return gzipSync(buf)
    case CompressionCodec.Snappy: return snappyCompressXerial(buf)
    case CompressionCodec.Lz4: return lz4().compressFrameSync(buf)
    case CompressionCodec.Zstd: return zstd().compress(buf)
    default: throw new RangeError(`unknown compression codec ${codec as number}, expected 0-4`)
  }
}

/** Kafka's compression.type names. */
export function codecFromName (name: string): CompressionCodec | undefined {
  switch (name) {
    case 'none': case 'uncompressed': return CompressionCodec.None
    case 'gzip': return CompressionCodec.Gzip
    case 'snappy': return CompressionCodec.Snappy
    case 'lz4': return CompressionCodec.Lz4
    case 'zstd': return CompressionCodec.Zstd
    default: return undefined
  }
}

export function codecName (codec: CompressionCodec): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][codec] ?? `unknown(${codec as number})`
}
