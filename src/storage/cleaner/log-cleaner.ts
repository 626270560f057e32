// LogCleaner: compaction of every log whose cleanup.policy includes compact (Kafka's LogCleaner +
// LogCleanerManager), __consumer_offsets included.
//
// Main thread: every `backoffMs` (Kafka's log.cleaner.backoff.ms, 15 s) it looks for the dirtiest cleanable
// log (cleanable.ts), hands one cleaning to a piscina worker (clean-task.ts: offset map, recopy into
// `.cleaned` files, fdatasync), then swaps each cleaned file in with PartitionLog.replaceSegments
// (.cleaned -> .swap -> .log, crash-safe at every step) and checkpoints where the next cleaning starts; then it
// looks again, until no log qualifies. One cleaning at a time (Kafka's log.cleaner.threads = 1): the worker
// does all the reading, decompressing, filtering, recompressing and writing, so the event loop only sees
// the swap (renames, and re-indexing the cleaned segment with async reads).
//
//   <dataDir>/cleaner-offset-checkpoint     "<topic> <partition> <first dirty offset>" per log, Kafka's
//                                           format (checkpoint-file.ts); rewritten after each cleaning
//
// Invariants: a log is cleaned by one task at a time; a swap is refused by the log (RangeError, nothing
// touched) if retention or DeleteRecords changed its segments meanwhile, and then the remaining `.cleaned`
// files are removed and the checkpoint is not advanced, so the next round redoes the work. The checkpoint
// only moves forward after every group of a cleaning was swapped in. A log whose cleaning fails (corrupt
// data, I/O error) is logged at ERROR and skipped until restart (Kafka's "uncleanable partitions").
// The smallest delete horizon kept by a log's last cleaning is remembered in memory only, so after a restart
// expired tombstones leave at the log's next dirty-ratio cleaning rather than on their own.
// Threading: main thread + one worker thread (created on the first cleaning, idle after 60 s).
import { existsSync, promises as fsp } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Piscina } from 'piscina'
import type { Logger } from '../../logger.js'
import { CLEANER_OFFSET_CHECKPOINT_FILE, CheckpointFile, checkpointKey, type OffsetCheckpoint } from '../checkpoint-file.js'
import type { PartitionLog } from '../log.js'
import type { LogSegment } from '../segment.js'
import { cleanableRange, shouldClean, type LogToClean } from './cleanable.js'
import { runCleanTask, type CleanResult, type CleanTask, type CleanTaskSegment } from './clean-task.js'
import { DEFAULT_MAX_MAP_ENTRIES } from './offset-map.js'

export interface LogCleanerOptions {
  dataDir: string
  logger: Logger
  /** Every live partition log (the cleaner picks the compacted ones). */
  logs: () => PartitionLog[]
  /** Pause between rounds when no log qualifies (Kafka's log.cleaner.backoff.ms). Default 15000. */
  backoffMs?: number
  /** Bound of the offset map in keys per cleaning. Default 2,000,000. */
  maxMapEntries?: number
  /** Run cleanings on the calling thread instead of the worker (tests and benchmarks). Default false. */
  inline?: boolean
  /** Clock for horizons and lags. Default Date.now. */
  clock?: () => number
}

export interface CleaningSummary {
  log: string
  firstDirtyOffset: number
  endOffset: number
  swapped: number
  aborted: boolean
  reason?: string
  result: CleanResult | null
  durationMs: number
}

interface InProgress { abort: Int32Array; done: Promise<unknown> }

function workerFilename (): string {
  const js = fileURLToPath(new URL('./cleaner-worker.js', import.meta.url))
  if (existsSync(js)) return js
  return fileURLToPath(new URL('./cleaner-worker.ts', import.meta.url))
}

/** A segment as the clean task sees it: plain data, passed to the worker thread. */
function taskSegment (s: LogSegment): CleanTaskSegment {
  return {
    baseOffset: s.baseOffset,
    file: s.logFile,
    size: s.writtenSize,
    nextOffset: s.nextOffset,
    offsetIndexBytes: s.offsetIndex.sizeInBytes,
    timeIndexBytes: s.timeIndex.sizeInBytes
  }
}

