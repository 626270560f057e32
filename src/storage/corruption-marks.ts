// Corruption marks: the batches of open segments known to be damaged, by file position, with what is wrong.
// Set by whoever finds the damage first (a fetch's read in log.ts, the scrubber); read by LogSegment.read,
// which stops before a marked batch (so a batch the scrubber condemned is never served, even with
// log.fetch.check.crcs=false), and used to log each damaged batch once per segment and position, not once per
// fetch (a consumer retries the same offset for as long as it runs).
//
// Keyed by the segment object (a WeakMap): marks go with it when it is deleted or replaced by a compaction
// swap, and a restart re-finds the damage (the fetch check or the scrubber). Bounded: at most
// MAX_MARKS_PER_SEGMENT positions per segment (beyond, the segment is already known to be badly damaged; the
// fetch check still refuses each bad batch, but no longer logs it).
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
