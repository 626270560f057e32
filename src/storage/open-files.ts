// Open segment files: one process-wide LRU of the file descriptors of segment `.log` files, so that a
// partition holds no descriptor while nobody uses it (issue 11: one fd per partition ran a broker with
// 100,000 partitions out of descriptors). Kafka keeps every segment mmapped and open; Samsa caps them.
//
// A SegmentFile is one `.log` file, open or closed. acquire() opens it on demand (positional I/O only, so a
// reopened fd is as good as the first) and returns its fd; release() hands it back. While users > 0 the fd
// stays open: a read, a write, or an fdatasync in the Flusher's worker (the fd crosses to the worker as a
// plain number while the caller holds it) never sees it closed or its number reused. Once idle, the file
// joins the LRU; when more than `limit` fds are open, the least recently used idle ones are closed
// (closeSync: a close(2) of a regular file costs microseconds and keeps the count exact). Busy files are
// never evicted, so the count may pass the limit by the files in use at once (bounded by the requests in
// flight); they are closed as they become idle.
//
// Limit: log.open.files.max (config/definitions.ts), lowered to half the process's RLIMIT_NOFILE soft limit
// (read from /proc/self/limits on Linux; elsewhere the configured value is taken as is), so sockets, index
// writes and snapshot files always find descriptors. One cache per process on purpose: the descriptor limit
// is per process, whatever number of brokers the process embeds.
//
// Closing: close() waits for the users to leave, then forgets the fd before calling close(2), so a close
// that fails (EIO, EBADF) still releases the handle: it is never counted, retried or leaked.
// Renames (segment deletion to `*.deleted`): rename() changes the path later opens use; the caller holds the
// file while renaming it, so no open races the rename.
// Threading: main thread only.
import { close, closeSync, open, readFileSync } from 'node:fs'
import { injectedOpenError } from './file-io.js'

export class OpenFiles {
  /** Most fds kept open (idle ones beyond it are closed, least recently used first). */
  limit: number
  /** Fds currently open, busy or idle. */
  openCount = 0
  /** Opens and evictions since start (tests, metrics). */
  opens = 0
  evictions = 0
  /**
   * Idle open files, a doubly linked list through SegmentFile.lruPrev/lruNext: head = least recently used.
   * (Not a Map: V8 leaves a hole per deleted entry until the next rehash, and iterating from the front after
   * thousands of evictions skips them all.)
   */
  private head: SegmentFile | null = null
  private tail: SegmentFile | null = null
  idleCount = 0

  constructor (limit: number) {
    this.limit = limit
  }

  /** An fd was opened (or adopted) for `f`. */
  onOpened (f: SegmentFile): void {
    this.openCount++
    this.opens++
    if (f.users === 0) this.pushIdle(f)
    this.trim()
  }

  onBusy (f: SegmentFile): void { this.unlinkIdle(f) }

  onIdle (f: SegmentFile): void {
    this.pushIdle(f)
    this.trim()
  }

  /** `f` closed its fd itself (close()). */
  onClosed (f: SegmentFile): void {
    this.unlinkIdle(f)
    this.openCount--
  }

  /** Closes idle files, least recently used first, while more than `limit` fds are open. */
  trim (): void {
    while (this.openCount > this.limit && this.head !== null) {
      const f = this.head
      this.unlinkIdle(f)
      this.openCount--
      this.evictions++
      f.evicted()
    }
  }

  private pushIdle (f: SegmentFile): void {
    if (f.lruIdle) this.unlinkIdle(f)
    f.lruIdle = true
    f.lruPrev = this.tail
    f.lruNext = null
    if (this.tail !== null) this.tail.lruNext = f
    else this.head = f
    this.tail = f
    this.idleCount++
  }

  private unlinkIdle (f: SegmentFile): void {
    if (!f.lruIdle) return
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext
    else this.head = f.lruNext
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev
    else this.tail = f.lruPrev
    f.lruPrev = f.lruNext = null
    f.lruIdle = false
    this.idleCount--
  }
}

/**
 * Half the soft RLIMIT_NOFILE of this process (Linux: /proc/self/limits), or null when unknown (other systems,
 * or "unlimited").
 */
export function fdLimitShare (): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m === null ? null : Math.max(16, Math.floor(Number(m[1]) / 2))
  } catch {
    return null
  }
}

/** log.open.files.max lowered to half the process's fd limit when that is smaller. */
export function effectiveOpenFilesLimit (configured: number): number {
  const share = fdLimitShare()
  return share === null ? configured : Math.min(configured, share)
}

/** The process-wide cache (its limit is set by LogManager.open from log.open.files.max). */
export const openFiles = new OpenFiles(1000)

export class SegmentFile {
  path: string
  /** The open fd, or -1 while closed. */
  private fd = -1
  users = 0
  /** Links of the cache's idle list (OpenFiles only). */
  lruPrev: SegmentFile | null = null
  lruNext: SegmentFile | null = null
  lruIdle = false
  private opening: Promise<number> | null = null
  private closed = false
  private idleWaiters: Array<() => void> = []

  /** `fd`: an fd already open on `path` (a segment just created), adopted by the cache. */
  constructor (path: string, fd = -1, private readonly cache: OpenFiles = openFiles) {
    this.path = path
    if (fd >= 0) {
      this.fd = fd
      cache.onOpened(this)
    }
  }

  get isOpen (): boolean { return this.fd >= 0 }

  /** The fd, opened if needed; held open until release(). */
  acquire (): Promise<number> {
    if (this.closed) return Promise.reject(new Error(`segment file ${this.path} is closed`))
    this.users++
    if (this.fd >= 0) {
      if (this.users === 1) this.cache.onBusy(this)
      return Promise.resolve(this.fd)
    }
    this.opening ??= this.openNow()
    return this.opening.catch((err: unknown) => {
      this.release()
      throw err
    })
  }

  private openNow (): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const injected = injectedOpenError(this.path)
      if (injected !== null) { reject(injected); return }
      open(this.path, 'r+', (err, fd) => {
        if (err !== null) { reject(err); return }
        resolve(fd)
      })
    }).then(fd => {
      this.opening = null
      this.fd = fd
      this.cache.onOpened(this)
      return fd
    }, (err: NodeJS.ErrnoException) => {
      this.opening = null
      const e: NodeJS.ErrnoException = new Error(`opening segment file ${this.path} failed: ${err.message}`, { cause: err })
      e.code = err.code
      throw e
    })
  }

  release (): void {
    if (this.users <= 0) throw new Error(`segment file ${this.path}: release() without acquire()`)
    if (--this.users > 0) return
    if (this.fd >= 0 && !this.closed) this.cache.onIdle(this)
    const waiting = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiting) w()
  }

  /** Called by the cache: the fd is closed to make room (the file is idle). */
  evicted (): void {
    const fd = this.fd
    this.fd = -1
    try { closeSync(fd) } catch { /* the fd is released by close(2) whatever it reports */ }
  }

  /** Later opens use `path` (the file was renamed while held). */
  rename (path: string): void { this.path = path }

  /** Resolves once no read, write or sync uses the fd. */
  async waitIdle (): Promise<void> {
    while (this.users > 0) await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  /**
   * Refuses new users, waits for the current ones, closes the fd. The handle is released first: a close(2) that
   * fails still leaves nothing open or counted; its error is thrown after.
   */
  async close (): Promise<void> {
    this.closed = true
    await this.waitIdle()
    if (this.fd < 0) return
    const fd = this.fd
    this.fd = -1
    this.cache.onClosed(this)
    await new Promise<void>((resolve, reject) => { close(fd, err => { if (err !== null) reject(err); else resolve() }) })
  }
}