/** The clean task of one cleaning: the cleanable segments, the tail read for producers' last batches, the settings. */
function cleanTaskOf (ltc: LogToClean, now: number, maxMapEntries: number, abort: Int32Array): CleanTask {
  const log = ltc.log
  return {
    name: log.name,
    segments: ltc.segments.map(taskSegment),
    tailSegments: log.segmentList().filter(s => s.baseOffset >= ltc.firstUncleanableOffset).map(taskSegment),
    firstDirtyOffset: ltc.firstDirtyOffset,
    firstUncleanableOffset: ltc.firstUncleanableOffset,
    now,
    deleteRetentionMs: ltc.settings.deleteRetentionMs,
    segmentBytes: log.config.segmentBytes,
    segmentIndexBytes: log.config.segmentIndexBytes,
    maxMapEntries,
    abort
  }
}

export class LogCleaner {
  readonly checkpointFile: CheckpointFile
  private checkpoint: OffsetCheckpoint = new Map()
  private readonly logger: Logger
  private readonly logs: () => PartitionLog[]
  private readonly backoffMs: number
  private readonly maxMapEntries: number
  private readonly inline: boolean
  private readonly clock: () => number
  private pool: Promise<Piscina> | null = null
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private readonly inProgress = new Map<PartitionLog, InProgress>()
  private readonly horizons = new WeakMap<PartitionLog, number>()
  private readonly uncleanable = new WeakSet<PartitionLog>()
  private closed = false
  /** Cleanings completed since start (for tests and metrics). */
  cleanings = 0

  constructor (opts: LogCleanerOptions) {
    this.logger = opts.logger
    this.logs = opts.logs
    this.backoffMs = opts.backoffMs ?? 15_000
    this.maxMapEntries = opts.maxMapEntries ?? DEFAULT_MAX_MAP_ENTRIES
    this.inline = opts.inline ?? false
    this.clock = opts.clock ?? Date.now
    this.checkpointFile = new CheckpointFile(opts.dataDir, CLEANER_OFFSET_CHECKPOINT_FILE, opts.logger)
  }

  /** Reads the checkpoint and starts the background rounds (backoffMs apart; 0: no background rounds). */
  async start (): Promise<void> {
    this.checkpoint = await this.checkpointFile.read()
    this.schedule()
  }

