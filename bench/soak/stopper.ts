// The one stop signal every soak actor loops on: each loop is `while (!stop.done)` with a sleep that ends
// early when the run stops, so every loop is bounded by the run's deadline (--minutes) and nothing outlives it.
// Invariant: stop() is idempotent; sleep() never outlasts a stop() by more than a timer turn.

export class Stopper {
  private stopped = false
  private readonly wakers = new Set<() => void>()

  get done (): boolean {
    return this.stopped
  }

  stop (): void {
    if (this.stopped) return
    this.stopped = true
    for (const wake of this.wakers) wake()
    this.wakers.clear()
  }

  /** Sleeps ms, or less when the run stops meanwhile. */
  async sleep (ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return
    await new Promise<void>(resolve => {
      const wake = (): void => {
        clearTimeout(timer)
        this.wakers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.wakers.add(wake)
    })
  }
}

/** A uniformly random integer in [lo, hi]. */
export function randInt (lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1))
}

/** Resolves with p's value, or rejects after ms naming what timed out (p keeps running). */
export async function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}
