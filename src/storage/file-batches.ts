// FileBatches: the one walk over the RecordBatch headers of a file region [from, end) (Kafka's FileRecords
// batch iterator): the checks of protocol/records/batch-cursor.ts (End, TruncatedHeader, SizeBelowMinimum,
// SizeAboveMaximum, BadMagic, TruncatedBatch, BadCrc, in that order; the first failure stops the walk at that
// batch's position, where recovery truncates) over bytes fetched by positional reads into a window. Used by
// segment recovery, index checks, reads, time lookups and truncation, the log loader, the cleaner and
// `samsa dump-log`.
//
// File bytes: RecordBatch v2 back to back (segments/README.md), legacy magic 0/1 entries stepped over by length.
// Window: a read fetches max(windowBytes, the bytes needed) from the current batch on, never past `end`; a
// batch is parsed from the window without copying. next() needs the header (61 bytes) in the window, and the
// whole batch when checking CRCs or with wholeBatches; a file shorter than `end` ends the region where the
// bytes end (a truncated header or batch at that point).
// Buffers: with keepViews every read takes a new pooled buffer (read-buffers.ts), so views of earlier
// batches stay valid until release() hands them all back (reads returned to a Fetch). Without it one pooled
// buffer is reused (grown for a batch larger than the window) and release() returns it: memory stays at one
// window whatever the region's size. Not calling release() is safe (the garbage collector takes the buffers);
// `pooled: false` takes plain allocations instead (an offline tool whose results keep views).
// I/O: async by default: next() returns false with state NeedsRead when bytes must be read, and
//   while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) { ... }
// walks the region awaiting only when a read is due (no promise per batch). With `sync` (worker threads,
// offline tools) next() reads inline with readSync. Nothing is allocated per batch either way.
// Threading: one walk, one caller; the fd must stay open during the walk (LogSegment.acquire for shared fds).
import { readSync } from 'node:fs'
import { BatchCursor, CursorState, type BatchCursorOptions } from '../protocol/records/batch-cursor.js'
import { RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.js'
import { readInto } from './file-io.js'
import { acquireReadBuffer, releaseReadBuffer } from './read-buffers.js'

export interface FileBatchesOptions extends BatchCursorOptions {
  /** Bytes per positional read (more when one batch needs more). */
  windowBytes: number
  /** Views of earlier batches stay valid after later reads (each read takes its own buffer). */
  keepViews?: boolean
  /** Buffers come from read-buffers.ts (default); false: plain allocations left to the garbage collector. */
  pooled?: boolean
  /** next() brings each whole batch into the window, not only its header. */
  wholeBatches?: boolean
  /** Read with readSync inside next() instead of returning NeedsRead. */
  sync?: boolean
}

export class FileBatches extends BatchCursor {
  private readonly windowBytes: number
  private readonly keepViews: boolean
  private readonly wholeBatches: boolean
  private readonly sync: boolean
  private readonly pooled: boolean
  /** File position of buf[0]; buf holds the window's valid bytes only. */
  private winStart = 0
  /** Bytes the pending read must bring, from position. */
  private want = 0
  private reused: Buffer | null = null
  private readonly owned: Buffer[] = []

  constructor (readonly fd: number, opts: FileBatchesOptions) {
    super(opts)
    this.windowBytes = opts.windowBytes
    this.keepViews = opts.keepViews === true
    this.wholeBatches = opts.wholeBatches === true
    this.sync = opts.sync === true
    this.pooled = opts.pooled !== false
  }

  /** Walks the batches of the file region [from, end) from the first. */
  open (from: number, end: number): this {
    this.position = from
    this.end = end
    this.size = -1
    this.state = CursorState.Start
    return this
  }

  override next (): boolean {
    if (this.state === CursorState.Batch) this.position += this.size
    else if (this.state !== CursorState.Start && this.state !== CursorState.NeedsRead) return false
    return this.step()
  }

  /** Does the read next() asked for (state NeedsRead), then goes on as next() does. */
  async read (): Promise<boolean> {
    // a header read can reveal a batch larger than the window: read again until the check has its bytes
    do await this.fill(this.position, this.want)
    while (!this.step() && this.state === CursorState.NeedsRead)
    return this.state === CursorState.Batch
  }

  /** Whether the whole current batch is in the window (else loadBatch()). */
  get hasWholeBatch (): boolean { return this.inWindow(this.position, this.size) }

  /** Brings the whole current batch into the window; false if the file ends first. */
  async loadBatch (): Promise<boolean> {
    if (this.inWindow(this.position, this.size)) return true
    await this.fill(this.position, this.size)
    return this.inWindow(this.position, this.size)
  }

  /** Returns the buffers this walk took to the pool; views of them must be dead by then. */
  release = (): void => {
    for (const b of this.owned) releaseReadBuffer(b)
    this.owned.length = 0
    if (this.reused !== null && this.pooled) releaseReadBuffer(this.reused)
    this.reused = null
  }

  private step (): boolean {
    for (;;) {
      const left = this.end - this.position
      const need = left < RECORD_BATCH_OVERHEAD ? left : RECORD_BATCH_OVERHEAD
      if (need > 0 && !this.inWindow(this.position, need)) {
        if (this.needRead(need)) continue
        return false
      }
      let state = this.readHeader(this.buf, this.position - this.winStart, left)
      if (state === CursorState.Batch && (this.checkCrc || this.wholeBatches)) {
        if (!this.inWindow(this.position, this.size)) {
          if (this.needRead(this.size)) continue
          return false
        }
        if (this.checkCrc) state = this.verifyCrc()
      }
      this.state = state
      return state === CursorState.Batch
    }
  }

  /** Sync: reads now and returns true (step again). Async: leaves the read to read() and returns false. */
  private needRead (n: number): boolean {
    this.want = n
    if (this.sync) {
      this.fillSync(this.position, n)
      return true
    }
    this.state = CursorState.NeedsRead
    return false
  }

  private inWindow (pos: number, n: number): boolean {
    return pos >= this.winStart && pos + n <= this.winStart + this.buf.length
  }

  private target (len: number): Buffer {
    if (this.keepViews) {
      if (!this.pooled) return Buffer.allocUnsafe(len)
      const b = acquireReadBuffer(len)
      this.owned.push(b)
      return b
    }
    if (this.reused === null || this.reused.length < len) {
      if (this.reused !== null && this.pooled) releaseReadBuffer(this.reused)
      this.reused = this.pooled ? acquireReadBuffer(len) : Buffer.allocUnsafe(len)
    }
    return this.reused
  }

  private async fill (pos: number, n: number): Promise<void> {
    const len = Math.min(this.end - pos, Math.max(n, this.windowBytes))
    this.filled(pos, await readInto(this.fd, this.target(len), pos, len), len)
  }

  private fillSync (pos: number, n: number): void {
    const len = Math.min(this.end - pos, Math.max(n, this.windowBytes))
    const target = this.target(len)
    let got = 0
    while (got < len) {
      const r = readSync(this.fd, target, got, len - got, pos + got)
      if (r === 0) break
      got += r
    }
    this.filled(pos, target.subarray(0, got), len)
  }

  private filled (pos: number, bytes: Buffer, asked: number): void {
    this.buf = bytes
    this.winStart = pos
    this.offset = this.position - pos
    // the file is shorter than the region said: the region ends where its bytes do
    if (bytes.length < asked) this.end = pos + bytes.length
  }
}
