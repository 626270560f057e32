// PartitionLog: the log of one topic partition, a sequence of segments (Kafka's LocalLog, with the high
// watermark and the transaction index; Partition in partition.ts adds the producer state, as UnifiedLog does).
//
//   <dir>/00000000000000000000.log .index .timeindex     oldest segment
//   <dir>/<base of the active segment>.log ...           active segment: the only one appended to
//
// Offsets: logStartOffset = base offset of the first segment; logEndOffset (LEO) = next offset to assign;
// highWatermark (HW) = end of the durable prefix: with fsync 'always' it advances only when the fdatasync
// covering the bytes completes, with fsync 'never' when the bytes are in the file (page cache). Offsets are
// JS numbers (< 2^53). Invariant: logStartOffset <= HW <= LEO, and HW always falls on a batch boundary.
//
// Append path (main thread, synchronous, batch level only): read each batch's lastOffsetDelta/size, roll if
// needed, rewrite baseOffset and partitionLeaderEpoch in place (LogAppendTime: maxTimestamp + CRC), update
// the in-memory indexes, queue the buffer. All appends queued before the writer runs (setImmediate, i.e.
// everything arriving in the same event-loop turn, plus whatever arrives while a write is in flight) go to
// the file in one positional writev. One write in flight per partition, so the file grows in offset order.
// Then the Flusher fsyncs the segment (group commit) and the HW advances; durable steps are chained so
// the HW never passes a group whose predecessor is not yet durable, even across a segment roll.
// A failed write or fsync sets storageError: queued and in-flight appends reject with it, later appends
// throw it, the HW stops. Measured choice: async fs.writev on the libuv pool (see segments/README.md,
// "Performance notes") rather than writeSync, so a slow page-cache write never stalls the event loop.
// Exception, a full disk (ENOSPC/EDQUOT on a write): the failed group and everything queued after it are
// refused (KAFKA_STORAGE_ERROR, never acknowledged), the log is cut back to the bytes written (file
// truncated, segments rolled since removed, LEO back to the written end), and appends resume once that is
// done; each later append tries the disk again. The offsets of the refused appends will be assigned again, so
// state keyed by them (a Partition's producer state) is reloaded (onTruncated), then the log emits 'truncated'
// (the new LEO). An fsync error stays fatal until restart: after a failed fsync the page cache may hold bytes
// the disk does not (Kafka and PostgreSQL treat it the same way).
//
// Log start offset: the first segment's base offset, or higher after DeleteRecords (deleteRecordsTo);
// the LogManager persists it in <dataDir>/log-start-offset-checkpoint and passes it back at open. It
// never moves backwards and never passes the HW. Segment deletion (retention, DeleteRecords, compaction)
// renames the files to `.deleted` and removes them file.delete.delay.ms later (config.fileDeleteDelayMs;
// 0 or absent: at once). Changes to the segment list (deletions, compaction swaps) run one at a time.
//
// Reads: whole batches via the segment's offset index and a header scan, positional reads, never past
// the written bytes nor `maxOffset`. Opening and crash recovery: log-loader.ts.
//
// Aborted transactions: each segment's `.txnindex` lists the aborts whose marker it holds
// (index/txn-index.ts). addAbortedTxn() writes the entry before the caller appends the marker;
// collectAbortedTxns() answers read_committed fetches. A compaction swap gives the cleaned segment the entries
// of the segments it replaces whose marker survived the cleaning. Which transactions are still open (the last
// stable offset) is producer state: a PartitionLog knows none (its LSO is the HW); Partition (partition.ts)
// adds it, with the appends that check and record it.
// Threading: main thread; fsync in the Flusher's worker threads.
import { INT32_MAX } from '../protocol/primitives/limits.js'
import { EventEmitter } from 'node:events'
import { promises as fsp } from 'node:fs'
import type { Logger } from '../logger.js'
import { BROKER_CONFIG_BY_NAME, TOPIC_CONFIG_BY_NAME } from '../config/definitions.js'
import {
  BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD,
  TimestampType, setBaseOffset, setMaxTimestamp, setPartitionLeaderEpoch
} from '../protocol/records/batch-header.js'
import { KafkaStorageError, OffsetOutOfRangeError } from './errors.js'
import { fsyncDirAsync, fsyncFd, isNoSpaceError, writevAt } from './file-io.js'
import { SWAP_FILE_SUFFIX, logFileName, offsetIndexFileName, timeIndexFileName } from './log-file-names.js'
import { loadLog } from './log-loader.js'
import { LogSegment, type ReadResult } from './segment.js'
import type { AbortedTxn } from './index/txn-index.js'
import type { Flusher } from './workers/flusher.js'

