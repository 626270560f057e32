// LogSegment: one .log file of RecordBatch v2 plus its .index, .timeindex and (once it holds an abort marker)
// .txnindex (Kafka's LogSegment).
//
// Files: <base>.log holds whole batches back to back, exactly as produced but for baseOffset and
// partitionLeaderEpoch (see segments/README.md for every byte). The indexes are sparse: an entry per
// ~index.interval.bytes of log, for the last offset of the batch at that position (index/offset-index.ts,
// index/time-index.ts).
//
// Invariants:
//   - size >= writtenSize: `size` counts bytes appended (offsets assigned, maybe still queued for the
//     write); `writtenSize` counts bytes confirmed in the file. Reads never look past writtenSize.
//   - nextOffset = last offset of the last appended batch + 1 (baseOffset when empty).
//   - batch offsets strictly increase; every lastOffset - baseOffset fits in int32; positions fit in int32.
//   - index entries refer to batches at positions < size; on unclean start the active segment's indexes are
//     rebuilt from the log by recover(), which truncates at the first invalid byte.
//   - the transaction index (index/txn-index.ts) names only abort markers below nextOffset: recover() and
//     truncateTo() drop the entries past the new end.
// Walks: loadIndexes, recover, read, findOffsetByTimestamp and truncateTo step through batch headers with
// file-batches.ts (one window of positional reads; recover and loadIndexes also check magic and CRC32C).
// Threading: main thread; I/O is async on raw fds (libuv pool), fsync happens in the Flusher's workers.
// The fd stays open while reads or syncs use it (acquire/release), so a closed fd number is never reused
// under a pending operation. Index writes of one segment run one after the other (writeIndexes chains
// them), and a segment marked deleted or replaced never writes its index files again.
// Deletion (retention, DeleteRecords, compaction swap): renameForDelete() renames the files to
// `*.deleted` at once (open fds keep serving reads); removeDeletedFiles() closes the fd once idle and
// removes them, after file.delete.delay.ms (PartitionLog schedules it). Leftover `.deleted` files are
// removed at the next start.
import { fstatSync, openSync, promises as fsp, rmSync } from 'node:fs'
import type { Logger } from '../logger.js'
import { CursorState } from '../protocol/records/batch-cursor.js'
import {
  CURRENT_MAGIC, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, isControl, readInt64
} from '../protocol/records/batch-header.js'
import { iterateRecords } from '../protocol/records/record.js'
import { INT32_MAX } from '../protocol/primitives/limits.js'
import { CorruptLogError } from './errors.js'
import { FileBatches } from './file-batches.js'
import { closeFd, readAt, truncateFd } from './file-io.js'
import { OffsetIndex } from './index/offset-index.js'
import { TxnIndex, type AbortedTxn } from './index/txn-index.js'
import { TimeIndex } from './index/time-index.js'
import { DELETED_FILE_SUFFIX, logFileName, offsetIndexFileName, timeIndexFileName, txnIndexFileName } from './log-file-names.js'

export interface SegmentConfig { indexIntervalBytes: number; segmentIndexBytes: number }

export interface ReadResult {
  batches: Buffer[]
  bytes: number
  /**
   * Returns the pooled read buffers behind `batches` (see read-buffers.ts). Call it only once nothing uses the
   * batches any more (the fetch path: after the response is written); never calling it is safe.
   */
  release?: () => void
}

const RECOVERY_WINDOW = 8 * 1024 * 1024
const MIN_READ_WINDOW = 16 * 1024
const MAX_READ_WINDOW = 16 * 1024 * 1024

