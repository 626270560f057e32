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
// file-batches.ts (one window of positional reads; recover and loadIndexes also check magic and CRC32C;
// read checks every batch it walks and returns, batch-checks.ts, and stops before a damaged one).
// Threading: main thread; I/O is async on raw fds (libuv pool), fsync happens in the Flusher's workers.
// File descriptor: the .log file is a SegmentFile (open-files.ts), opened on demand and closed again by the
// process-wide LRU when idle, so an idle partition holds no fd. acquire() returns the fd and keeps it open
// until release() (reads, writes, syncs in the Flusher's worker), so a closed fd number is never reused
// under a pending operation. A compaction swap pins the replaced base segment's fd (its path is about to
// name the cleaned file); renameForDelete renames while holding the file, so reopens use the new name. Index writes of one segment run one after the other (writeIndexes chains
// them), and a segment marked deleted or replaced never writes its index files again.
// Deletion (retention, DeleteRecords, compaction swap): renameForDelete() renames the files to
// `*.deleted` at once (open fds keep serving reads); removeDeletedFiles() closes the fd once idle and
// removes them, after file.delete.delay.ms (PartitionLog schedules it). Leftover `.deleted` files are
// removed at the next start. close() and closeForDelete() release the fd even when writing the indexes (or
// close(2) itself) fails, and report the error after.
// Empty segments: no index file is written for a segment with no byte, and none is read for it at open (its
// indexes are empty by definition), so idle partitions cost no index I/O at stop and start.
import { fstatSync, openSync, promises as fsp, rmSync, statSync } from 'node:fs'
import type { Logger } from '../logger.js'
import { CursorState } from '../protocol/records/batch-cursor.js'
import {
  CURRENT_MAGIC, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, isControl, readInt64
} from '../protocol/records/batch-header.js'
import { iterateRecords } from '../protocol/records/record.js'
import { INT32_MAX } from '../protocol/primitives/limits.js'
import { batchProblem, crcProblem, walkStopProblem } from './batch-checks.js'
import { corruptionMarks, isVerified, markVerified } from './corruption-marks.js'
import { CorruptLogError } from './errors.js'
import { FileBatches } from './file-batches.js'
import { injectedOpenError, readAt, truncateFd } from './file-io.js'
import { OffsetIndex } from './index/offset-index.js'
import { TxnIndex, type AbortedTxn } from './index/txn-index.js'
import { TimeIndex } from './index/time-index.js'
import { DELETED_FILE_SUFFIX, logFileName, offsetIndexFileName, timeIndexFileName, txnIndexFileName } from './log-file-names.js'
import { SegmentFile } from './open-files.js'

export interface SegmentConfig {
  indexIntervalBytes: number
  segmentIndexBytes: number
  /** log.fetch.check.crcs: read() verifies the CRC32C of every batch it returns (default true). */
  checkCrcs?: boolean
}

export interface ReadResult {
  batches: Buffer[]
  bytes: number
  /**
   * Returns the pooled read buffers behind `batches` (see read-buffers.ts). Call it only once nothing uses the
   * batches any more (the fetch path: after the response is written); never calling it is safe.
   */
  release?: () => void
  /**
   * A damaged batch stopped the read (batch-checks.ts): its file position and what is wrong. `batches` holds
   * the good batches before it (maybe none); the damaged bytes are never in it.
   */
  corrupt?: { position: number; reason: string }
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
  /** The .log file's descriptor, open only while used or cached (open-files.ts). */
  readonly handle: SegmentFile
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
  private closed = false
  /** The fd held by a compaction swap until closeForDelete (prepareForReplace). */
  private pinned = false
  /** Set once the files are being deleted: nothing may write them again (e.g. a queued index write). */
  private deleted = false
  /** Set once the files were renamed to `*.deleted`. */
  private renamed = false
  /** Why the .txnindex could not be read at open (its entries are then rebuilt from the log), or null. */
  txnIndexProblem: string | null = null
  /** The index writes in flight, chained. */
  private indexWrites: Promise<void> = Promise.resolve()

