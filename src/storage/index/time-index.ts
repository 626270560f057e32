// Time index (<base>.timeindex): maps timestamps to offsets, sparsely.
//
//   entry (12 bytes, big-endian): int64 timestamp (largest batch maxTimestamp so far in the segment),
//                                 int32 relativeOffset (of the batch holding that timestamp: its last offset)
//
// Appended next to each offset-index entry, and once more when the segment becomes inactive, but only when
// the timestamp is larger than the last entry's (Kafka's maybeAppend). Invariants: timestamps strictly
// increase, offsets do not decrease. lookup(ts) returns the greatest entry with timestamp <= ts (or
// { -1, baseOffset }). The last entry holds the segment's largest timestamp once the segment is inactive.
import { AbstractIndex } from './abstract-index.js'

export const TIME_INDEX_ENTRY_SIZE = 12

export interface TimestampOffset { timestamp: number; offset: number }

export class TimeIndex extends AbstractIndex {
  constructor (file: string, baseOffset: number, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE)
  }

  timestampAt (i: number): number { return Number(this.buf.readBigInt64BE(i * 12)) }
  relativeOffset (i: number): number { return this.buf.readInt32BE(i * 12 + 8) }
  entry (i: number): TimestampOffset { return { timestamp: this.timestampAt(i), offset: this.baseOffset + this.relativeOffset(i) } }

  lastEntry (): TimestampOffset {
    return this.n === 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(this.n - 1)
  }

  /** Appends (timestamp, offset) if timestamp is larger than the last entry's. */
  maybeAppend (timestamp: number, offset: number, skipFullCheck = false): void {
    if (this.n > 0) {
      const last = this.lastEntry()
      if (offset < last.offset) throw new RangeError(`time index ${this.file}: offset ${offset} is below the last entry's ${last.offset}`)
      if (timestamp <= last.timestamp) return
    }
    if (!skipFullCheck && this.isFull()) throw new RangeError(`time index ${this.file} is full (${this.n} entries)`)
    const rel = offset - this.baseOffset
    if (rel < 0 || rel > 0x7fffffff) throw new RangeError(`time index ${this.file}: offset ${offset} is outside [${this.baseOffset}, ${this.baseOffset + 0x7fffffff}]`)
    const at = this.reserve()
    this.buf.writeBigInt64BE(BigInt(timestamp), at)
    this.buf.writeInt32BE(rel, at + 8)
    this.n++
    this.changed()
  }

  /** Greatest entry with timestamp <= ts; { -1, baseOffset } if none. */
  lookup (ts: number): TimestampOffset {
    const i = this.largestLowerBound(ts, j => this.timestampAt(j))
    return i < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(i)
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo (offset: number): void {
    let i = this.n
    while (i > 0 && this.baseOffset + this.relativeOffset(i - 1) >= offset) i--
    this.truncateEntries(i)
  }

  protected sanityCheck (): string | null {
    let prevTs = -Infinity
    let prevRel = -1
    for (let i = 0; i < this.n; i++) {
      const ts = this.timestampAt(i)
      const rel = this.relativeOffset(i)
      if (ts <= prevTs) return `time index ${this.file}: entry ${i} has timestamp ${ts}, expected > ${prevTs}`
      if (rel < prevRel || rel < 0) return `time index ${this.file}: entry ${i} has relative offset ${rel}, expected >= ${Math.max(prevRel, 0)}`
      prevTs = ts
      prevRel = rel
    }
    return null
  }
}
