// Reader: decodes Kafka wire primitives from one Buffer, front to back.
//
// Formats (all big-endian, as Kafka):
// - int8/int16/int32/int64, uint16/uint32, float64 (IEEE 754), bool (one byte, non-zero = true)
// - uvarint: unsigned LEB128 of at most 5 bytes (32-bit); varint/varlong: zigzag LEB128 (32/64-bit)
// - uuid: 16 raw bytes, returned as canonical lowercase hex 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'
// - string: int16 length (-1 = null) + UTF-8; compact string: uvarint (length + 1, 0 = null) + UTF-8
// - bytes: int32 length (-1 = null); compact bytes: uvarint (length + 1, 0 = null)
// - array length: int32 (-1 = null) or compact uvarint (length + 1, 0 = null)
//
// Invariants:
// - every read is bounds-checked; truncated or invalid input throws ProtocolDecodeError (never a
//   RangeError or another type), with a message naming what failed and the offset where it started;
// - byte results are zero-copy subarray views of `buf`: they stay valid only as long as `buf` is not
//   reused by its owner;
// - an array length larger than the remaining bytes is rejected before anything is allocated
//   (Kafka's own rule), so a hostile length cannot make us allocate gigabytes.
import { ErrorCode } from '../errors.js'

/** Thrown on truncated or malformed protocol input (INVALID_REQUEST). `offset` is where the failing read began. */
export class ProtocolDecodeError extends Error {
  readonly errorCode = ErrorCode.INVALID_REQUEST
  readonly offset: number

  constructor (message: string, offset: number) {
    super(`${message} at offset ${offset}`)
    this.name = 'ProtocolDecodeError'
    this.offset = offset
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0)

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'))

export class Reader {
  buf: Buffer
  offset: number

  constructor (buf: Buffer, offset = 0) {
    this.buf = buf
    this.offset = offset
  }

  remaining (): number {
    return this.buf.length - this.offset
  }

  private need (n: number, what: string): number {
    const at = this.offset
    if (at + n > this.buf.length) {
      throw new ProtocolDecodeError(`truncated ${what}: need ${n} bytes, ${this.buf.length - at} left`, at)
    }
    this.offset = at + n
    return at
  }

  int8 (): number {
    return this.buf.readInt8(this.need(1, 'int8'))
  }

  int16 (): number {
    return this.buf.readInt16BE(this.need(2, 'int16'))
  }

  int32 (): number {
    return this.buf.readInt32BE(this.need(4, 'int32'))
  }

  uint16 (): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'))
  }