  private schedule (): void {
    if (this.closed || this.backoffMs <= 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.cleanUntilDone().then(() => {}, err => {
        this.logger.error({ err }, 'log cleaner round failed')
      }).finally(() => {
        this.running = null
        this.schedule()
      })
    }, this.backoffMs)
    this.timer.unref()
  }

  /** First dirty offset checkpointed for a log (undefined: never cleaned). */
  checkpointOf (log: PartitionLog): number | undefined {
    return this.checkpoint.get(checkpointKey(log.topic, log.partition))
  }

  /** The log that qualifies with the highest dirty ratio, or null. */
  async dirtiest (now = this.clock()): Promise<LogToClean | null> {
    let best: LogToClean | null = null
    for (const log of this.logs()) {
      if (log.isClosed || log.storageError !== null || this.inProgress.has(log) || this.uncleanable.has(log)) continue
      const c = log.config.cleanupPolicy
      if (c === undefined || !c.includes('compact')) continue
      const ltc = await cleanableRange(log, this.checkpointOf(log), now, this.horizons.get(log))
      if (!shouldClean(ltc)) continue
      const score = ltc.needCompactionNow || ltc.horizonExpired ? ltc.ratio + 1 : ltc.ratio
      const bestScore = best === null ? -1 : (best.needCompactionNow || best.horizonExpired ? best.ratio + 1 : best.ratio)
      if (score > bestScore) best = ltc
    }
    return best
  }

  /** Cleans the dirtiest qualifying log, if any; null when none qualifies. */
  async cleanOnce (now = this.clock()): Promise<CleaningSummary | null> {
    if (this.closed) return null
    const ltc = await this.dirtiest(now)
    if (ltc === null) return null
    return await this.clean(ltc, now)
  }

  /** Cleans until no log qualifies; returns the cleanings done. */
  async cleanUntilDone (now?: number): Promise<CleaningSummary[]> {
    const out: CleaningSummary[] = []
    for (let i = 0; i < 1000 && !this.closed; i++) {
      const r = await this.cleanOnce(now ?? this.clock())
      if (r === null) break
      out.push(r)
      if (r.aborted) break
    }
    return out
  }

  /** Cleans one given log now, if it has anything cleanable (ignores the dirty ratio). */
  async cleanLog (log: PartitionLog, now = this.clock()): Promise<CleaningSummary | null> {
    if (this.closed || this.inProgress.has(log)) return null
    const ltc = await cleanableRange(log, this.checkpointOf(log), now, this.horizons.get(log))
    if (ltc.segments.length === 0) return null
    return await this.clean(ltc, now)
  }

  private runTask (task: CleanTask): Promise<CleanResult> {
    if (this.inline) return Promise.resolve().then(() => runCleanTask(task))
    this.pool ??= import('piscina').then(({ Piscina }) =>
      new Piscina({ filename: workerFilename(), minThreads: 0, maxThreads: 1, idleTimeout: 60_000 }))
    return this.pool.then(pool => pool.run(task) as Promise<CleanResult>)
  }

  private async clean (ltc: LogToClean, now: number): Promise<CleaningSummary> {
    const log = ltc.log
    const started = performance.now()
    const abort = new Int32Array(new SharedArrayBuffer(4))
    const task = cleanTaskOf(ltc, now, this.maxMapEntries, abort)
    const summary: CleaningSummary = {
      log: log.name, firstDirtyOffset: ltc.firstDirtyOffset, endOffset: ltc.firstDirtyOffset, swapped: 0, aborted: false, result: null, durationMs: 0
    }
    let settle!: () => void
    this.inProgress.set(log, { abort, done: new Promise<void>(resolve => { settle = resolve }) })
    const bySegmentBase = new Map(ltc.segments.map(s => [s.baseOffset, s]))
    let result: CleanResult | null = null
    try {
      this.logger.info({ partition: log.name, firstDirtyOffset: ltc.firstDirtyOffset, firstUncleanableOffset: ltc.firstUncleanableOffset, ratio: Number(ltc.ratio.toFixed(3)) },
        `cleaning ${log.name}: offsets ${ltc.firstDirtyOffset} to ${ltc.firstUncleanableOffset} dirty, ratio ${ltc.ratio.toFixed(3)}`)
      result = await this.runTask(task)
      summary.result = result
      if (result.aborted) {
        summary.aborted = true
        summary.reason = result.reason
        if (result.reason !== 'aborted') this.logger.warn({ partition: log.name, reason: result.reason }, `cleaning ${log.name} stopped: ${result.reason ?? ''}; the next round retries`)
        return summary
      }
      await this.swapIn(log, result, bySegmentBase, abort, summary)
      if (!summary.aborted) {
        summary.endOffset = result.endOffset
        await this.completeCleaning(log, result)
      }
      return summary
    } catch (err) {
      this.uncleanable.add(log)
      summary.aborted = true
      summary.reason = (err as Error).message
      if (result !== null) for (const g of result.groups.slice(summary.swapped)) await fsp.rm(g.cleanedFile, { force: true }).catch(() => {})
      this.logger.error({ partition: log.name, err }, `cleaning ${log.name} failed; the log is not cleaned again until restart: ${(err as Error).message}`)
      return summary
    } finally {
      summary.durationMs = performance.now() - started
      this.inProgress.delete(log)
      settle()
    }
  }

  /**
   * Swaps each cleaned group in, in order (PartitionLog.replaceSegments), counting them in summary.swapped.
   * Stops at an abort, a closed log or a swap the log refuses (RangeError: it changed meanwhile), marking the
   * summary aborted; then removes the `.cleaned` files not swapped in. Other errors are thrown, the remaining
   * files left to the caller.
   */
  private async swapIn (
    log: PartitionLog, result: CleanResult, bySegmentBase: Map<number, LogSegment>, abort: Int32Array, summary: CleaningSummary
  ): Promise<void> {
    let i = 0
    for (; i < result.groups.length; i++) {
      const g = result.groups[i]!
      if (Atomics.load(abort, 0) !== 0 || log.isClosed) {
        summary.aborted = true
        summary.reason = 'aborted'
        break
      }
      const old = g.bases.map(b => bySegmentBase.get(b)!)
      try {
        await log.replaceSegments(old, g.cleanedFile)
        summary.swapped++
      } catch (err) {
        if (!(err instanceof RangeError)) throw err
        summary.aborted = true
        summary.reason = `the log changed during the cleaning: ${err.message}`
        this.logger.info({ partition: log.name, reason: err.message }, `not swapping the cleaned segments of ${log.name}: ${err.message}; the next round retries`)
        break
      }
    }
    for (; i < result.groups.length; i++) await fsp.rm(result.groups[i]!.cleanedFile, { force: true })
  }

  /** After every group was swapped in: moves the log's checkpoint to result.endOffset, remembers its horizon, logs the cleaning. */
  private async completeCleaning (log: PartitionLog, result: CleanResult): Promise<void> {
    this.checkpoint.set(checkpointKey(log.topic, log.partition), result.endOffset)
    this.horizons.set(log, result.earliestHorizon)
    await this.writeCheckpoint()
    this.cleanings++
    const st = result.stats
    const secs = (st.mapMs + st.copyMs) / 1000
    this.logger.info({
      partition: log.name, endOffset: result.endOffset, groups: result.groups.length, bytesRead: st.bytesRead, bytesWritten: st.bytesWritten,
      recordsRead: st.recordsRead, recordsRetained: st.recordsRetained, tombstonesRemoved: st.tombstonesRemoved, mapEntries: st.mapEntries,
      mapMs: Math.round(st.mapMs), copyMs: Math.round(st.copyMs)
    }, `cleaned ${log.name}: ${(st.bytesRead / 1048576).toFixed(1)} MB read, ${(st.bytesWritten / 1048576).toFixed(1)} MB written` +
      (secs > 0 ? ` (${(st.bytesRead / 1048576 / secs).toFixed(1)} MB/s)` : ''))
  }

  private writeCheckpoint (): Promise<void> {
    const live = new Set(this.logs().map(l => checkpointKey(l.topic, l.partition)))
    for (const k of [...this.checkpoint.keys()]) if (!live.has(k)) this.checkpoint.delete(k)
    return this.checkpointFile.write(this.checkpoint)
  }

  /** Stops a cleaning of `log` in progress (its output is discarded) and waits for it to end. */
  async abortAndWait (log: PartitionLog): Promise<void> {
    const p = this.inProgress.get(log)
    if (p === undefined) return
    Atomics.store(p.abort, 0, 1)
    await p.done
  }

  /** Forgets the checkpoints of a deleted topic's partitions. */
  async forget (topic: string, partitions: number): Promise<void> {
    let changed = false
    for (let p = 0; p < partitions; p++) changed = this.checkpoint.delete(checkpointKey(topic, p)) || changed
    if (changed) await this.checkpointFile.write(this.checkpoint)
  }

  /** Aborts the cleaning in progress, waits for it, stops the worker. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    for (const p of this.inProgress.values()) Atomics.store(p.abort, 0, 1)
    await Promise.all([...this.inProgress.values()].map(p => p.done))
    if (this.running !== null) await this.running
    if (this.pool !== null) await (await this.pool).destroy()
    this.pool = null
  }
}
