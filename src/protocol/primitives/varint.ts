// Varint sizes and zigzag helpers (Kafka/protobuf LEB128, 7 bits a byte, low bits first).
// uvarint: unsigned 32-bit, 1-5 bytes. varint: zigzag 32-bit. varlong: zigzag 64-bit, 1-10 bytes.
// These are pure functions; Reader/Writer do the actual decoding and encoding.

/** Bytes taken by `n` (0..2^32-1) as an unsigned varint. */
export function sizeOfUvarint (n: number): number {
  if (n < 0x80) return 1
  if (n < 0x4000) return 2
  if (n < 0x200000) return 3
  if (n < 0x10000000) return 4
  return 5
}

/** Zigzag-encodes a signed 32-bit integer into an unsigned 32-bit number. */
export function zigzag32 (n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0
}

/** Bytes taken by signed 32-bit `n` as a zigzag varint. */
export function sizeOfVarint (n: number): number {
  return sizeOfUvarint(zigzag32(n))
}

/** Zigzag-encodes a signed 64-bit integer into an unsigned 64-bit bigint. */
export function zigzag64 (n: bigint): bigint {
  return BigInt.asUintN(64, (n << 1n) ^ (n >> 63n))
}

/** Bytes taken by signed 64-bit `n` as a zigzag varlong. */
export function sizeOfVarlong (n: bigint): number {
  if (n >= -0x8000000n && n < 0x8000000n) return sizeOfUvarint(zigzag32(Number(n)))
  let u = zigzag64(n)
  let size = 1
  while (u >= 0x80n) {
    u >>= 7n
    size++
  }
  return size
}