  uint32 (): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'))
  }

  float64 (): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'))
  }

  int64 (): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'int64'))
  }

  bool (): boolean {
    return this.buf[this.need(1, 'bool')] !== 0
  }

  /** Unsigned varint, at most 5 bytes, value 0..2^32-1. */
  uvarint (): number {
    const buf = this.buf
    const start = this.offset
    let pos = start
    let value = 0
    let shift = 0
    for (;;) {
      if (pos >= buf.length) throw new ProtocolDecodeError('truncated varint', start)
      const b = buf[pos++]
      if (shift === 28) {
        if (b > 0x0f) throw new ProtocolDecodeError('varint longer than 5 bytes or over 32 bits', start)
        value += b * 0x10000000
        break
      }
      value |= (b & 0x7f) << shift
      if (b < 0x80) {
        value >>>= 0
        break
      }
      shift += 7
    }
    this.offset = pos
    return value
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint (): number {
    const u = this.uvarint()
    return (u >>> 1) ^ -(u & 1)
  }

  /** Zigzag-encoded signed 64-bit varint (at most 10 bytes). */
  varlong (): bigint {
    const buf = this.buf
    const start = this.offset
    let pos = start
    // fast path: values that fit in 28 bits (by far the most common in record headers)
    let low = 0
    let shift = 0
    for (; shift < 28; shift += 7) {
      if (pos >= buf.length) throw new ProtocolDecodeError('truncated varlong', start)
      const b = buf[pos++]
      low |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.offset = pos
        return BigInt((low >>> 1) ^ -(low & 1))
      }
    }
    let value = BigInt(low >>> 0)
    let bshift = 28n
    for (let i = 4; ; i++) {
      if (i >= 10) throw new ProtocolDecodeError('varlong longer than 10 bytes', start)
      if (pos >= buf.length) throw new ProtocolDecodeError('truncated varlong', start)
      const b = buf[pos++]
      value |= BigInt(b & 0x7f) << bshift
      if (b < 0x80) break
      bshift += 7n
    }
    this.offset = pos
    value = BigInt.asUintN(64, value)
    return (value >> 1n) ^ -(value & 1n)
  }

  uuid (): string {
    const at = this.need(16, 'uuid')
    const b = this.buf
    return HEX[b[at]] + HEX[b[at + 1]] + HEX[b[at + 2]] + HEX[b[at + 3]] + '-' +
      HEX[b[at + 4]] + HEX[b[at + 5]] + '-' + HEX[b[at + 6]] + HEX[b[at + 7]] + '-' +
      HEX[b[at + 8]] + HEX[b[at + 9]] + '-' + HEX[b[at + 10]] + HEX[b[at + 11]] +
      HEX[b[at + 12]] + HEX[b[at + 13]] + HEX[b[at + 14]] + HEX[b[at + 15]]
  }

  private utf8 (len: number, what: string, at: number): string {
    if (this.offset + len > this.buf.length) {
      throw new ProtocolDecodeError(`truncated ${what}: length ${len}, ${this.buf.length - this.offset} bytes left`, at)
    }
    const start = this.offset
    this.offset = start + len
    return this.buf.toString('utf8', start, start + len)
  }

  string (): string {
    const at = this.offset
    const len = this.int16()
    if (len < 0) throw new ProtocolDecodeError(`invalid string length ${len}`, at)
    return this.utf8(len, 'string', at)
  }

  nullableString (): string | null {
    const at = this.offset
    const len = this.int16()
    if (len < 0) {
      if (len === -1) return null
      throw new ProtocolDecodeError(`invalid nullable string length ${len}`, at)
    }
    return this.utf8(len, 'string', at)
  }

  compactString (): string {
    const at = this.offset
    const n = this.uvarint()
    if (n === 0) throw new ProtocolDecodeError('null compact string where a value is required', at)
    return this.utf8(n - 1, 'compact string', at)
  }

  compactNullableString (): string | null {
    const at = this.offset
    const n = this.uvarint()
    if (n === 0) return null
    return this.utf8(n - 1, 'compact string', at)
  }

  private view (len: number, what: string, at: number): Buffer {
    if (this.offset + len > this.buf.length) {
      throw new ProtocolDecodeError(`truncated ${what}: length ${len}, ${this.buf.length - this.offset} bytes left`, at)
    }
    const start = this.offset
    this.offset = start + len
    return this.buf.subarray(start, start + len)
  }

  bytes (): Buffer {
    const at = this.offset
    const len = this.int32()
    if (len < 0) throw new ProtocolDecodeError(`invalid bytes length ${len}`, at)
    return this.view(len, 'bytes', at)
  }

  nullableBytes (): Buffer | null {
    const at = this.offset
    const len = this.int32()
    if (len < 0) {
      if (len === -1) return null
      throw new ProtocolDecodeError(`invalid nullable bytes length ${len}`, at)
    }
    return this.view(len, 'bytes', at)
  }

  compactBytes (): Buffer {
    const at = this.offset
    const n = this.uvarint()
    if (n === 0) throw new ProtocolDecodeError('null compact bytes where a value is required', at)
    return this.view(n - 1, 'compact bytes', at)
  }

  compactNullableBytes (): Buffer | null {
    const at = this.offset
    const n = this.uvarint()
    if (n === 0) return null
    return this.view(n - 1, 'compact bytes', at)
  }

  /** int32 array length; -1 means null; anything longer than the remaining bytes is rejected. */
  arrayLength (): number {
    const at = this.offset
    const n = this.int32()
    if (n < -1) throw new ProtocolDecodeError(`invalid array length ${n}`, at)
    if (n > this.buf.length - this.offset) {
      throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.buf.length - this.offset} bytes left`, at)
    }
    return n
  }

  /** Compact (uvarint length + 1) array length; -1 means null. */
  compactArrayLength (): number {
    const at = this.offset
    const n = this.uvarint() - 1
    if (n > this.buf.length - this.offset) {
      throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.buf.length - this.offset} bytes left`, at)
    }
    return n
  }

  /** Skips a tagged-field section (uvarint count, then tag, size, data each) without looking inside. */
  skipTaggedFields (): void {
    const n = this.uvarint()
    for (let i = 0; i < n; i++) {
      this.uvarint()
      this.skip(this.uvarint())
    }
  }

  skip (n: number): void {
    if (n < 0) throw new ProtocolDecodeError(`invalid skip of ${n} bytes`, this.offset)
    this.need(n, 'skipped field')
  }
}