export interface LogConfig {
  /** segment.bytes: roll when the active segment would exceed it. Default 1 GiB. */
  segmentBytes: number
  /** segment.ms: roll when the active segment's first append is older. Default 7 days. */
  segmentMs: number
  /** index.interval.bytes: bytes of log between offset-index entries. Default 4096. */
  indexIntervalBytes: number
  /** segment.index.bytes: capacity of each index; a full index rolls the segment. Default 10 MiB. */
  segmentIndexBytes: number
  /** message.timestamp.type */
  messageTimestampType: 'CreateTime' | 'LogAppendTime'
  /** 'always': acknowledge acks=all after fdatasync; 'never': the explicitly unsafe mode, no fsync. */
  fsync: 'always' | 'never'
  /** retention.ms (-1 = keep forever). Optional: when absent, the LogManager reads the topic's overrides. */
  retentionMs?: number
  /** retention.bytes per partition (-1 = no limit). Optional, as retentionMs. */
  retentionBytes?: number
  /** cleanup.policy ('delete', 'compact' or 'compact,delete'). Optional, as retentionMs. */
  cleanupPolicy?: string
  /** delete.retention.ms: how long a tombstone stays after its first cleaning. Default 1 day. */
  deleteRetentionMs?: number
  /** min.cleanable.dirty.ratio: dirty / (clean + dirty) bytes above which the cleaner takes the log. Default 0.5. */
  minCleanableDirtyRatio?: number
  /** min.compaction.lag.ms: segments with a record younger than this are not compacted. Default 0. */
  minCompactionLagMs?: number
  /** max.compaction.lag.ms: a dirty segment older than this is compacted whatever the ratio. Default: never. */
  maxCompactionLagMs?: number
  /** file.delete.delay.ms: delay before `.deleted` segment files are removed. Default 0 here (at once). */
  fileDeleteDelayMs?: number
  /**
   * Broker-wide log.retention.check.interval.ms, carried by the LogManager's `defaults` LogConfig (the
   * manager reads it from there when its own option is absent). Ignored per topic.
   */
  retentionCheckIntervalMs?: number
}

/** Kafka's default of a topic config (or, with `broker`, of a broker key), as config/definitions.ts writes it. */
export function configDefault (name: string, broker = false): string {
  const d = (broker ? BROKER_CONFIG_BY_NAME : TOPIC_CONFIG_BY_NAME).get(name)?.default
  if (d === undefined || d === null) throw new Error(`config/definitions.ts has no default for ${broker ? 'broker' : 'topic'} config ${name}`)
  return d
}

/** The topic configs' defaults (fsync: the broker's). */
export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: Number(configDefault('segment.bytes')),
  segmentMs: Number(configDefault('segment.ms')),
  indexIntervalBytes: Number(configDefault('index.interval.bytes')),
  segmentIndexBytes: Number(configDefault('segment.index.bytes')),
  messageTimestampType: configDefault('message.timestamp.type') as LogConfig['messageTimestampType'],
  fsync: configDefault('fsync', true) as LogConfig['fsync']
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** The broker time written into the batches with LogAppendTime, -1 for CreateTime. */
  logAppendTime: number
  /** Resolves once the bytes are in the file (page cache). */
  written: Promise<void>
  /** Resolves once fsynced (fsync 'never': once written) and the HW covers the batches. */
  durable: Promise<void>
}

export type WriteImpl = (fd: number, buffers: Buffer[], position: number) => Promise<number>

export interface PartitionLogOptions {
  dir: string
  topic: string
  partition: number
  config: LogConfig
  flusher: Flusher
  logger: Logger
  /** true: trust the index files (the data dir has a clean-shutdown marker). false: recover the active segment. */
  cleanShutdown: boolean
  /** Replaces the positional writev (fault injection in tests). */
  writeImpl?: WriteImpl
  /** Log start offset from the checkpoint: raised to the first segment's base, lowered to the log end. */
  logStartOffset?: number
  /** Called after each step of a compaction swap; throwing simulates a crash at that step (tests). */
  swapFaultHook?: (step: SwapStep) => void
}

/** Steps of replaceSegments, in order (see there). */
export type SwapStep = 'swap-created' | 'old-segments-renamed' | 'old-indexes-removed' | 'swap-renamed'

interface Deferred { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void }

function deferred (): Deferred {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  promise.catch(() => {}) // callers may ignore a promise (acks=1 ignores durable): never an unhandled rejection
  return { promise, resolve, reject }
}

/** Bytes appended in one or more calls, written by one writev to one segment. */
interface WriteGroup {
  kind: 'write'
  segment: LogSegment
  buffers: Buffer[]
  bytes: number
  endOffset: number
  started: boolean
  written: Deferred
  durable: Deferred
}
/** Work ordered after the writes queued before it (e.g. writing the indexes of a rolled segment). */
interface QueuedTask { kind: 'task'; run: () => Promise<void>; done: Deferred }

