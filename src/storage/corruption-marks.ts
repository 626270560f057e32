// What is known about the bytes of open segments: the batches known to be damaged (marks), and the byte range
// whose CRCs were already verified in this process (so a fetch checks each batch's CRC32C once, not per read).
//
// Marks: the batches known to be damaged, by file position, with what is wrong.
// Set by whoever finds the damage first (a fetch's read in log.ts, the scrubber); read by LogSegment.read,
// which stops before a marked batch (so a batch the scrubber condemned is never served, even with
// log.fetch.check.crcs=false), and used to log each damaged batch once per segment and position, not once per
// fetch (a consumer retries the same offset for as long as it runs).
//
// Keyed by the segment object (a WeakMap): marks go with it when it is deleted or replaced by a compaction
// swap, and a restart re-finds the damage (the fetch check or the scrubber). Bounded: at most
// MAX_MARKS_PER_SEGMENT positions per segment (beyond, the segment is already known to be badly damaged; the
// fetch check still refuses each bad batch, but no longer logs it).
// Verified range: one run [lo, hi) of file positions per segment whose batches passed their CRC32C in this
// process (LogSegment.read skips the CRC for a batch inside it); a run verified next to it or overlapping it
// extends it, a longer run elsewhere replaces it. A segment created by this process is verified as a whole
// (markAllVerified): every batch appended to it passed its CRC when it was produced (the append path checks
// it natively before writing) or got its CRC from the broker (LogAppendTime). What this does not cover:
// bytes changed on disk after they were checked in this process (the page cache keeps serving what was
// checked; bit rot on the platter shows when the scrubber or the next process reads the file).
// Threading: main thread.

export const MAX_MARKS_PER_SEGMENT = 1024

const marks = new WeakMap<object, Map<number, string>>()

/** Marks the batch at `position` of `segment` damaged; true if it was not marked before (the caller logs it then). */
export function markCorrupt (segment: object, position: number, reason: string): boolean {
  let m = marks.get(segment)
  if (m === undefined) marks.set(segment, m = new Map())
  if (m.has(position) || m.size >= MAX_MARKS_PER_SEGMENT) return false
  m.set(position, reason)
  return true
}

/** The damaged positions of `segment` (position -> reason), or undefined when none is known. */
export function corruptionMarks (segment: object): ReadonlyMap<number, string> | undefined {
  return marks.get(segment)
}

interface Range { lo: number; hi: number }
const verified = new WeakMap<object, Range>()

/** Every batch of `segment`, present and future, counts as verified (a segment this process created). */
export function markAllVerified (segment: object): void {
  verified.set(segment, { lo: 0, hi: Infinity })
}

/** Whether the bytes [position, end) of `segment` were verified in this process. */
export function isVerified (segment: object, position: number, end: number): boolean {
  const r = verified.get(segment)
  return r !== undefined && r.lo <= position && end <= r.hi
}

/** Records that the batches in [lo, hi) of `segment` passed their CRC32C. */
export function markVerified (segment: object, lo: number, hi: number): void {
  if (hi <= lo) return
  const r = verified.get(segment)
  if (r === undefined) { verified.set(segment, { lo, hi }); return }
  if (lo <= r.hi && hi >= r.lo) {
    r.lo = Math.min(r.lo, lo)
    r.hi = Math.max(r.hi, hi)
  } else if (hi - lo > r.hi - r.lo) {
    r.lo = lo
    r.hi = hi
  }
}
