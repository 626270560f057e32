// Record values of the soak: `soak|<producer>|<seq>|<length>|` then filler bytes up to <length>, every filler
// byte equal to seq & 0xff. A consumer checks the header parses, the value has the stated length and the
// first and last filler bytes carry the pattern, so a record served with the wrong bytes (a torn read, a
// batch of another partition) is counted as corrupt even when its CRC matched.
// Sizes are mixed: 60 % 50-500 B, 30 % 0.5-8 KiB, 9 % 8-64 KiB, 1 % 256 KiB.
import { randInt } from './stopper.js'

export function recordSize (): number {
  const r = Math.random()
  if (r < 0.6) return randInt(50, 500)
  if (r < 0.9) return randInt(500, 8192)
  if (r < 0.99) return randInt(8192, 65536)
  return 262144
}

export function makeValue (producer: string, seq: number, size: number): Buffer {
  const head = Buffer.from(`soak|${producer}|${seq}|${size}|`)
  if (head.length > size) throw new Error(`record size ${size} below its header (${head.length} B)`)
  const b = Buffer.allocUnsafe(size)
  head.copy(b, 0)
  b.fill(seq & 0xff, head.length)
  return b
}

/** true when value is a well-formed soak record (header, length, filler pattern at both ends). */
export function checkValue (value: Buffer | null | undefined): boolean {
  if (value === null || value === undefined) return false
  const end = value.indexOf(0x7c, value.indexOf(0x7c, value.indexOf(0x7c, 5) + 1) + 1) // the 4th '|'
  if (end < 0 || end > 200) return false
  const parts = value.subarray(0, end).toString('latin1').split('|')
  if (parts.length !== 4 || parts[0] !== 'soak') return false
  const seq = Number(parts[2])
  const size = Number(parts[3])
  if (!Number.isInteger(seq) || size !== value.length) return false
  if (end + 1 === value.length) return true
  return value[end + 1] === (seq & 0xff) && value[value.length - 1] === (seq & 0xff)
}
