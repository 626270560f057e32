// Time for the group coordinator: a Clock (now + one-shot timers) and KeyedTimers, Kafka's coordinator
// timer idiom (schedule(key, delay, fn) replaces whatever was scheduled under that key; cancel(key)).
//
// Every timeout the coordinator enforces goes through here (member session expiry, pending-member expiry,
// the join phase's rebalance timeout, the initial rebalance delay, the pending-sync timeout, offset
// expiration), so tests drive them with ManualClock.advance() instead of sleeping.
//
// Invariants: a cancelled or replaced timer never runs; ManualClock fires due timers in deadline order
// (ties in scheduling order) and timers scheduled while advancing run in the same advance() if they fall
// due within it. The system clock's timers are unref'd: a coordinator never keeps the process alive.

export interface TimerHandle {
  cancel: () => void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now: () => number
  /** Runs fn once after delayMs (>= 0). */
  schedule: (delayMs: number, fn: () => void) => TimerHandle
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule (delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs))
    t.unref()
    return { cancel: () => clearTimeout(t) }
  }
}

interface ManualTimer { deadline: number, seq: number, fn: () => void, cancelled: boolean }

/** A clock that only moves when told to: for tests of timeouts without sleeping. */
export class ManualClock implements Clock {
  private time: number
  private seq = 0
  private timers: ManualTimer[] = []

  constructor (start = 1_700_000_000_000) {
    this.time = start
  }

  now (): number {
    return this.time
  }

  schedule (delayMs: number, fn: () => void): TimerHandle {
    const t: ManualTimer = { deadline: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false }
    this.timers.push(t)
    return { cancel: () => { t.cancelled = true } }
  }

  /** Number of timers still scheduled. */
  get pending (): number {
    return this.timers.filter(t => !t.cancelled).length
  }

  /** Moves time forward by ms, running every timer that falls due, in deadline order. */
  advance (ms: number): void {
    const end = this.time + ms
    for (;;) {
      this.timers = this.timers.filter(t => !t.cancelled)
      let next: ManualTimer | undefined
      for (const t of this.timers) {
        if (t.deadline <= end && (next === undefined || t.deadline < next.deadline || (t.deadline === next.deadline && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.time = Math.max(this.time, next.deadline)
      next.cancelled = true
      next.fn()
    }
    this.time = end
  }
}

/** Timers by key: scheduling under a key replaces the timer that key had. */
export class KeyedTimers {
  private readonly timers = new Map<string, TimerHandle>()

  constructor (private readonly clock: Clock) {}

  schedule (key: string, delayMs: number, fn: () => void): void {
    this.timers.get(key)?.cancel()
    const handle = this.clock.schedule(delayMs, () => {
      if (this.timers.get(key) === handle) this.timers.delete(key)
      fn()
    })
    this.timers.set(key, handle)
  }

  cancel (key: string): void {
    const t = this.timers.get(key)
    if (t !== undefined) {
      t.cancel()
      this.timers.delete(key)
    }
  }

  has (key: string): boolean {
    return this.timers.has(key)
  }

  get size (): number {
    return this.timers.size
  }

  cancelAll (): void {
    for (const t of this.timers.values()) t.cancel()
    this.timers.clear()
  }
}