const EMPTY_READ: ReadResult = { batches: [], bytes: 0 }

export class PartitionLog extends EventEmitter {
  readonly topic: string
  readonly partition: number
  readonly dir: string
  private _config: LogConfig
  logStartOffset = 0
  logEndOffset = 0
  highWatermark = 0
  storageError: Error | null = null
  /** Written into partitionLeaderEpoch of every appended batch (a single broker: 0). */
  leaderEpoch = 0
  /** Bytes removed by recovery when this log was opened. */
  recoveredBytes = 0
  private readonly flusher: Flusher
  private readonly logger: Logger
  private readonly writeImpl: WriteImpl
  private segments: LogSegment[] = []
  private queue: Array<WriteGroup | QueuedTask> = []
  private openGroup: WriteGroup | null = null
  private writeScheduled = false
  private writing: Promise<void> | null = null
  private durableTail: Promise<void> = Promise.resolve()
  private readonly unflushed = new Set<LogSegment>()
  private closed = false
  /** Set while the log is cut back after a full disk: appends throw it meanwhile. */
  private diskFull: KafkaStorageError | null = null
  /** Changes to the segment list (deletions, swaps), one at a time. */
  private segmentsLock: Promise<void> = Promise.resolve()
  /** Segments renamed to .deleted, waiting for file.delete.delay.ms. */
  private readonly pendingDeletes = new Map<LogSegment, NodeJS.Timeout>()
  private readonly initialLogStartOffset: number | undefined
  private readonly swapFaultHook: ((step: SwapStep) => void) | undefined

  protected constructor (opts: PartitionLogOptions) {
    super()
    this.topic = opts.topic
    this.partition = opts.partition
    this.dir = opts.dir
    this._config = opts.config
    this.flusher = opts.flusher
    this.logger = opts.logger
    this.writeImpl = opts.writeImpl ?? writevAt
    this.initialLogStartOffset = opts.logStartOffset
    this.swapFaultHook = opts.swapFaultHook
    this.setMaxListeners(0) // every parked fetch may listen for 'highWatermark'
  }

  get config (): LogConfig { return this._config }

  /**
   * Last stable offset: without producer state, the high watermark (Partition holds it back at the first
   * offset of an unfinished transaction).
   */
  get lastStableOffset (): number {
    return this.highWatermark
  }
  /** Replaceable live (topic config changes); segment.index.bytes applies to segments created later. */
  set config (c: LogConfig) {
    this._config = c
    for (const s of this.segments) s.config = c
  }

  get name (): string { return `${this.topic}-${this.partition}` }
  get isClosed (): boolean { return this.closed }
  get activeSegment (): LogSegment { return this.segments[this.segments.length - 1]! }
  /** Segments oldest first (a copy). */
  segmentList (): LogSegment[] { return this.segments.slice() }
  /** Bytes of all segments. */
  get size (): number { let n = 0; for (const s of this.segments) n += s.size; return n }

  static async open (opts: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(opts)
    await log.load(opts.cleanShutdown)
    return log
  }

  // ---- load ----

  protected async load (cleanShutdown: boolean): Promise<void> {
    const loaded = await loadLog({ dir: this.dir, name: this.name, config: this._config, logger: this.logger, cleanShutdown })
    this.segments = loaded.segments
    this.recoveredBytes = loaded.recoveredBytes
    this.logEndOffset = loaded.logEndOffset
    this.highWatermark = this.logEndOffset
    this.logStartOffset = this.segments[0]!.baseOffset
    const checkpointed = this.initialLogStartOffset
    if (checkpointed !== undefined && checkpointed > this.logStartOffset) {
      this.logStartOffset = Math.min(checkpointed, this.logEndOffset)
      if (checkpointed > this.logEndOffset) {
        this.logger.warn({ partition: this.name, checkpointed, logEndOffset: this.logEndOffset }, `${this.name}: checkpointed log start offset ${checkpointed} is past the log end offset ${this.logEndOffset}; using ${this.logEndOffset}`)
      }
    }
  }

  // ---- append ----

