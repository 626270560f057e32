// A minimal DER reader: enough of X.690 to walk a certificate down to its subject Name (tag, length, value
// views; no copies). Invariant: every read is bounds-checked and throws a plain Error on truncated or
// indefinite-length input (DER forbids it); callers turn that into their own error.

export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number
  /** Contents octets. */
  value: Buffer
  /** The whole TLV (identifier, length and contents), as Java's DerValue.toByteArray() gives it. */
  raw: Buffer
}

export const TAG = {
  INTEGER: 0x02,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  GENERAL_STRING: 0x1b,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

/** Reads the TLV at `offset`; returns it and the offset after it. */
export function readNode (buf: Buffer, offset: number): { node: DerNode, next: number } {
  if (offset + 2 > buf.length) throw new Error('truncated DER')
  const tag = buf[offset]
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported')
  let len = buf[offset + 1]
  let p = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new Error('bad DER length')
    if (p + n > buf.length) throw new Error('truncated DER')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]
    p += n
  }
  if (p + len > buf.length) throw new Error('truncated DER')
  return { node: { tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) }, next: p + len }
}

/** The children of a constructed node. */
export function children (node: DerNode): DerNode[] {
  const out: DerNode[] = []
  let p = 0
  while (p < node.value.length) {
    const { node: c, next } = readNode(node.value, p)
    out.push(c)
    p = next
  }
  return out
}

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents. */
export function oidString (value: Buffer): string {
  if (value.length === 0) throw new Error('empty OID')
  const parts: number[] = []
  let n = 0
  for (let i = 0; i < value.length; i++) {
    n = n * 128 + (value[i] & 0x7f)
    if ((value[i] & 0x80) === 0) {
      if (parts.length === 0) {
        const first = n < 40 ? 0 : n < 80 ? 1 : 2
        parts.push(first, n - first * 40)
      } else {
        parts.push(n)
      }
      n = 0
    }
  }
  return parts.join('.')
}