export class LogSegment {
  readonly dir: string
  readonly baseOffset: number
  readonly logFile: string
  readonly offsetIndex: OffsetIndex
  readonly timeIndex: TimeIndex
  readonly txnIndex: TxnIndex
  config: SegmentConfig
  fd: number
  size = 0
  writtenSize = 0
  nextOffset: number
  maxTimestampSoFar = -1
  /** Last offset of the batch holding maxTimestampSoFar (what the time index stores). */
  offsetOfMaxTimestampSoFar: number
  /** Offset ListOffsets(-3) reports: the batch's last offset (CreateTime) or base offset (LogAppendTime). */
  maxTimestampRecordOffset = -1
  bytesSinceLastIndexEntry = 0
  /** Wall-clock ms of the first append since this segment object exists (segment.ms counts from it). */
  rollingBasedTime: number | null = null
  private users = 0
  private idle: Array<() => void> = []
  private closed = false
  /** Set once the files are being deleted: nothing may write them again (e.g. a queued index write). */
  private deleted = false
  /** Set once the files were renamed to `*.deleted`. */
  private renamed = false
  /** Why the .txnindex could not be read at open (its entries are then rebuilt from the log), or null. */
  txnIndexProblem: string | null = null
  /** The index writes in flight, chained. */
  private indexWrites: Promise<void> = Promise.resolve()

  private constructor (dir: string, baseOffset: number, fd: number, config: SegmentConfig) {
    this.dir = dir
    this.baseOffset = baseOffset
    this.fd = fd
    this.config = config
    this.logFile = logFileName(dir, baseOffset)
    this.offsetIndex = new OffsetIndex(offsetIndexFileName(dir, baseOffset), baseOffset, config.segmentIndexBytes)
    this.timeIndex = new TimeIndex(timeIndexFileName(dir, baseOffset), baseOffset, config.segmentIndexBytes)
    this.txnIndex = new TxnIndex(txnIndexFileName(dir, baseOffset))
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestampSoFar = baseOffset
  }

  /**
   * A new empty segment. Synchronous on purpose: it runs inside append() when the log rolls (one open(2),
   * tens of microseconds, once per segment.bytes), so offsets keep being assigned without a gap.
   */
  static createSync (dir: string, baseOffset: number, config: SegmentConfig): LogSegment {
    const fd = openSync(logFileName(dir, baseOffset), 'w+', 0o644)
    // A .txnindex left at this base (entries of a segment that is gone) would be appended to, not replaced:
    // remove it first (Kafka's roll deletes leftover index files of the new segment too).
    rmSync(txnIndexFileName(dir, baseOffset), { force: true })
    return new LogSegment(dir, baseOffset, fd, config)
  }

  /** Opens an existing segment; indexes are not loaded yet (loadIndexes or recover). */
  static open (dir: string, baseOffset: number, config: SegmentConfig): LogSegment {
    const fd = openSync(logFileName(dir, baseOffset), 'r+')
    const seg = new LogSegment(dir, baseOffset, fd, config)
    seg.size = seg.writtenSize = fstatSync(fd).size
    seg.txnIndexProblem = seg.txnIndex.load()
    return seg
  }

  get largestTimestamp (): number { return this.maxTimestampSoFar }

  // ---- append (main thread, synchronous, batch level) ----

  /** True if a batch of `bytes` ending at `lastOffset` must go to a new segment. */
  shouldRoll (bytes: number, lastOffset: number, now: number, segmentBytes: number, segmentMs: number): boolean {
    if (this.size === 0) return false
    return this.size + bytes > segmentBytes ||
      this.size + bytes > INT32_MAX ||
      (this.rollingBasedTime !== null && now - this.rollingBasedTime > segmentMs) ||
      this.offsetIndex.isFull() || this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > INT32_MAX
  }

  /**
   * Accounts for a batch appended at position `size` (its bytes are queued for the write by the log):
   * index entries every indexIntervalBytes, the max timestamp, the next offset.
   */
  onAppend (size: number, lastOffset: number, maxTimestamp: number, maxTimestampOffset: number, now: number): void {
    if (this.rollingBasedTime === null) this.rollingBasedTime = now
    this.indexBatch(this.size, size, lastOffset, maxTimestamp, maxTimestampOffset)
    this.size += size
  }

