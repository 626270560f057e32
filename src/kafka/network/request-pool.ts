// RequestPool: the broker-wide budget of request bytes being read (Kafka's queued.max.request.bytes memory pool),
// shared by every connection of every listener.
//
// A connection reserves a frame's announced size when it reads the frame's size prefix, before reading more of
// it (the frame's buffer itself grows only as bytes arrive: frame-reader.ts). A reservation that does not fit
// is refused: the connection stops reading and waits (waitForRoom) until released bytes make room, as Kafka
// mutes a channel whose receive cannot be allocated. Bytes already received (a frame wholly inside a chunk the
// socket delivered) are charged with take(), which never refuses: they are in memory already.
// Reservations are released when the request has been handled (its response completed) or when the
// connection closes, so a closed connection returns everything it held.
//
// Invariants: used >= 0; used <= limit except (a) bytes charged by take() and (b) one reservation larger than
// the whole limit, granted only when the pool is empty (else a frame of socket.request.max.bytes could never
// be read with a smaller pool). Waiters are woken in arrival order, each re-trying its reservation.
// Threading: main thread.

export class RequestPool {
  private usedBytes = 0
  private readonly waiters: Array<() => void> = []

  constructor (readonly limit: number) {}

  get used (): number {
    return this.usedBytes
  }

  /** Reserves n bytes if they fit (or the pool is empty); false: nothing reserved, wait for room. */
  tryReserve (n: number): boolean {
    if (this.usedBytes + n > this.limit && this.usedBytes > 0) return false
    this.usedBytes += n
    return true
  }

  /** Charges n bytes that are already in memory (never refused). */
  take (n: number): void {
    this.usedBytes += n
  }

  release (n: number): void {
    if (n <= 0) return
    this.usedBytes -= n
    if (this.usedBytes < 0) this.usedBytes = 0
    this.wake()
  }

  /** True when the pool is at or above its limit (a connection should stop reading). */
  get exhausted (): boolean {
    return this.usedBytes >= this.limit
  }

  /** Calls fn once, the next time bytes are released (the caller re-tries and waits again if need be). */
  waitForRoom (fn: () => void): void {
    this.waiters.push(fn)
  }

  /** Forgets a waiter (its connection closed). */
  cancel (fn: () => void): void {
    const i = this.waiters.indexOf(fn)
    if (i >= 0) this.waiters.splice(i, 1)
  }

  get waiting (): number {
    return this.waiters.length
  }

  private wake (): void {
    // woken in order; each may take the room again, later ones then re-register
    const n = this.waiters.length
    for (let i = 0; i < n && this.usedBytes < this.limit; i++) {
      const fn = this.waiters.shift() as () => void
      fn()
    }
  }
}
