// A core service that is created on first use (its code and its state load after the listener is up, so a
// broker answers its first requests sooner): the group coordinator, the transaction coordinator.
//
// get() creates it once and resolves when it is ready; concurrent callers share one creation. A creation that
// fails is not cached: the next get() tries again (e.g. __transaction_state unreadable for a moment).
// current is the service once ready, null before. settled() waits for a creation already under way and never
// starts one (read_committed fetches wait for a transaction coordinator that is loading, but never load it).
// Threading: main thread.

export class Lazy<T> {
  private pending: Promise<T> | null = null
  private ready: T | null = null

  constructor (private readonly create: () => Promise<T>) {}

  get (): Promise<T> {
    if (this.ready !== null) return Promise.resolve(this.ready)
    if (this.pending === null) {
      const p = this.create().then(v => {
        if (this.pending === p) this.ready = v
        return v
      })
      this.pending = p
      p.catch(() => { if (this.pending === p) this.pending = null })
    }
    return this.pending
  }

  /** The service once ready, else null. */
  get current (): T | null { return this.ready }

  /** Whether a creation has started (and has not failed). */
  get started (): boolean { return this.pending !== null }

  /** Resolves once a creation under way has settled (at once if none started); never rejects. */
  async settled (): Promise<void> {
    if (this.pending !== null) await this.pending.catch(() => null)
  }
}