  private constructor (dir: string, baseOffset: number, handle: SegmentFile, config: SegmentConfig) {
    this.dir = dir
    this.baseOffset = baseOffset
    this.handle = handle
    this.config = config
    this.logFile = handle.path
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
    // A .txnindex left at this base (entries of a segment that is gone) would be appended to, not replaced:
    // remove it first (Kafka's roll deletes leftover index files of the new segment too).
    rmSync(txnIndexFileName(dir, baseOffset), { force: true })
    const path = logFileName(dir, baseOffset)
    const injected = injectedOpenError(path)
    if (injected !== null) throw injected
    // the fd goes to the open-file cache (the first append uses it unless it was evicted meanwhile)
    return new LogSegment(dir, baseOffset, new SegmentFile(path, openSync(path, 'w+', 0o644)), config)
  }

  /** An existing segment, its file not opened yet (open-files.ts); indexes are not loaded yet (loadIndexes or recover). */
  static open (dir: string, baseOffset: number, config: SegmentConfig): LogSegment {
    const path = logFileName(dir, baseOffset)
    const size = statSync(path).size
    const seg = new LogSegment(dir, baseOffset, new SegmentFile(path), config)
    seg.size = seg.writtenSize = size
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

  /** The .log file's fd, opened if needed; it stays open until release(). */
  acquire (): Promise<number> { return this.handle.acquire() }
  release (): void { this.handle.release() }

  /** Runs fn with the fd held open. */
  private async withFd<T> (fn: (fd: number) => Promise<T>): Promise<T> {
    const fd = await this.handle.acquire()
    try {
      return await fn(fd)
    } finally {
      this.handle.release()
    }
  }

  // ---- load / recover ----

  /**
   * Loads the index files and checks them against the log: entries sane, the last indexed position inside
   * the file, and the log tail after it made of whole batches that pass their CRC32C. Returns null when the
   * segment is usable as is, or the reason to rebuild it with recover().
   */
  async loadIndexes (): Promise<string | null> {
    if (this.size === 0) {
      // an empty log has empty indexes, whatever the files say: nothing to read (an idle partition's restart
      // costs one stat); they are written once the segment holds data
      this.offsetIndex.reset()
      this.timeIndex.reset()
      this.nextOffset = this.baseOffset
      this.bytesSinceLastIndexEntry = 0
      return null
    }
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
    return await this.withFd(async fd => await this.checkTail(fd, lastIdx))
  }

  /** loadIndexes' walk of the log after the last offset-index entry. */
  private async checkTail (fd: number, lastIdx: { offset: number; position: number }): Promise<string | null> {
    const w = new FileBatches(fd, { windowBytes: RECOVERY_WINDOW, checkMagic: true, checkCrc: true }).open(lastIdx.position, this.size)
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
  recover (logger: Logger, maxBatchBytes = INT32_MAX): Promise<number> {
    return this.withFd(async fd => await this.recoverWith(fd, logger, maxBatchBytes))
  }

  private async recoverWith (fd: number, logger: Logger, maxBatchBytes: number): Promise<number> {
    const fileSize = fstatSync(fd).size
    this.offsetIndex.reset()
    this.timeIndex.reset()
    this.nextOffset = this.baseOffset
    this.maxTimestampSoFar = -1
    this.offsetOfMaxTimestampSoFar = this.baseOffset
    this.maxTimestampRecordOffset = -1
    this.bytesSinceLastIndexEntry = 0
    const w = new FileBatches(fd, { windowBytes: RECOVERY_WINDOW, checkMagic: true, checkCrc: true, maxSize: maxBatchBytes }).open(0, fileSize)
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
      await truncateFd(fd, pos)
    }
    this.size = this.writtenSize = pos
    return removed
  }

  // ---- reads ----

  /**
   * Whole batches from the one containing fetchOffset, at most maxBytes (or the first batch whole if
   * minOneBatch), none with an offset >= maxOffset. null when fetchOffset lies past this segment's data.
   * Every batch walked is checked (batch-checks.ts: length inside the written bytes, magic, offsets increasing,
   * inside [baseOffset, nextOffset), the first one ending where the offset index says; with config.checkCrcs,
   * not false, the CRC32C of each batch returned, unless this process verified it already: corruption-marks.ts)
   * and a batch marked damaged (corruption-marks.ts) is refused:
   * the read stops before the first bad batch and says why in `corrupt` (the batches before it are good).
   */
  read (fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Promise<ReadResult | null> {
    return this.withFd(async fd => await this.readWith(fd, fetchOffset, maxBytes, minOneBatch, maxOffset))
  }

  private async readWith (fd: number, fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Promise<ReadResult | null> {
    const end = this.writtenSize
    const entry = this.offsetIndex.lookup(fetchOffset)
    const start = entry.position
    // null: nothing at or after fetchOffset here, the caller moves on to the next segment (a compacted segment may
    // hold no batch at all); empty: the offsets exist but their bytes are not written yet
    const empty = fetchOffset >= this.nextOffset || this.size === 0 ? null : { batches: [], bytes: 0 }
    if (start >= end) return empty
    const windowSize = Math.min(MAX_READ_WINDOW, Math.max(MIN_READ_WINDOW, maxBytes + 2 * this.config.indexIntervalBytes))
    const w = new FileBatches(fd, { windowBytes: windowSize, keepViews: true }).open(start, end)
    const marked = corruptionMarks(this)
    const checkCrcs = this.config.checkCrcs !== false
    const upper = this.nextOffset
    let prev = this.baseOffset - 1
    let problem: string | null = null
    // scan batch headers forward to the batch holding fetchOffset
    for (;;) {
      if (!w.next() && !(w.state === CursorState.NeedsRead && await w.read())) {
        w.release()
        problem = walkStopProblem(w, end)
        return problem === null ? empty : { batches: [], bytes: 0, corrupt: { position: w.position, reason: problem } }
      }
      // a batch marked damaged (its CRC: the scrubber, an earlier read) may be stepped over, not served
      problem = batchProblem(w, this.baseOffset, prev, upper, false) ?? (w.lastOffset >= fetchOffset ? marked?.get(w.position) ?? null : null)
      if (problem === null && start > 0 && w.position === start && w.lastOffset !== entry.offset) {
        problem = `the offset index says offset ${entry.offset} ends the batch at position ${start}, the batch there holds ${w.baseOffset}-${w.lastOffset}`
      }
      if (problem !== null) {
        w.release()
        return { batches: [], bytes: 0, corrupt: { position: w.position, reason: problem } }
      }
      if (w.lastOffset >= fetchOffset) break
      prev = w.lastOffset
    }
    const batches: Buffer[] = []
    let bytes = 0
    let corrupt: { position: number; reason: string } | undefined
    // the run of batches whose CRC this read checked (they are contiguous: a read is one run of batches)
    let runStart = -1
    let runEnd = -1
    for (;;) {
      if (w.lastOffset >= maxOffset) break
      if (bytes + w.size > maxBytes && !(minOneBatch && batches.length === 0)) break
      if (!w.hasWholeBatch && !await w.loadBatch()) {
        corrupt = { position: w.position, reason: `the file ends inside the ${w.size}-byte batch (${end} bytes were written)` }
        break
      }
      if (checkCrcs && !isVerified(this, w.position, w.position + w.size)) {
        problem = crcProblem(w)
        if (problem !== null) {
          corrupt = { position: w.position, reason: problem }
          break
        }
        if (runStart < 0) runStart = w.position
        runEnd = w.position + w.size
      }
      batches.push(w.batch())
      bytes += w.size
      prev = w.lastOffset
      if (!w.next() && !(w.state === CursorState.NeedsRead && await w.read())) {
        problem = walkStopProblem(w, end)
        if (problem !== null) corrupt = { position: w.position, reason: problem }
        break
      }
      problem = marked?.get(w.position) ?? batchProblem(w, this.baseOffset, prev, upper, false)
      if (problem !== null) {
        corrupt = { position: w.position, reason: problem }
        break
      }
    }
    if (runStart >= 0) markVerified(this, runStart, runEnd)
    return corrupt === undefined ? { batches, bytes, release: w.release } : { batches, bytes, release: w.release, corrupt }
  }

  private corruptBatch (w: FileBatches): CorruptLogError {
    return new CorruptLogError(`log ${this.logFile}: batch at position ${w.position} has batchLength ${w.batchLength}, expected >= ${MIN_BATCH_LENGTH}`)
  }

  /**
   * First record with timestamp >= ts and offset >= startingOffset (Kafka's findOffsetByTimestamp): time index
   * -> offset index -> batch-header scan -> records of the one matching batch.
   */
  findOffsetByTimestamp (ts: number, startingOffset: number): Promise<{ offset: number; timestamp: number } | null> {
    return this.withFd(async fd => await this.findOffsetByTimestampWith(fd, ts, startingOffset))
  }

  private async findOffsetByTimestampWith (fd: number, ts: number, startingOffset: number): Promise<{ offset: number; timestamp: number } | null> {
    const end = this.writtenSize
    const to = this.timeIndex.lookup(ts)
    const from = this.offsetIndex.lookup(Math.max(to.offset, startingOffset)).position
    const w = new FileBatches(fd, { windowBytes: 64 * 1024 }).open(from, end)
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
      // an empty segment needs no index files (loadIndexes reads none for it): 100,000 idle partitions stop
      // and start without 200,000 file writes and reads
      if (this.size === 0 && this.offsetIndex.entries === 0 && this.timeIndex.entries === 0) return
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
  async prepareForReplace (pinFile: boolean): Promise<void> {
    if (pinFile && !this.pinned) {
      // its path is about to name the cleaned file: reads until closeForDelete must keep the old inode
      await this.handle.acquire()
      this.pinned = true
    }
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
    // held while renaming, so no open of the old name is in flight; later opens take the new name
    const held = await this.handle.acquire().then(() => true, () => false)
    try {
      for (const f of [this.logFile, this.offsetIndex.file, this.timeIndex.file, this.txnIndex.file]) {
        await fsp.rename(f, f + DELETED_FILE_SUFFIX).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
      }
    } finally {
      this.handle.rename(this.logFile + DELETED_FILE_SUFFIX)
      if (held) this.handle.release()
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
    const head = await this.withFd(async fd => await readAt(fd, 0, RECORD_BATCH_OVERHEAD))
    return head.length < RECORD_BATCH_OVERHEAD ? -1 : readInt64(head, MAX_TIMESTAMP_OFFSET)
  }

  /**
   * Cuts the segment back to `size` bytes, a batch boundary at or below writtenSize (a write that failed for
   * lack of space): truncates the file, drops the index entries past it and recomputes the next offset and the
   * largest timestamp from the last index entry on (Kafka's LogSegment.truncateTo).
   */
  truncateTo (size: number): Promise<void> {
    return this.withFd(async fd => { await this.truncateWith(fd, size) })
  }

  private async truncateWith (fd: number, size: number): Promise<void> {
    await truncateFd(fd, size)
    this.offsetIndex.truncateToPosition(size)
    const last = this.offsetIndex.lastEntry()
    const from = this.offsetIndex.entries > 0 ? last.position : 0
    let next = this.offsetIndex.entries > 0 ? last.offset + 1 : this.baseOffset
    let tailMax = -1
    let tailMaxOffset = this.baseOffset
    let tailMaxRecordOffset = -1
    const w = new FileBatches(fd, { windowBytes: RECOVERY_WINDOW }).open(from, size)
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

  /**
   * Seals and writes the indexes, waits for readers and syncs, closes the fd. The fd is released even when the
   * index write fails (e.g. EMFILE, ENOSPC); that error is thrown after.
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    let failure: unknown = null
    try {
      this.sealTimeIndex()
      await this.writeIndexes()
    } catch (err) {
      failure = err
    }
    await this.releaseHandle()
    if (failure !== null) throw failure
  }

  /** Closes without writing indexes (the files are about to be deleted). */
  async closeForDelete (): Promise<void> {
    this.deleted = true
    if (this.closed) return
    this.closed = true
    await this.releaseHandle()
  }

  private async releaseHandle (): Promise<void> {
    if (this.pinned) {
      this.pinned = false
      this.handle.release()
    }
    await this.handle.close()
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
