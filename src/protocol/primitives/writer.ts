// Writer: encodes Kafka wire primitives into a message whose exact size is known in advance.
//
// Two-pass encoding: the generated size function computes the exact byte count with the sizeOf*
// helpers below, then a Writer of that size is filled front to back. Formats are the Reader's
// (see reader.ts): big-endian integers, uvarint/zigzag varints, int16/int32 or compact (uvarint
// length + 1) length prefixes with -1 / 0 for null, uuids as 16 raw bytes from canonical hex.
//
// Output is a list of chunks (finish()): buffers allocated here (exactly the size for messages up to
// CHUNK_SIZE, 64 KiB slices beyond) interleaved with record buffers of RECORDS_ZERO_COPY_MIN bytes or
// more, which are referenced rather than copied (a fetch response hands the log's own buffers to the
// socket). Invariants: the chunks' lengths sum to the constructed size; writing past the size, or
// finishing short of it, throws (a size/write mismatch is a bug, never silently truncated data).

import { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, zigzag32, zigzag64 } from './varint.js'

export { sizeOfUvarint, sizeOfVarint, sizeOfVarlong }

/** Record data as accepted by encoders: one buffer, several (concatenated on the wire), or null. */
export type RecordsData = Buffer | Buffer[] | null

/** Record buffers at least this large are referenced as their own chunk instead of copied. */
export const RECORDS_ZERO_COPY_MIN = 1024
const CHUNK_SIZE = 64 * 1024

const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i
  HEX_VALUE[97 + i] = 10 + i
}

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/

// ---------------------------------------------------------------------------------------------
// size helpers

/** UTF-8 byte length of `s`; short ASCII strings (the usual topic/group/client ids) skip the native call. */
export function utf8Length (s: string): number {
  const n = s.length
  if (n < 32) {
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8')
    }
    return n
  }
  return Buffer.byteLength(s, 'utf8')
}

export function sizeOfString (s: string): number {
  return 2 + utf8Length(s)
}

export function sizeOfNullableString (s: string | null): number {
  return s === null ? 2 : 2 + utf8Length(s)
}

export function sizeOfCompactString (s: string): number {
  const len = utf8Length(s)
  return sizeOfUvarint(len + 1) + len
}

export function sizeOfCompactNullableString (s: string | null): number {
  if (s === null) return 1
  const len = utf8Length(s)
  return sizeOfUvarint(len + 1) + len
}

export function sizeOfBytes (b: Buffer): number {
  return 4 + b.length
}

export function sizeOfNullableBytes (b: Buffer | null): number {
  return b === null ? 4 : 4 + b.length
}

export function sizeOfCompactBytes (b: Buffer): number {
  return sizeOfUvarint(b.length + 1) + b.length
}

export function sizeOfCompactNullableBytes (b: Buffer | null): number {
  return b === null ? 1 : sizeOfUvarint(b.length + 1) + b.length
}

/** Total byte length of record data (0 for null). */
export function recordsLength (v: RecordsData): number {
  if (v === null) return 0
  if (Buffer.isBuffer(v)) return v.length
  let n = 0
  for (let i = 0; i < v.length; i++) n += v[i].length
  return n
}

/** Size of a records field including its length prefix (int32, or compact uvarint when `compact`). */
export function sizeOfRecords (v: RecordsData, compact: boolean): number {
  if (v === null) return compact ? 1 : 4
  const len = recordsLength(v)
  return (compact ? sizeOfUvarint(len + 1) : 4) + len
}

/** Size of an array length prefix. */
export function sizeOfArrayLength (n: number, compact: boolean): number {
  return compact ? sizeOfUvarint(n + 1) : 4
}

// ---------------------------------------------------------------------------------------------

