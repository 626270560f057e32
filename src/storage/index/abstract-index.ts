// Common part of the sparse indexes of a segment (Kafka's AbstractIndex): fixed-size big-endian entries,
// held in memory in their file layout and written to the file whole.
//
// Memory, not mmap: Node has no mmap, so the entries live in a Buffer that grows by doubling, and
// writeTo() writes exactly `entries * entrySize` bytes (a file trimmed to its real entry count, which is
// what Kafka itself leaves on a clean close, so Kafka's DumpLogSegments reads it). The file is written when
// the segment rolls, on flush and on close; after an unclean stop the active segment's indexes are rebuilt
// from the .log anyway (indexes are never checksummed, the log is the truth).
// Capacity: `maxIndexSize` bytes (segment.index.bytes, default 10 MiB); a full index makes the log roll.
// Memory: an index with no entry holds no buffer (a shared empty one); the first append allocates 64 entries,
// then the buffer doubles. An idle partition's empty segment costs no index memory (issue 11: 100,000
// partitions).
// Threading: main thread only.
import { promises as fsp } from 'node:fs'

/** Shared by every index without entries: never written (reserve() replaces it before the first write). */
const NO_ENTRIES = Buffer.alloc(0)
import { injectedOpenError } from '../file-io.js'

export abstract class AbstractIndex {
  readonly file: string
  readonly baseOffset: number
  readonly maxEntries: number
  protected buf: Buffer
  protected n = 0
  /** Bumped on every change; compared with the version last written to the file. */
  private version = 1
  private writtenVersion = 0

  constructor (file: string, baseOffset: number, maxIndexSize: number, readonly entrySize: number) {
    this.file = file
    this.baseOffset = baseOffset
    this.maxEntries = Math.max(1, Math.floor(maxIndexSize / entrySize))
    this.buf = NO_ENTRIES
  }

  get entries (): number { return this.n }
  /** true when entries changed since the last writeTo() (or the file was never written). */
  get dirty (): boolean { return this.version !== this.writtenVersion }
  protected changed (): void { this.version++ }
  isFull (): boolean { return this.n >= this.maxEntries }
  get sizeInBytes (): number { return this.n * this.entrySize }

  /** Entries in their file layout (a view, valid until the next append). */
  bytes (): Buffer { return this.buf.subarray(0, this.n * this.entrySize) }

  protected reserve (): number {
    const need = (this.n + 1) * this.entrySize
    if (need > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(need, this.buf.length * 2, this.entrySize * 64))
      this.buf.copy(bigger, 0, 0, this.n * this.entrySize)
      this.buf = bigger
    }
    return this.n * this.entrySize
  }

  /** Greatest i with key(i) <= target, or -1 (binary search over sorted keys). */
  protected largestLowerBound (target: number, key: (i: number) => number): number {
    let lo = 0
    let hi = this.n - 1
    if (this.n === 0 || key(0) > target) return -1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (key(mid) <= target) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** Replaces the entries with the bytes of an index file, after checking they are sane; returns an error text or null. */
  loadFrom (data: Buffer): string | null {
    if (data.length % this.entrySize !== 0) {
      return `index file ${this.file} is ${data.length} bytes, not a multiple of the entry size ${this.entrySize}`
    }
    this.buf = data.length > 0 ? Buffer.from(data) : NO_ENTRIES
    this.n = data.length / this.entrySize
    this.writtenVersion = this.version
    const err = this.sanityCheck()
    if (err !== null) { this.reset(); return err }
    return null
  }

  /** Checks the entries are ordered and inside the segment; returns an error text or null. */
  protected abstract sanityCheck (): string | null

  reset (): void {
    this.n = 0
    this.changed()
  }

  /** Drops the entries from index `i` on. */
  protected truncateEntries (i: number): void {
    if (i < this.n) { this.n = i; this.changed() }
  }

  async load (): Promise<string | null> {
    let data: Buffer
    try {
      data = await fsp.readFile(this.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `index file ${this.file} is missing`
      throw err
    }
    return this.loadFrom(data)
  }

  /**
   * Writes the entries to the index file (trimmed: exactly entries * entrySize bytes), through a temporary
   * file and a rename, so that a crash leaves either the old or the new complete index.
   */
  async writeTo (): Promise<void> {
    const version = this.version
    const tmp = this.file + '.tmp'
    const injected = injectedOpenError(tmp) // tests: a process out of fds (file-io.ts fileFaults.open)
    if (injected !== null) throw injected
    try {
      await fsp.writeFile(tmp, Buffer.from(this.bytes()))
    } catch (err) {
      await fsp.rm(tmp, { force: true }) // a full disk: leave no partial temp file taking space
      throw err
    }
    await fsp.rename(tmp, this.file)
    this.writtenVersion = version
  }
}