  append (batches: Buffer[], now: number): AppendResult {
    if (this.storageError !== null) throw this.storageError
    if (this.diskFull !== null) throw this.diskFull
    if (this.closed) throw new KafkaStorageError(`partition ${this.name} is closed`)
    const logAppendTime = this._config.messageTimestampType === 'LogAppendTime'
    const baseOffset = this.logEndOffset
    for (let b = 0; b < batches.length; b++) {
      const buf = batches[b]!
      let pos = 0
      while (pos < buf.length) {
        if (pos + RECORD_BATCH_OVERHEAD > buf.length) throw new RangeError(`partition ${this.name}: append of a ${buf.length - pos}-byte fragment at byte ${pos}, expected a whole batch (>= 61 bytes)`)
        const size = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD
        if (size < RECORD_BATCH_OVERHEAD || pos + size > buf.length) throw new RangeError(`partition ${this.name}: batch at byte ${pos} claims ${size} bytes, ${buf.length - pos} present`)
        const offset = this.logEndOffset
        const last = offset + buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET)
        if (this.activeSegment.shouldRoll(size, last, now, this._config.segmentBytes, this._config.segmentMs)) this.roll(offset)
        setBaseOffset(buf, offset, pos)
        setPartitionLeaderEpoch(buf, this.leaderEpoch, pos)
        let maxTs: number
        if (logAppendTime) {
          setMaxTimestamp(buf, TimestampType.LogAppendTime, now, pos)
          maxTs = now
        } else {
          maxTs = Number(buf.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET))
        }
        const seg = this.activeSegment
        seg.onAppend(size, last, maxTs, logAppendTime ? offset : last, now)
        this.enqueue(seg, pos === 0 && size === buf.length ? buf : buf.subarray(pos, pos + size), size, last + 1)
        this.logEndOffset = last + 1
        pos += size
      }
    }
    const g = this.openGroup
    if (g === null) {
      // nothing appended: settle with the writes already queued
      const done = this.drained()
      return { baseOffset, lastOffset: baseOffset - 1, logAppendTime: -1, written: done, durable: done }
    }
    return { baseOffset, lastOffset: this.logEndOffset - 1, logAppendTime: logAppendTime ? now : -1, written: g.written.promise, durable: g.durable.promise }
  }

  private enqueue (seg: LogSegment, buf: Buffer, size: number, endOffset: number): void {
    let g = this.openGroup
    if (g === null || g.started || g.segment !== seg) {
      g = { kind: 'write', segment: seg, buffers: [], bytes: 0, endOffset, started: false, written: deferred(), durable: deferred() }
      this.queue.push(g)
      this.openGroup = g
    }
    g.buffers.push(buf)
    g.bytes += size
    g.endOffset = endOffset
    if (!this.writeScheduled && this.writing === null) {
      this.writeScheduled = true
      setImmediate(this.runWrites)
    }
  }

  private enqueueTask (run: () => Promise<void>): void {
    const t: QueuedTask = { kind: 'task', run, done: deferred() }
    this.queue.push(t)
    this.openGroup = null
  }

  /** Closes the active segment for appends and starts a new one at `offset`. */
  private roll (offset: number): void {
    const old = this.activeSegment
    let seg: LogSegment
    try {
      seg = LogSegment.createSync(this.dir, offset, this._config)
    } catch (err) {
      if (isNoSpaceError(err)) {
        // nothing of this batch is assigned yet: refuse it, keep the log as it is
        throw new KafkaStorageError(`partition ${this.name}: no space to create segment ${logFileName(this.dir, offset)}: ${(err as Error).message}`, { cause: err })
      }
      this.fail(err as Error, logFileName(this.dir, offset))
      throw this.storageError!
    }
    old.sealTimeIndex()
    this.segments.push(seg)
    this.openGroup = null
    // the old segment's indexes go to disk once its queued bytes are written
    this.enqueueTask(async () => { await old.writeIndexes() })
    this.logger.info({ partition: this.name, oldSegment: old.logFile, oldSize: old.size, newBaseOffset: offset }, `rolled ${this.name} to a new segment at offset ${offset}`)
  }

  private readonly runWrites = (): void => {
    this.writeScheduled = false
    if (this.writing !== null) return
    this.writing = this.writeLoop().finally(() => {
      this.writing = null
      if (this.queue.length > 0 && this.storageError === null && !this.writeScheduled) {
        this.writeScheduled = true
        setImmediate(this.runWrites)
      }
    })
  }

  private async writeLoop (): Promise<void> {
    while (this.queue.length > 0 && this.storageError === null) {
      const e = this.queue.shift()!
      if (e.kind === 'task') {
        try {
          await e.run()
          e.done.resolve()
        } catch (err) {
          if (isNoSpaceError(err)) {
            // an index file could not be written: the index stays dirty in memory and is written again on
            // the next flush or close (indexes are rebuilt from the log anyway)
            this.logger.warn({ partition: this.name, err: (err as Error).message }, `${this.name}: no space to write an index file; will retry on flush or close`)
            e.done.resolve()
            continue
          }
          this.fail(err as Error, this.dir)
          e.done.reject(this.storageError!)
        }
        continue
      }
      e.started = true
      if (this.openGroup === e) this.openGroup = null
      const seg = e.segment
      seg.acquire()
      try {
        await this.writeImpl(seg.fd, e.buffers, seg.writtenSize)
      } catch (err) {
        seg.release()
        if (isNoSpaceError(err)) {
          await this.cutBackAfterFullDisk(e, err as Error)
          continue
        }
        this.fail(err as Error, seg.logFile)
        e.written.reject(this.storageError!)
        e.durable.reject(this.storageError!)
        break
      }
      seg.writtenSize += e.bytes
      this.unflushed.add(seg)
      e.buffers = []
      e.written.resolve()
      this.chainDurable(e, seg)
    }
  }

  /** fsync (if configured), then wait for the previous group, then advance the HW. */
  private chainDurable (g: WriteGroup, seg: LogSegment): void {
    const prev = this.durableTail
    const sync = this._config.fsync === 'always' ? this.flusher.sync(seg.fd) : Promise.resolve()
    const step = sync.finally(() => { seg.release() }).then(async () => {
      await prev
      if (this.storageError !== null) throw this.storageError
      this.advanceHighWatermark(g.endOffset)
    })
    this.durableTail = step.then(() => { g.durable.resolve() }, (err: Error) => {
      this.fail(err, seg.logFile)
      g.durable.reject(this.storageError!)
    })
  }

  private advanceHighWatermark (offset: number): void {
    if (offset > this.highWatermark) {
      this.highWatermark = offset
      this.emit('highWatermark', offset)
    }
  }

  /** Sets storageError (once) and rejects everything queued. */
  private fail (err: Error, file: string): void {
    if (this.storageError === null) {
      this.storageError = err instanceof KafkaStorageError
        ? err
        : new KafkaStorageError(`partition ${this.name}: I/O on ${file} failed: ${err.message}`, { cause: err })
      this.logger.error({ partition: this.name, file, err: err.message }, `storage error on ${this.name}; the partition refuses appends from now on`)
    }
    const e = this.storageError
    for (const q of this.queue) {
      if (q.kind === 'task') q.done.reject(e)
      else { q.written.reject(e); q.durable.reject(e) }
    }
    this.queue = []
    this.openGroup = null
  }

  /**
   * A write failed for lack of space: refuse that group and everything queued after it (none of it is
   * acknowledged), then cut the log back to the bytes in the file, so that the next append lands right
   * after the last written batch. Appends throw a KAFKA_STORAGE_ERROR until the cut is done.
   */
  private async cutBackAfterFullDisk (failed: WriteGroup, cause: Error): Promise<void> {
    const seg = failed.segment
    let refused = 1
    for (const q of this.queue) if (q.kind === 'write') refused++
    const err = new KafkaStorageError(`partition ${this.name}: no space left on the device writing ${seg.logFile} (${(cause as NodeJS.ErrnoException).code ?? cause.message}); the append was not written and is not acknowledged; appends resume once space is free`, { cause })
    this.diskFull = err
    failed.written.reject(err)
    failed.durable.reject(err)
    for (const q of this.queue) {
      if (q.kind === 'task') q.done.reject(err)
      else { q.written.reject(err); q.durable.reject(err) }
    }
    this.queue = []
    this.openGroup = null
    this.logger.warn({ partition: this.name, file: seg.logFile, writtenSize: seg.writtenSize, refusedGroups: refused, err: cause.message },
      `${this.name}: disk full writing ${seg.logFile}; ${refused} write groups refused, cutting the log back to ${seg.writtenSize} bytes`)
    try {
      const at = this.segments.indexOf(seg)
      // segments rolled after the failed write hold no written byte
      const later = at < 0 ? [] : this.segments.splice(at + 1)
      for (const s of later) {
        this.unflushed.delete(s)
        await s.deleteFiles()
      }
      await seg.truncateTo(seg.writtenSize)
      this.logEndOffset = Math.max(seg.nextOffset, this.highWatermark)
      this.diskFull = null
      // offsets from here on will be assigned again: facts cached about them (idempotent producer state:
      // sequence numbers -> offsets) must be dropped
      this.onTruncated(this.logEndOffset)
      this.emit('truncated', this.logEndOffset)
    } catch (cutErr) {
      this.diskFull = null
      this.fail(cutErr as Error, seg.logFile)
    }
  }

  /** Called when a full-disk cut-back moved the log end offset back to `logEndOffset` (none here). */
  protected onTruncated (_logEndOffset: number): void {}

  /** Resolves once every queued write and durable step has settled, a full-disk cut-back included (errors ignored). */
  whenIdle (): Promise<void> { return this.drained() }

  /** Resolves when every queued write is written and every durable step settled (errors ignored). */
  private async drained (): Promise<void> {
    for (;;) {
      if (this.writeScheduled) await new Promise(resolve => setImmediate(resolve))
      if (this.writing !== null) await this.writing
      const tail = this.durableTail
      await tail
      if (this.writing === null && !this.writeScheduled && (this.queue.length === 0 || this.storageError !== null) && tail === this.durableTail) return
    }
  }

  // ---- reads ----

  private segmentIndexFor (offset: number): number {
    const segs = this.segments
    let lo = 0
    let hi = segs.length - 1
    if (offset < segs[0]!.baseOffset) return 0
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (segs[mid]!.baseOffset <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  async read (fetchOffset: number, maxBytes: number, opts: { minOneBatch: boolean; maxOffset: number }): Promise<ReadResult> {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(`partition ${this.name}: fetch offset ${fetchOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}]`, this.logStartOffset, this.logEndOffset)
    }
    const maxOffset = Math.min(opts.maxOffset, this.logEndOffset)
    if (fetchOffset >= maxOffset) return EMPTY_READ
    let seg: LogSegment | undefined = this.segments[this.segmentIndexFor(fetchOffset)]
    while (seg !== undefined) {
      seg.acquire()
      let r: ReadResult | null
      try {
        r = await seg.read(fetchOffset, maxBytes, opts.minOneBatch, maxOffset)
      } finally {
        seg.release()
      }
      if (r !== null) return r
      const i = this.segments.indexOf(seg)
      seg = i < 0 ? undefined : this.segments[i + 1]
    }
    return EMPTY_READ
  }

  /**
   * ListOffsets by timestamp: the first record with timestamp >= ts (Kafka's semantics), found through the
   * first segment whose largest timestamp >= ts, its time index, offset index and a header scan; null if
   * none. Offsets >= maxOffset (e.g. the HW) are not returned.
   */
  async offsetForTimestamp (ts: number, opts: { maxOffset?: number } = {}): Promise<{ offset: number; timestamp: number } | null> {
    const maxOffset = opts.maxOffset ?? Infinity
    for (const seg of this.segments.slice()) {
      if (seg.largestTimestamp < ts) continue
      seg.acquire()
      let r: { offset: number; timestamp: number } | null
      try {
        r = await seg.findOffsetByTimestamp(ts, this.logStartOffset)
      } finally {
        seg.release()
      }
      if (r !== null) return r.offset < maxOffset ? r : null
    }
    return null
  }

  /**
   * ListOffsets -3 (MAX_TIMESTAMP): the largest batch maxTimestamp and an offset for it, batch-level: the
   * batch's last offset (CreateTime) or base offset (LogAppendTime). { -1, -1 } for an empty log.
   */
  maxTimestampAndOffset (): { timestamp: number; offset: number } {
    let best = { timestamp: -1, offset: -1 }
    for (const s of this.segments) {
      if (s.maxTimestampSoFar > best.timestamp) best = { timestamp: s.maxTimestampSoFar, offset: s.maxTimestampRecordOffset }
    }
    return best
  }

  // ---- retention and log start offset ----

  /** Runs changes to the segment list one at a time. */
  private withSegmentsLock<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.segmentsLock.then(fn)
    this.segmentsLock = run.then(() => {}, () => {})
    return run
  }

  /**
   * Deletes inactive segments entirely older than retentionMs (by largest timestamp) or beyond
   * retentionBytes (oldest first); -1 disables either. Segments entirely below the log start offset go too.
   * The active segment is never deleted. Returns the number of segments deleted; logStartOffset moves to
   * the first remaining segment (never backwards).
   */
  deleteOldSegments (now: number, retentionMs: number, retentionBytes: number): Promise<number> {
    return this.withSegmentsLock(async () => {
      let total = this.size
      let n = 0
      for (let i = 0; i < this.segments.length - 1; i++) {
        const s = this.segments[i]!
        if (s.writtenSize !== s.size || s.nextOffset > this.highWatermark) break
        const belowStart = this.segments[i + 1]!.baseOffset <= this.logStartOffset
        // an empty inactive segment (compacted away entirely) has no timestamp: it goes with time-based retention
        const byTime = retentionMs >= 0 && (s.size === 0 || (s.maxTimestampSoFar >= 0 && now - s.maxTimestampSoFar > retentionMs))
        const bySize = retentionBytes >= 0 && total - s.size >= retentionBytes
        if (!belowStart && !byTime && !bySize) break
        total -= s.size
        n++
      }
      await this.removeLeadingSegments(n, 'retention')
      return n
    })
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (<= the high watermark, else
   * OffsetOutOfRangeError) and deletes the segments now entirely below it. Returns the log start offset.
   */
  deleteRecordsTo (offset: number): Promise<number> {
    if (this.storageError !== null) return Promise.reject(this.storageError)
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.highWatermark) {
      return Promise.reject(new OffsetOutOfRangeError(`partition ${this.name}: cannot delete records up to offset ${offset}: it must lie in [0, high watermark ${this.highWatermark}]`, this.logStartOffset, this.logEndOffset))
    }
    if (offset > this.logStartOffset) {
      this.logStartOffset = offset
      this.logger.info({ partition: this.name, logStartOffset: offset }, `${this.name}: log start offset moved to ${offset} by DeleteRecords`)
    }
    return this.withSegmentsLock(async () => {
      let n = 0
      while (n < this.segments.length - 1 && this.segments[n + 1]!.baseOffset <= this.logStartOffset) n++
      await this.removeLeadingSegments(n, 'log start offset')
      return this.logStartOffset
    })
  }

  /** Removes the first `n` segments (inactive), renames their files to .deleted, schedules their removal. */
  private async removeLeadingSegments (n: number, reason: string): Promise<void> {
    if (n <= 0) return
    const doomed = this.segments.slice(0, n)
    this.segments = this.segments.slice(n)
    this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset)
    for (const s of doomed) {
      this.unflushed.delete(s)
      await this.deleteSegmentFiles(s)
      this.logger.info({ partition: this.name, file: s.logFile, reason }, `deleted segment ${s.logFile} (${reason})`)
    }
  }

  /** .deleted now, removed after file.delete.delay.ms (at once when 0). */
  private async deleteSegmentFiles (s: LogSegment): Promise<void> {
    await s.renameForDelete()
    const delay = this._config.fileDeleteDelayMs ?? 0
    if (delay <= 0 || this.closed) {
      await s.removeDeletedFiles()
      return
    }
    const timer = setTimeout(() => {
      this.pendingDeletes.delete(s)
      s.removeDeletedFiles().catch(err => this.logger.warn({ partition: this.name, file: s.logFile, err: (err as Error).message }, `removing ${s.logFile}.deleted failed`))
    }, delay)
    timer.unref()
    this.pendingDeletes.set(s, timer)
  }

  /** Removes the .deleted files still waiting for their delay (on close). */
  private async flushPendingDeletes (): Promise<void> {
    const pending = [...this.pendingDeletes.keys()]
    for (const s of pending) {
      clearTimeout(this.pendingDeletes.get(s))
      this.pendingDeletes.delete(s)
      await s.removeDeletedFiles().catch(() => {})
    }
  }

  // ---- compaction swap ----

  /**
   * Replaces consecutive inactive segments `old` with one cleaned segment written by the cleaner at
   * `<base of old[0]>.log.cleaned` (base offset = old[0].baseOffset; batches keep their offsets; the file is
   * fsynced by its writer). Kafka's protocol, so a crash at any step is completed or undone at the next open:
   *   1. .log.cleaned -> .log.swap, directory fsynced (commit point: from here on, open() completes the swap)
   *   2. old[1..] files -> .deleted     (their open fds keep serving in-flight reads)
   *   3. old[0]'s index files removed   (so a crash cannot pair them with the cleaned .log; rebuilt at open)
   *   4. .log.swap -> <base>.log        (replaces old[0]'s file; its fd keeps the old inode)
   *   5. open + index the new segment, splice it in, close the old ones, remove their files after
   *      file.delete.delay.ms.
   * Runs under the segment-list lock; throws RangeError, touching nothing, if `old` is no longer a run of
   * inactive segments of this log (e.g. retention deleted one meanwhile).
   */
  replaceSegments (old: LogSegment[], cleanedFile: string): Promise<LogSegment> {
    return this.withSegmentsLock(async () => await this.replaceSegmentsLocked(old, cleanedFile))
  }

  private async replaceSegmentsLocked (old: LogSegment[], cleanedFile: string): Promise<LogSegment> {
    if (old.length === 0) throw new RangeError(`partition ${this.name}: replaceSegments needs at least one segment`)
    if (this.closed) throw new RangeError(`partition ${this.name} is closed`)
    const first = this.segments.indexOf(old[0]!)
    for (let i = 0; i < old.length; i++) {
      if (first < 0 || this.segments[first + i] !== old[i]) throw new RangeError(`partition ${this.name}: segments to replace must be consecutive segments of this log`)
    }
    if (first + old.length >= this.segments.length) throw new RangeError(`partition ${this.name}: the active segment cannot be replaced`)
    for (const s of old) {
      if (s.size !== s.writtenSize) throw new RangeError(`partition ${this.name}: segment ${s.logFile} still has writes in flight`)
    }
    const hook = this.swapFaultHook
    const base = old[0]!.baseOffset
    // The base's .txnindex takes every entry of the replaced segments first (a superset: a crash from here on
    // keeps it); the entries whose marker did not survive the cleaning are dropped once the segment is open.
    const aborted = old.flatMap(s => s.txnIndex.entries)
    if (aborted.length > old[0]!.txnIndex.entries.length) old[0]!.txnIndex.replaceAll(aborted)
    const swap = logFileName(this.dir, base, SWAP_FILE_SUFFIX)
    for (const s of old) await s.prepareForReplace()
    await fsp.rename(cleanedFile, swap)
    await fsyncDirAsync(this.dir)
    hook?.('swap-created')
    for (const s of old.slice(1)) await s.renameForDelete()
    hook?.('old-segments-renamed')
    await fsp.rm(offsetIndexFileName(this.dir, base), { force: true })
    await fsp.rm(timeIndexFileName(this.dir, base), { force: true })
    hook?.('old-indexes-removed')
    await fsp.rename(swap, logFileName(this.dir, base))
    await fsyncDirAsync(this.dir)
    hook?.('swap-renamed')
    const seg = LogSegment.open(this.dir, base, this._config)
    const removed = await seg.recover(this.logger)
    if (removed > 0) this.logger.warn({ file: seg.logFile, bytesRemoved: removed }, `cleaned segment ${seg.logFile} had ${removed} invalid trailing bytes`)
    seg.sealTimeIndex()
    await seg.dropEntriesWithoutMarker()
    try {
      await seg.writeIndexes()
    } catch (err) {
      // the swap is done on disk; missing index files are rebuilt from the log at the next start
      this.logger.warn({ file: seg.logFile, err: (err as Error).message }, `could not write the indexes of the cleaned segment ${seg.logFile}: ${(err as Error).message}`)
    }
    const at = this.segments.indexOf(old[0]!)
    this.segments.splice(at, old.length, seg)
    if (at === 0) this.logStartOffset = Math.max(this.logStartOffset, seg.baseOffset)
    this.unflushed.delete(old[0]!)
    await old[0]!.closeForDelete()
    for (const s of old.slice(1)) {
      this.unflushed.delete(s)
      await this.deleteSegmentFiles(s)
    }
    this.logger.info({ partition: this.name, base, replaced: old.length, size: seg.size }, `swapped a cleaned segment into ${this.name} at ${base} replacing ${old.length} segments`)
    return seg
  }

  // ---- transactions ----

  /**
   * Records an aborted transaction in the .txnindex of the segment that holds (or, for the marker about to be
   * appended, will hold) offset e.lastOffset, fdatasynced before it returns. Idempotent for an entry already
   * present (same lastOffset): producer state rebuilt from the log re-reports the aborts it replays.
   */
  addAbortedTxn (txn: AbortedTxn): void {
    // a copy of the four indexed fields: callers pass richer objects (CompletedTxn) they may keep using
    const e: AbortedTxn = { producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: txn.lastStableOffset }
    const seg = this.segments[this.segmentIndexFor(e.lastOffset)] ?? this.activeSegment
    const entries = seg.txnIndex.entries
    // entries are sorted by lastOffset: binary search (a replay re-reports every abort of the log)
    let lo = 0
    let hi = entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (entries[mid]!.lastOffset < e.lastOffset) lo = mid + 1
      else hi = mid
    }
    if (lo < entries.length && entries[lo]!.lastOffset === e.lastOffset) return
    const last = entries[entries.length - 1]
    if (last !== undefined && last.lastOffset > e.lastOffset) {
      seg.txnIndex.replaceAll([...entries, e])
      return
    }
    seg.txnIndex.append(e)
  }

  /**
   * The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) must report: those with
   * lastOffset >= fetchOffset and firstOffset < upperBoundOffset (Kafka's collectAbortedTransactions: from the
   * segment holding fetchOffset on, stopping at the first entry whose lastStableOffset reaches the bound).
   */
  collectAbortedTxns (fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = []
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      if (this.segments[i]!.txnIndex.collect(fetchOffset, upperBoundOffset, out)) break
    }
    return out
  }

  // ---- lifecycle ----

  /** Writes everything queued, fsyncs the segments written since the last flush, writes the active indexes. */
  async flush (): Promise<void> {
    await this.drained()
    if (this.storageError !== null) throw this.storageError
    const segs = [...this.unflushed]
    this.unflushed.clear()
    for (const s of segs) {
      s.acquire()
      try { await fsyncFd(s.fd) } finally { s.release() }
    }
    await this.activeSegment.writeIndexes()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.drained()
    await this.segmentsLock
    // every segment is closed even if one cannot write its indexes (a full disk); the first error is thrown
    let first: unknown = null
    for (const s of this.segments) await s.close().catch(err => { first ??= err })
    await this.flushPendingDeletes()
    this.removeAllListeners('highWatermark')
    if (first !== null) throw first
  }

  /** Closes the log and removes its directory. */
  async delete (): Promise<void> {
    this.closed = true
    await this.drained()
    await this.segmentsLock
    await this.flushPendingDeletes()
    for (const s of this.segments) await s.closeForDelete()
    await fsp.rm(this.dir, { recursive: true, force: true })
  }
}

export { INT32_MAX as MAX_RELATIVE_OFFSET }
