// FetchMemory: the broker-wide budget of fetch bytes held in memory (fetch.max.memory.bytes): records read for
// Fetch responses from the moment they are read until the response has been handed to the socket, and the
// records of fetch read-ahead (fetch-readahead.ts) while they wait for their Fetch. Any front door that reads
// records for a client takes its share here first.
//
// take() grants up to what is asked when at least `min` fits, else 0 (the caller waits with onRelease() and asks
// again, or goes on without); force() charges bytes already read beyond a grant (one batch larger than the
// budget a Fetch was given: Kafka's rule that the first partition returns at least one whole batch).
// Invariants: used >= 0; used <= limit except for forced bytes. Read buffers come from a pool of power-of-two
// buffers (storage/read-buffers.ts), so the memory behind `used` bytes is at most 2 x used.
// Threading: main thread.

export class FetchMemory {
  private usedBytes = 0
  private waiters: Array<() => void> = []

  constructor (readonly limit: number) {}

  get used (): number {
    return this.usedBytes
  }

  /** Grants min(want, room) if that is at least `min` bytes (or want itself when smaller), else 0. */
  take (want: number, min: number): number {
    const room = this.limit - this.usedBytes
    const g = Math.min(want, room)
    if (g <= 0 || g < Math.min(min, want)) return 0
    this.usedBytes += g
    return g
  }

  /** Charges bytes already in memory (never refused). */
  force (n: number): void {
    if (n > 0) this.usedBytes += n
  }

  release (n: number): void {
    if (n <= 0) return
    this.usedBytes = Math.max(0, this.usedBytes - n)
    if (this.waiters.length === 0) return
    const w = this.waiters
    this.waiters = []
    for (const fn of w) fn()
  }

  /** Calls fn once, at the next release (spurious wake-ups are fine: the caller asks again). */
  onRelease (fn: () => void): void {
    this.waiters.push(fn)
  }

  /** Forgets a waiter that stopped waiting (timed out). */
  cancel (fn: () => void): void {
    const i = this.waiters.indexOf(fn)
    if (i >= 0) this.waiters.splice(i, 1)
  }
}
