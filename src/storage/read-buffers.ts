// A pool of large read buffers for fetches. Fetch reads whole batches into buffers that the network layer
// hands to the socket without copying; allocating a fresh multi-MiB buffer per read made V8 run a full GC
// every few fetches (external memory pressure: 41-45% of fetch CPU in the benchmark's profile). Buffers are
// returned with releaseReadBuffer() once the response holding views of them has been written; a buffer never
// returned (an error, a reader that keeps it) is simply left to the garbage collector. The batch walks of
// file-batches.ts take their windows here too (recovery, index checks, the cleaner) and give them back at the end.
//
// Invariants: a released buffer has no live view left (the caller's contract); free buffers are grouped by
// power-of-two capacity from MIN_POOLED up; at most MAX_FREE_BYTES sit in the free lists. Reads below
// MIN_POOLED use ordinary (slab-pooled) allocations. Threading: main thread only.

export const MIN_POOLED = 64 * 1024
export const MAX_FREE_BYTES = 64 * 1024 * 1024

const free = new Map<number, Buffer[]>()
let freeBytes = 0

function capacityFor (length: number): number {
  let c = MIN_POOLED
  while (c < length) c *= 2
  return c
}

/** A buffer of at least `length` bytes (uninitialised); pooled when length >= MIN_POOLED. */
export function acquireReadBuffer (length: number): Buffer {
  if (length < MIN_POOLED) return Buffer.allocUnsafe(length)
  const cap = capacityFor(length)
  const list = free.get(cap)
  const reused = list?.pop()
  if (reused !== undefined) {
    freeBytes -= cap
    return reused
  }
  return Buffer.allocUnsafeSlow(cap)
}

/** Returns a buffer obtained from acquireReadBuffer (the whole buffer, not a view). */
export function releaseReadBuffer (buf: Buffer): void {
  const cap = buf.length
  if (cap < MIN_POOLED || (cap & (cap - 1)) !== 0 || freeBytes + cap > MAX_FREE_BYTES) return
  let list = free.get(cap)
  if (list === undefined) {
    list = []
    free.set(cap, list)
  }
  list.push(buf)
  freeBytes += cap
}

/** Bytes currently held in the free lists (tests, metrics). */
export function pooledFreeBytes (): number {
  return freeBytes
}
