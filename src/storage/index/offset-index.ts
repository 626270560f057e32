// Offset index (<base>.index): maps offsets to .log file positions, sparsely.
//
//   entry (8 bytes, big-endian): int32 relativeOffset (offset - segment base offset), int32 position in .log
//
// One entry is added per ~index.interval.bytes (4096) of appended log, for the *last* offset of the batch
// appended at `position` (as Kafka does). Invariants: relative offsets strictly increase, positions do not
// decrease. lookup(target) returns the greatest entry with offset <= target (or base offset / position 0);
// the caller then scans batch headers forward from that position. Rebuilt after a crash, never checksummed.
import { AbstractIndex } from './abstract-index.js'

export const OFFSET_INDEX_ENTRY_SIZE = 8

export interface OffsetPosition { offset: number; position: number }

export class OffsetIndex extends AbstractIndex {
  constructor (file: string, baseOffset: number, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE)
  }

  relativeOffset (i: number): number { return this.buf.readInt32BE(i * 8) }
  physical (i: number): number { return this.buf.readInt32BE(i * 8 + 4) }
  entry (i: number): OffsetPosition { return { offset: this.baseOffset + this.relativeOffset(i), position: this.physical(i) } }

  lastEntry (): OffsetPosition {
    return this.n === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.n - 1)
  }

  append (offset: number, position: number): void {
    const rel = offset - this.baseOffset
    if (rel < 0 || rel > 0x7fffffff) throw new RangeError(`offset index ${this.file}: offset ${offset} is outside [${this.baseOffset}, ${this.baseOffset + 0x7fffffff}]`)
    if (this.n > 0) {
      const last = this.lastEntry()
      if (offset <= last.offset) throw new RangeError(`offset index ${this.file}: appended offset ${offset} must be larger than the last entry's ${last.offset}`)
      if (position < last.position) throw new RangeError(`offset index ${this.file}: appended position ${position} must be >= the last entry's ${last.position}`)
    }
    if (this.isFull()) throw new RangeError(`offset index ${this.file} is full (${this.n} entries)`)
    const at = this.reserve()
    this.buf.writeInt32BE(rel, at)
    this.buf.writeInt32BE(position, at + 4)
    this.n++
    this.changed()
  }

  /** Greatest entry with offset <= target; { baseOffset, 0 } if none. */
  lookup (target: number): OffsetPosition {
    const i = this.largestLowerBound(target - this.baseOffset, j => this.relativeOffset(j))
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i)
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo (offset: number): void {
    const i = this.largestLowerBound(offset - this.baseOffset - 1, j => this.relativeOffset(j))
    this.truncateEntries(i + 1)
  }

  /** Removes entries pointing at or past `position` in the log. */
  truncateToPosition (position: number): void {
    let i = this.n
    while (i > 0 && this.physical(i - 1) >= position) i--
    this.truncateEntries(i)
  }

  protected sanityCheck (): string | null {
    let prevRel = -1
    let prevPos = -1
    for (let i = 0; i < this.n; i++) {
      const rel = this.relativeOffset(i)
      const pos = this.physical(i)
      if (rel <= prevRel && !(i === 0 && rel === 0)) return `offset index ${this.file}: entry ${i} has relative offset ${rel}, expected > ${prevRel}`
      if (pos < prevPos || pos < 0) return `offset index ${this.file}: entry ${i} has position ${pos}, expected >= ${Math.max(prevPos, 0)}`
      prevRel = rel
      prevPos = pos
    }
    return null
  }
}
