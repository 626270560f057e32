// Flusher: fsync (fdatasync) off the event loop, with group commit per file descriptor.
//
// Group commit: sync(fd) resolves once an fdatasync of fd that *started after the call* completes. While one
// fdatasync of fd is running, further callers wait together for the next one, so N appends arriving during
// a sync cost one more fdatasync, not N. Invariant: one fdatasync in flight per fd at most; one covers every
// write to fd that completed before it started (callers call sync() after their write completed).
// Fds are keyed by number: callers hold the segment file open (open-files.ts SegmentFile.acquire) from their
// write until their sync() settles, so while a sync of an fd is pending or running its number names one file;
// the LRU may close and reuse the number only after every caller released it.
//
// Threading: the fdatasync calls run in a small piscina pool, not in libuv's threadpool, so a slow disk
// cannot occupy the 4 libuv threads that the writes and fetch reads of every partition share.
// mode 'never' (the explicitly unsafe mode): sync() resolves at once and no thread is started.
// Fault injection: file-io.ts `fileFaults.fsync` is consulted on the main thread before each fdatasync.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Piscina } from 'piscina'
import type { Logger } from '../../logger.js'
import { fileFaults } from '../file-io.js'

interface Waiter { resolve: () => void; reject: (err: Error) => void }
interface FdState { running: boolean; next: Waiter[] }

function workerFilename (): string {
  // Compiled: fsync-worker.js beside this file. From sources (tests under a TS loader): fsync-worker.ts.
  const js = fileURLToPath(new URL('./fsync-worker.js', import.meta.url))
  if (existsSync(js)) return js
  return fileURLToPath(new URL('./fsync-worker.ts', import.meta.url))
}

export interface FlusherOptions {
  mode: 'always' | 'never'
  logger: Logger
  /** Threads of the pool: concurrent fdatasyncs of different files. Default 4. */
  maxThreads?: number
  /** Replaces the fdatasync call (fault injection in tests). */
  syncImpl?: (fd: number) => Promise<void>
}

export class Flusher {
  readonly mode: 'always' | 'never'
  private readonly logger: Logger
  private readonly maxThreads: number
  /** Created on the first fdatasync; piscina itself is imported then too (it costs ~17 ms at start). */
  private pool: Promise<Piscina> | null = null
  private readonly fds = new Map<number, FdState>()
  private closed = false
  private readonly syncImpl: ((fd: number) => Promise<void>) | undefined
  /** fdatasync calls made (for tests and metrics). */
  syncCount = 0

  constructor (opts: FlusherOptions) {
    this.mode = opts.mode
    this.logger = opts.logger
    this.maxThreads = opts.maxThreads ?? 4
    this.syncImpl = opts.syncImpl
  }

  sync (fd: number): Promise<void> {
    if (this.mode === 'never') return Promise.resolve()
    if (this.closed) return Promise.reject(new Error(`flusher closed: cannot fsync fd ${fd}`))
    let state = this.fds.get(fd)
    if (state === undefined) {
      state = { running: false, next: [] }
      this.fds.set(fd, state)
    }
    const st = state
    const p = new Promise<void>((resolve, reject) => { st.next.push({ resolve, reject }) })
    if (!st.running) this.start(fd, st)
    return p
  }

  private runSync (fd: number): Promise<void> {
    if (this.syncImpl !== undefined) return this.syncImpl(fd)
    if (fileFaults.fsync !== null) {
      const injected = fileFaults.fsync(fd)
      if (injected !== null) return Promise.reject(injected)
    }
    this.pool ??= import('piscina').then(({ Piscina }) =>
      new Piscina({ filename: workerFilename(), minThreads: 1, maxThreads: this.maxThreads, idleTimeout: 30_000 }))
    return this.pool.then(pool => pool.run({ fd }) as Promise<void>)
  }

  private start (fd: number, st: FdState): void {
    const waiters = st.next
    st.next = []
    st.running = true
    this.syncCount++
    this.runSync(fd).then(() => {
      for (const w of waiters) w.resolve()
    }, (err: Error) => {
      this.logger.error({ err, fd }, 'fdatasync failed')
      for (const w of waiters) w.reject(err)
    }).finally(() => {
      st.running = false
      if (st.next.length > 0) this.start(fd, st)
      else this.fds.delete(fd)
    })
  }

  /** Waits for the syncs in flight, then stops the threads. */
  async close (): Promise<void> {
    if (this.closed) return
    while (this.fds.size > 0) {
      await new Promise(resolve => setTimeout(resolve, 1))
    }
    this.closed = true
    if (this.pool !== null) await (await this.pool).destroy()
    this.pool = null
  }
}