export class Writer {
  /** Total size of the message, fixed at construction. */
  readonly size: number
  private chunks: Buffer[] = []
  private buf: Buffer
  /** write cursor in `buf` */
  private pos = 0
  /** where the not-yet-emitted part of `buf` starts */
  private start = 0
  /** end of usable space in `buf` (never past the message's remaining size) */
  private limit = 0
  /** bytes already emitted as chunks */
  private emitted = 0

  constructor (size: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`invalid Writer size ${size}`)
    this.size = size
    this.buf = size <= CHUNK_SIZE ? Buffer.allocUnsafe(size) : Buffer.allocUnsafe(CHUNK_SIZE)
    this.limit = this.buf.length
  }

  /** Bytes written so far. */
  get position (): number {
    return this.emitted + this.pos - this.start
  }

  /** Makes room for `n` contiguous bytes, moving to a new chunk when the current one is full. */
  private ensure (n: number): void {
    if (this.pos + n <= this.limit) return
    const position = this.position
    const left = this.size - position
    if (n > left) {
      throw new RangeError(`Writer overflow: writing ${n} bytes at position ${position} of a ${this.size}-byte message`)
    }
    this.flushChunk()
    const alloc = Math.min(left, Math.max(n, CHUNK_SIZE))
    this.buf = Buffer.allocUnsafe(alloc)
    this.pos = 0
    this.start = 0
    this.limit = alloc
  }

  private flushChunk (): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos))
      this.emitted += this.pos - this.start
      this.start = this.pos
    }
  }

  int8 (v: number): void {
    this.ensure(1)
    this.buf.writeInt8(v, this.pos)
    this.pos += 1
  }

  int16 (v: number): void {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.pos)
    this.pos += 2
  }

  int32 (v: number): void {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
  }

  uint16 (v: number): void {
    this.ensure(2)
    this.buf.writeUInt16BE(v, this.pos)
    this.pos += 2
  }

  uint32 (v: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(v, this.pos)
    this.pos += 4
  }

  float64 (v: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
  }

  int64 (v: bigint): void {
    this.ensure(8)
    this.buf.writeBigInt64BE(v, this.pos)
    this.pos += 8
  }

  bool (v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  uvarint (v: number): void {
    if (v >= 0 && v < 0x80 && (v | 0) === v) {
      this.ensure(1)
      this.buf[this.pos++] = v
      return
    }
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new RangeError(`uvarint out of range: ${v}`)
    this.ensure(sizeOfUvarint(v))
    const buf = this.buf
    let pos = this.pos
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    buf[pos++] = v
    this.pos = pos
  }

  varint (v: number): void {
    this.uvarint(zigzag32(v))
  }

  varlong (v: bigint): void {
    if (v >= -0x8000000n && v < 0x8000000n) {
      this.uvarint(zigzag32(Number(v)))
      return
    }
    this.ensure(sizeOfVarlong(v))
    let u = zigzag64(v)
    const buf = this.buf
    let pos = this.pos
    while (u >= 0x80n) {
      buf[pos++] = Number(u & 0x7fn) | 0x80
      u >>= 7n
    }
    buf[pos++] = Number(u)
    this.pos = pos
  }

  uuid (v: string): void {
    this.ensure(16)
    const buf = this.buf
    const pos = this.pos
    if (v.length === 36 && v.charCodeAt(8) === 45 && v.charCodeAt(13) === 45 && v.charCodeAt(18) === 45 && v.charCodeAt(23) === 45) {
      // canonical form: 16 hex pairs around 4 dashes, decoded without allocating
      let o = 0
      for (let i = 0; i < 36; i += 2) {
        if (i === 8 || i === 13 || i === 18 || i === 23) i++
        const hi = HEX_VALUE[v.charCodeAt(i)]
        const lo = HEX_VALUE[v.charCodeAt(i + 1)]
        if (hi === undefined || lo === undefined || hi < 0 || lo < 0) throw new TypeError(`invalid uuid '${v}'`)
        buf[pos + o++] = (hi << 4) | lo
      }
      this.pos = pos + 16
      return
    }
    if (!UUID_RE.test(v)) throw new TypeError(`invalid uuid '${v}'`)
    buf.write(v.replace(/-/g, ''), pos, 16, 'hex')
    this.pos = pos + 16
  }

  /** The `len` UTF-8 bytes of `s` (the caller has written the length prefix). */
  private utf8 (s: string, len: number): void {
    this.ensure(len)
    if (len === s.length && len < 32) {
      // short ASCII (the usual topic, group and client ids): a byte loop beats the native call
      const buf = this.buf
      let pos = this.pos
      for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i)
      this.pos = pos
    } else if (len > 0) {
      this.pos += this.buf.write(s, this.pos, len, 'utf8')
    }
  }

  string (v: string): void {
    const len = utf8Length(v)
    if (len > 0x7fff) throw new RangeError(`string of ${len} bytes is too long for an int16 length`)
    this.int16(len)
    this.utf8(v, len)
  }

  nullableString (v: string | null): void {
    if (v === null) this.int16(-1)
    else this.string(v)
  }

  compactString (v: string): void {
    const len = utf8Length(v)
    this.uvarint(len + 1)
    this.utf8(v, len)
  }

  compactNullableString (v: string | null): void {
    if (v === null) this.uvarint(0)
    else this.compactString(v)
  }

  private raw (b: Buffer): void {
    this.ensure(b.length)
    b.copy(this.buf, this.pos)
    this.pos += b.length
  }

  bytes (v: Buffer): void {
    this.int32(v.length)
    this.raw(v)
  }

  nullableBytes (v: Buffer | null): void {
    if (v === null) this.int32(-1)
    else this.bytes(v)
  }

  compactBytes (v: Buffer): void {
    this.uvarint(v.length + 1)
    this.raw(v)
  }

  compactNullableBytes (v: Buffer | null): void {
    if (v === null) this.uvarint(0)
    else this.compactBytes(v)
  }

  /** Array length prefix: int32 (-1 for null) or compact uvarint (length + 1, 0 for null). */
  arrayLength (n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1)
    else this.int32(n)
  }

  /**
   * A records field: length prefix, then the data. Buffers of RECORDS_ZERO_COPY_MIN bytes or more are
   * referenced as their own chunks (no copy); smaller ones are copied.
   */
  records (v: RecordsData, compact: boolean): void {
    if (v === null) {
      if (compact) this.uvarint(0)
      else this.int32(-1)
      return
    }
    const len = recordsLength(v)
    if (compact) this.uvarint(len + 1)
    else this.int32(len)
    if (Buffer.isBuffer(v)) this.recordChunk(v)
    else for (let i = 0; i < v.length; i++) this.recordChunk(v[i])
  }

  private recordChunk (b: Buffer): void {
    if (b.length < RECORDS_ZERO_COPY_MIN) {
      this.raw(b)
      return
    }
    const position = this.position
    if (b.length > this.size - position) {
      throw new RangeError(`Writer overflow: ${b.length} record bytes at position ${position} of a ${this.size}-byte message`)
    }
    this.flushChunk()
    this.chunks.push(b)
    this.emitted += b.length
    // The current buffer keeps serving the bytes after the records, within what is left of the message.
    this.limit = Math.min(this.limit, this.pos + this.size - this.emitted)
  }

  /** The encoded message as chunks in order; throws unless exactly `size` bytes were written. */
  finish (): Buffer[] {
    const position = this.position
    if (position !== this.size) {
      throw new RangeError(`Writer underflow: wrote ${position} of ${this.size} bytes`)
    }
    this.flushChunk()
    return this.chunks
  }
}

/** Concatenates a Writer's chunks into one buffer (no copy when there is a single chunk). */
export function concatChunks (chunks: Buffer[], size: number): Buffer {
  if (chunks.length === 1) return chunks[0]
  return Buffer.concat(chunks, size)
}
