// Zigzag varints as used inside RecordBatch v2 records (protobuf style: 7 bits a byte, low bits first).
// Private to records/ so that this folder stands alone. varlong values are JS numbers: record timestamp and
// offset deltas are far below 2^53, and decoding rejects anything longer than 10 bytes.

export interface Cursor { buf: Buffer; pos: number }

export function readVarint (c: Cursor): number {
  let value = 0
  let shift = 0
  for (;;) {
    if (c.pos >= c.buf.length) throw new RangeError(`varint runs past the end of the buffer at ${c.pos}`)
    const b = c.buf[c.pos++]!
    value |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) break
    shift += 7
    if (shift > 28) throw new RangeError(`varint longer than 5 bytes at ${c.pos}`)
  }
  return (value >>> 1) ^ -(value & 1)
}

export function readVarlong (c: Cursor): number {
  let value = 0n
  let shift = 0n
  for (let i = 0; ; i++) {
    if (c.pos >= c.buf.length) throw new RangeError(`varlong runs past the end of the buffer at ${c.pos}`)
    if (i >= 10) throw new RangeError(`varlong longer than 10 bytes at ${c.pos}`)
    const b = c.buf[c.pos++]!
    value |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) break
    shift += 7n
  }
  return Number((value >> 1n) ^ -(value & 1n))
}

export function sizeOfVarint (v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0
  let n = 1
  while (u >= 0x80) { u >>>= 7; n++ }
  return n
}

export function writeVarint (buf: Buffer, pos: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0
  while (u >= 0x80) { buf[pos++] = (u & 0x7f) | 0x80; u >>>= 7 }
  buf[pos++] = u
  return pos
}

function zigzag64 (v: number): bigint {
  const b = BigInt.asIntN(64, BigInt(v))
  return BigInt.asUintN(64, (b << 1n) ^ (b >> 63n))
}

export function sizeOfVarlong (v: number): number {
  let u = zigzag64(v)
  let n = 1
  while (u >= 0x80n) { u >>= 7n; n++ }
  return n
}

export function writeVarlong (buf: Buffer, pos: number, v: number): number {
  let u = zigzag64(v)
  while (u >= 0x80n) { buf[pos++] = Number(u & 0x7fn) | 0x80; u >>= 7n }
  buf[pos++] = Number(u)
  return pos
}