  private indexBatch (position: number, size: number, lastOffset: number, maxTimestamp: number, maxTimestampOffset: number): void {
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp
      this.offsetOfMaxTimestampSoFar = lastOffset
      this.maxTimestampRecordOffset = maxTimestampOffset
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes && !this.offsetIndex.isFull() && !this.timeIndex.isFull()) {
      this.offsetIndex.append(lastOffset, position)
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar)
      this.bytesSinceLastIndexEntry = 0
    }
    this.bytesSinceLastIndexEntry += size
    this.nextOffset = lastOffset + 1
  }

  // ---- fd lifetime ----

  acquire (): void { this.users++ }
  release (): void {
    if (--this.users === 0) {
      const waiting = this.idle
      this.idle = []
      for (const w of waiting) w()
    }
  }

  private async waitIdle (): Promise<void> {
    if (this.users === 0) return
    await new Promise<void>(resolve => this.idle.push(resolve))
  }

  // ---- load / recover ----

  /**
   * Loads the index files and checks them against the log: entries sane, the last indexed position inside
   * the file, and the log tail after it made of whole batches that pass their CRC32C. Returns null when the
   * segment is usable as is, or the reason to rebuild it with recover().
   */
  async loadIndexes (): Promise<string | null> {
    const offErr = await this.offsetIndex.load()
    if (offErr !== null) return offErr
    const timeErr = await this.timeIndex.load()
    if (timeErr !== null) return timeErr
    const lastIdx = this.offsetIndex.lastEntry()
    if (lastIdx.position > this.size || (this.offsetIndex.entries > 0 && lastIdx.position === this.size)) {
      return `offset index ${this.offsetIndex.file}: last entry points at position ${lastIdx.position}, the log is ${this.size} bytes`
    }
    if (this.size > 0 && this.timeIndex.entries === 0 && this.size > 2 * this.config.indexIntervalBytes) {
      return `time index ${this.timeIndex.file} is empty for a ${this.size}-byte log`
    }
    const lastTime = this.timeIndex.lastEntry()
    if (this.timeIndex.entries > 0) {
      this.maxTimestampSoFar = lastTime.timestamp
      this.offsetOfMaxTimestampSoFar = lastTime.offset
      this.maxTimestampRecordOffset = lastTime.offset
    }
    // walk the tail after the last index entry: whole batches up to the end of the file; the tail is short
    // (about index.interval.bytes), so its CRCs are checked too
    const w = new FileBatches(this.fd, { windowBytes: RECOVERY_WINDOW, checkMagic: true, checkCrc: true }).open(lastIdx.position, this.size)
    let next = this.offsetIndex.entries > 0 ? lastIdx.offset + 1 : this.baseOffset
    let sinceIndex = 0
    try {
      while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
        next = w.lastOffset + 1
        if (w.maxTimestamp > this.maxTimestampSoFar) {
          this.maxTimestampSoFar = w.maxTimestamp
          this.offsetOfMaxTimestampSoFar = w.lastOffset
          this.maxTimestampRecordOffset = w.maxTimestampOffset
        }
        sinceIndex += w.size
      }
      const pos = w.position
      switch (w.state) {
        case CursorState.End: break
        case CursorState.TruncatedHeader:
          return `log ${this.logFile}: ${this.size - pos} bytes at position ${pos} are shorter than a batch header`
        case CursorState.BadCrc:
          return `log ${this.logFile}: batch at position ${pos} fails its CRC32C (header ${w.crc}, computed ${w.computedCrc})`
        default:
          return `log ${this.logFile}: batch at position ${pos} has batchLength ${w.batchLength} and magic ${w.magic} (file is ${this.size} bytes)`
      }
    } finally {
      w.release()
    }
    this.nextOffset = next
    this.bytesSinceLastIndexEntry = sinceIndex
    return null
  }

  /**
   * Rebuilds the indexes from the log, validating every batch (length bounds, magic, CRC32C, offsets in
   * order and in range), and truncates the file at the first invalid byte. Never throws on corrupt data:
   * logs a WARN naming the file, the position and the bytes removed, and returns the bytes removed.
   */
  async recover (logger: Logger, maxBatchBytes = INT32_MAX): Promise<number> {
    const fileSize = fstatSync(this.fd).size
    this.offsetIndex.reset()
    this.timeIndex.reset()
    this.nextOffset = this.baseOffset
    this.maxTimestampSoFar = -1
    this.offsetOfMaxTimestampSoFar = this.baseOffset
    this.maxTimestampRecordOffset = -1
    this.bytesSinceLastIndexEntry = 0
    const w = new FileBatches(this.fd, { windowBytes: RECOVERY_WINDOW, checkMagic: true, checkCrc: true, maxSize: maxBatchBytes }).open(0, fileSize)
    let reason: string | null = null
    try {
      while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
        const base = w.baseOffset
        const last = w.lastOffset
        if (base < this.nextOffset || last < base || last - this.baseOffset > INT32_MAX) {
          reason = `batch offsets [${base}, ${last}] do not follow ${this.nextOffset - 1} inside segment base ${this.baseOffset}`
          break
        }
        this.indexBatch(w.position, w.size, last, w.maxTimestamp, w.maxTimestampOffset)
      }
      reason ??= recoveryStopReason(w, fileSize, maxBatchBytes)
    } finally {
      w.release()
    }
    const pos = w.position
    const removed = fileSize - pos
    this.txnIndex.truncateTo(this.nextOffset)
    if (removed > 0) {
      logger.warn({ file: this.logFile, position: pos, bytesRemoved: removed, reason }, `truncating ${this.logFile} at position ${pos}: ${reason ?? 'invalid data'}; ${removed} bytes removed`)
      await truncateFd(this.fd, pos)
    }
    this.size = this.writtenSize = pos
    return removed
  }

  // ---- reads ----

  /**
   * Whole batches from the one containing fetchOffset, at most maxBytes (or the first batch whole if
   * minOneBatch), none with an offset >= maxOffset. null when fetchOffset lies past this segment's data.
   */
  async read (fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Promise<ReadResult | null> {
    const end = this.writtenSize
    const start = this.offsetIndex.lookup(fetchOffset).position
    // null: nothing at or after fetchOffset here, the caller moves on to the next segment (a compacted segment may
    // hold no batch at all); empty: the offsets exist but their bytes are not written yet
    const empty = fetchOffset >= this.nextOffset || this.size === 0 ? null : { batches: [], bytes: 0 }
    if (start >= end) return empty
    const windowSize = Math.min(MAX_READ_WINDOW, Math.max(MIN_READ_WINDOW, maxBytes + 2 * this.config.indexIntervalBytes))
    const w = new FileBatches(this.fd, { windowBytes: windowSize, keepViews: true }).open(start, end)
    // scan batch headers forward to the batch holding fetchOffset
    for (;;) {
      if (!w.next() && !(w.state === CursorState.NeedsRead && await w.read())) {
        w.release()
        if (w.state === CursorState.SizeBelowMinimum) throw this.corruptBatch(w)
        return empty
      }
      if (w.lastOffset >= fetchOffset) break
    }
    const batches: Buffer[] = []
    let bytes = 0
    for (;;) {
      if (w.lastOffset >= maxOffset) break
      if (bytes + w.size > maxBytes && !(minOneBatch && batches.length === 0)) break
      if (!w.hasWholeBatch && !await w.loadBatch()) break
      batches.push(w.batch())
      bytes += w.size
      if (!w.next() && !(w.state === CursorState.NeedsRead && await w.read())) {
        if (w.state === CursorState.SizeBelowMinimum) throw this.corruptBatch(w)
        break
      }
    }
    return { batches, bytes, release: w.release }
  }

  private corruptBatch (w: FileBatches): CorruptLogError {
    return new CorruptLogError(`log ${this.logFile}: batch at position ${w.position} has batchLength ${w.batchLength}, expected >= ${MIN_BATCH_LENGTH}`)
  }

  /**
   * First record with timestamp >= ts and offset >= startingOffset (Kafka's findOffsetByTimestamp): time index
   * -> offset index -> batch-header scan -> records of the one matching batch.
   */
  async findOffsetByTimestamp (ts: number, startingOffset: number): Promise<{ offset: number; timestamp: number } | null> {
    const end = this.writtenSize
    const to = this.timeIndex.lookup(ts)
    const from = this.offsetIndex.lookup(Math.max(to.offset, startingOffset)).position
    const w = new FileBatches(this.fd, { windowBytes: 64 * 1024 }).open(from, end)
    try {
      while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
        if (w.maxTimestamp < ts || w.lastOffset < startingOffset) continue
        if (!w.hasWholeBatch && !await w.loadBatch()) return null
        try {
          for (const r of iterateRecords(w.buf, w.offset)) {
            if (r.timestamp >= ts && r.offset >= startingOffset) return { offset: r.offset, timestamp: r.timestamp }
          }
        } catch {
          // undecodable records: answer at batch level
          return { offset: Math.max(w.baseOffset, startingOffset), timestamp: w.maxTimestamp }
        }
      }
      if (w.state === CursorState.SizeBelowMinimum) throw this.corruptBatch(w)
      return null
    } finally {
      w.release()
    }
  }

  // ---- lifecycle ----

  /** Appends the final time-index entry (the segment's largest timestamp), as Kafka does on roll and close. */
  sealTimeIndex (): void {
    if (this.maxTimestampSoFar >= 0) this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true)
  }

  /** Writes the dirty index files (after any index write already in flight for this segment). */
  writeIndexes (): Promise<void> {
    const run = this.indexWrites.then(async () => {
      if (this.deleted) return
      if (this.offsetIndex.dirty) await this.offsetIndex.writeTo()
      if (this.deleted) return
      if (this.timeIndex.dirty) await this.timeIndex.writeTo()
    })
    this.indexWrites = run.catch(() => {})
    return run
  }

  /**
   * Stops this segment from ever writing its index files again and waits for an index write in flight: the
   * compaction swap is about to give its file names to the cleaned segment.
   */
  async prepareForReplace (): Promise<void> {
    this.deleted = true
    await this.indexWrites
  }

  get isDeleted (): boolean { return this.deleted }

  /**
   * Drops the .txnindex entries whose abort marker is no longer in this segment (a cleaned segment: the cleaner
   * removes a marker once no record of its transaction is left). An entry without its marker would make a
   * read_committed consumer skip every later transactional batch of that producer, the marker that ends the
   * aborted range being gone. Returns the number of entries dropped. Indexes must be loaded (read()).
   */
  async dropEntriesWithoutMarker (): Promise<number> {
    const entries = this.txnIndex.entries
    if (entries.length === 0) return 0
    const kept: AbortedTxn[] = []
    for (const e of entries) {
      const r = e.lastOffset < this.nextOffset ? await this.read(e.lastOffset, 0, true, e.lastOffset + 1) : null
      const b = r?.batches[0]
      if (b !== undefined && readInt64(b, 0) === e.lastOffset && isControl(b)) kept.push(e)
      r?.release?.()
    }
    const dropped = entries.length - kept.length
    if (dropped > 0) this.txnIndex.replaceAll(kept)
    return dropped
  }

  /** Renames .log, .index, .timeindex and .txnindex to `*.deleted` (missing files are skipped); the fd keeps working. */
  async renameForDelete (): Promise<void> {
    this.deleted = true
    await this.indexWrites
    if (this.renamed) return
    this.renamed = true
    for (const f of [this.logFile, this.offsetIndex.file, this.timeIndex.file, this.txnIndex.file]) {
      await fsp.rename(f, f + DELETED_FILE_SUFFIX).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    }
  }

  /** Closes the fd once no read or sync uses it, then removes the `*.deleted` files (or the live ones if never renamed). */
  async removeDeletedFiles (): Promise<void> {
    await this.closeForDelete()
    const suffix = this.renamed ? DELETED_FILE_SUFFIX : ''
    await Promise.all([this.logFile, this.offsetIndex.file, this.timeIndex.file, this.txnIndex.file].map(f => fsp.rm(f + suffix, { force: true })))
  }

  /** maxTimestamp of the first batch (Kafka's getFirstBatchTimestamp), -1 for an empty segment. */
  async firstBatchTimestamp (): Promise<number> {
    if (this.writtenSize < RECORD_BATCH_OVERHEAD) return -1
    const head = await readAt(this.fd, 0, RECORD_BATCH_OVERHEAD)
    return head.length < RECORD_BATCH_OVERHEAD ? -1 : readInt64(head, MAX_TIMESTAMP_OFFSET)
  }

  /**
   * Cuts the segment back to `size` bytes, a batch boundary at or below writtenSize (a write that failed for
   * lack of space): truncates the file, drops the index entries past it and recomputes the next offset and the
   * largest timestamp from the last index entry on (Kafka's LogSegment.truncateTo).
   */
  async truncateTo (size: number): Promise<void> {
    await truncateFd(this.fd, size)
    this.offsetIndex.truncateToPosition(size)
    const last = this.offsetIndex.lastEntry()
    const from = this.offsetIndex.entries > 0 ? last.position : 0
    let next = this.offsetIndex.entries > 0 ? last.offset + 1 : this.baseOffset
    let tailMax = -1
    let tailMaxOffset = this.baseOffset
    let tailMaxRecordOffset = -1
    const w = new FileBatches(this.fd, { windowBytes: RECOVERY_WINDOW }).open(from, size)
    try {
      while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
        if (w.maxTimestamp > tailMax) {
          tailMax = w.maxTimestamp
          tailMaxOffset = w.lastOffset
          tailMaxRecordOffset = w.maxTimestampOffset
        }
        next = w.lastOffset + 1
      }
    } finally {
      w.release()
    }
    this.timeIndex.truncateTo(next)
    this.txnIndex.truncateTo(next)
    const lastTime = this.timeIndex.lastEntry()
    this.maxTimestampSoFar = -1
    this.offsetOfMaxTimestampSoFar = this.baseOffset
    this.maxTimestampRecordOffset = -1
    if (this.timeIndex.entries > 0) {
      this.maxTimestampSoFar = lastTime.timestamp
      this.offsetOfMaxTimestampSoFar = lastTime.offset
      this.maxTimestampRecordOffset = lastTime.offset
    }
    if (tailMax > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = tailMax
      this.offsetOfMaxTimestampSoFar = tailMaxOffset
      this.maxTimestampRecordOffset = tailMaxRecordOffset
    }
    this.nextOffset = next
    this.size = this.writtenSize = size
    this.bytesSinceLastIndexEntry = size - from
  }

  /** Seals and writes the indexes, waits for readers and syncs, closes the fd. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.sealTimeIndex()
    try {
      await this.writeIndexes()
    } finally {
      // the fd is closed even when the indexes cannot be written (a full disk): rebuilt at the next start
      await this.waitIdle()
      await closeFd(this.fd)
    }
  }

  /** Closes without writing indexes (the files are about to be deleted). */
  async closeForDelete (): Promise<void> {
    this.deleted = true
    if (this.closed) return
    this.closed = true
    await this.waitIdle()
    await closeFd(this.fd)
  }

  async deleteFiles (): Promise<void> {
    this.deleted = true
    await this.indexWrites
    await this.removeDeletedFiles()
  }
}

/** Why recover() stopped where the walk stopped (null: at the end of the file). */
function recoveryStopReason (w: FileBatches, fileSize: number, maxBatchBytes: number): string | null {
  switch (w.state) {
    case CursorState.TruncatedHeader: return `${fileSize - w.position} trailing bytes are shorter than a batch header (${RECORD_BATCH_OVERHEAD})`
    case CursorState.SizeBelowMinimum:
    case CursorState.SizeAboveMaximum: return `batchLength ${w.batchLength} is out of bounds [${MIN_BATCH_LENGTH}, ${maxBatchBytes - LOG_OVERHEAD}]`
    case CursorState.BadMagic: return `magic is ${w.magic}, expected ${CURRENT_MAGIC}`
    case CursorState.TruncatedBatch: return `batch claims ${w.size} bytes, only ${fileSize - w.position} left in the file`
    case CursorState.BadCrc: return `CRC32C mismatch: header says ${w.crc}, computed ${w.computedCrc}`
    default: return null
  }
}
