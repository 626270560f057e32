// The fetch purgatory: long polls wait here until one of their partitions' high watermark advances or their
// time is up. No polling loop: each waiting fetch registers on the partition logs' 'highWatermark' events.
//
// Invariant: a waiter is removed from every log it watches exactly once (on wake-up or timeout), and a log's
// listener is removed when its last waiter leaves, so idle partitions carry no listeners.
import type { PartitionLog } from '../storage/log.js'

interface Waiter {
  logs: PartitionLog[]
  timer: NodeJS.Timeout
  resolve: () => void
}

export class FetchPurgatory {
  private readonly waiters = new Map<PartitionLog, Set<Waiter>>()
  private readonly listeners = new Map<PartitionLog, () => void>()

  /** Number of fetches parked right now (for tests and metrics). */
  get size (): number {
    const all = new Set<Waiter>()
    for (const set of this.waiters.values()) for (const w of set) all.add(w)
    return all.size
  }

  /** Resolves when any of the logs' high watermark advances, or after timeoutMs. */
  waitForData (logs: PartitionLog[], timeoutMs: number): Promise<void> {
    return new Promise(resolve => {
      const waiter: Waiter = {
        logs,
        timer: setTimeout(() => this.wake(waiter), Math.max(0, timeoutMs)),
        resolve
      }
      for (const log of logs) {
        let set = this.waiters.get(log)
        if (set === undefined) {
          set = new Set()
          this.waiters.set(log, set)
          const listener = (): void => this.onAdvance(log)
          this.listeners.set(log, listener)
          log.on('highWatermark', listener)
        }
        set.add(waiter)
      }
    })
  }

  /** Wakes every waiter (broker shutdown). */
  wakeAll (): void {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) this.wake(w)
  }

  private onAdvance (log: PartitionLog): void {
    const set = this.waiters.get(log)
    if (set === undefined) return
    for (const w of [...set]) this.wake(w)
  }

  private wake (w: Waiter): void {
    clearTimeout(w.timer)
    for (const log of w.logs) {
      const set = this.waiters.get(log)
      if (set === undefined || !set.delete(w)) continue
      if (set.size === 0) {
        this.waiters.delete(log)
        const listener = this.listeners.get(log)
        if (listener !== undefined) log.off('highWatermark', listener)
        this.listeners.delete(log)
      }
    }
    w.resolve()
  }
}
