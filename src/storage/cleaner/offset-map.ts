// OffsetMap: key -> last offset of that key in the dirty section of a log (Kafka's OffsetMap /
// SkimpyOffsetMap), built by the cleaner before it recopies the log.
//
// Kafka stores a 16-byte MD5 of each key in a fixed-size open-addressing table (log.cleaner.dedupe.buffer.size)
// and accepts the tiny chance that two keys collide. Here the key bytes themselves are the map key (as a
// latin1 string: one char per byte, so distinct byte strings stay distinct): no collision can ever drop a
// live value. The bound is a number of entries (`maxEntries`, default 2,000,000: roughly 150-250 MB of
// worker heap for keys of a few dozen bytes); the cleaner stops indexing at the end of the segment where the
// map gets full and leaves the rest of the dirty section for the next round, as Kafka does.
// Invariants: put() is called in offset order, so get(key) is the largest offset seen for key; latestOffset is
// the largest offset put.
// Threading: one map per cleaning, inside the cleaner's worker thread.

export const DEFAULT_MAX_MAP_ENTRIES = 2_000_000

export class OffsetMap {
  private readonly map = new Map<string, number>()
  latestOffset = -1

  constructor (readonly maxEntries = DEFAULT_MAX_MAP_ENTRIES) {}

  get size (): number { return this.map.size }
  get full (): boolean { return this.map.size >= this.maxEntries }

  /** Records `offset` as the latest offset of the key in buf[start, start + length). */
  put (buf: Buffer, start: number, length: number, offset: number): void {
    this.map.set(buf.toString('latin1', start, start + length), offset)
    if (offset > this.latestOffset) this.latestOffset = offset
  }

  /** Latest offset of the key, or -1 if the key is not in the map. */
  get (buf: Buffer, start: number, length: number): number {
    return this.map.get(buf.toString('latin1', start, start + length)) ?? -1
  }

  clear (): void {
    this.map.clear()
    this.latestOffset = -1
  }
}
