// LogManager: every partition log of one data directory, the topic registry and the clean-shutdown marker
// (Kafka's LogManager).
//
//   <dataDir>/samsa-topics.msgpack            topic registry (topic-registry.ts)
//   <dataDir>/.kafka_cleanshutdown            present only while the broker is stopped after a clean close
//   <dataDir>/<topic>-<partition>/            one Partition each (its log and producer state)
//   <dataDir>/<topic>-<p>.<id>-delete/        a deleted topic's partition awaiting removal (removed at open)
//
//   <dataDir>/log-start-offset-checkpoint     log start offset of every partition (Kafka's text format)
//   <dataDir>/cleaner-offset-checkpoint       first dirty offset of every compacted partition (the cleaner)
//
// open(): reads the registry, notes and deletes the marker (cleanStart), opens every partition (trusting
// indexes after a clean stop, recovering the active segments otherwise) at its checkpointed log start
// offset, starts the retention timer (log.retention.check.interval.ms) and the log cleaner. Partition
// directories the registry does not know (e.g. a data dir written by Kafka) are adopted as topics, with a WARN;
// those of a topic the registry marks `creating` (a creation cut short by a crash) are removed instead.
// Creating a topic (createTopic): the registry is written with the topic marked `creating` first, then its
// partitions are made, then the registry is written without the mark. Any failure midway (EMFILE, ENOSPC ...)
// closes and removes every partition made so far, drops the mark and logs a WARN naming the cause: nothing
// of a failed creation stays, in memory or on disk. addPartitions rolls back its new partitions the same way.
// File descriptors: segment files are opened on demand and closed by a process-wide LRU (open-files.ts),
// capped at log.open.files.max (lowered to half the process's fd limit); an idle partition holds none.
// deleteTopic closes its partitions without writing indexes (their fds are released even when a close
// fails), then renames and removes their directories.
// Retention (runRetention): topics whose cleanup.policy includes delete lose whole inactive segments past
// retention.ms / retention.bytes; DeleteRecords (deleteRecords) moves a log start offset. Either way the
// log-start-offset checkpoint is rewritten before the call resolves, so a start after a crash never shows
// records that were deleted.
// close(): stops the cleaner, flushes and closes every partition (each writes its producer snapshot), rewrites
// the log-start-offset checkpoint, then writes the marker, unless a storage error happened.
// A full disk (disk-space.ts): while the data directory is read-only, createTopic and addPartitions refuse
// (KAFKA_STORAGE_ERROR) before creating anything; a registry write that fails anyway undoes the new topic or
// partitions (logs closed, directories removed); at open, a registry write that finds no space is kept in
// memory (WARN) and makes the directory read-only; close() on a full disk still closes every log.
// Registry changes are serialized (one at a time). Threading: main thread; one Flusher shared by all logs;
// the cleaner's one worker thread.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, promises as fsp, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import {
  CLEAN_SHUTDOWN_FILE, TOPIC_REGISTRY_FILE, deleteDirName, isDeleteDirName, parsePartitionDirName, partitionDirName, topicNameError
} from './log-file-names.js'
import { LOG_START_OFFSET_CHECKPOINT_FILE, CheckpointFile, checkpointKey, type OffsetCheckpoint } from './checkpoint-file.js'
import { LogCleaner, type LogCleanerOptions } from './cleaner/log-cleaner.js'
import { KafkaStorageError, PolicyViolationError } from './errors.js'
import type { DiskSpace } from './disk-space.js'
import { isNoSpaceError } from './file-io.js'
import { configDefault, type LogConfig } from './log.js'
import { effectiveOpenFilesLimit, openFiles } from './open-files.js'
import { Partition } from './partition.js'
import type { ProducerIdObserver } from './producers/producer-state-manager.js'
import { fsyncDir, readTopicRegistry, writeTopicRegistry, type TopicRecord } from './topic-registry.js'
import { Flusher } from './workers/flusher.js'

export type { TopicRecord } from './topic-registry.js'

export interface LogManagerOptions {
  dataDir: string
  defaults: LogConfig
  logConfigFor: (topic: TopicRecord) => LogConfig
  logger: Logger
  /** A Flusher to share; by default the manager makes its own (threads start on the first fsync). */
  flusher?: Flusher
  /**
   * Period of the retention check (log.retention.check.interval.ms); 0 disables the timer. Default:
   * defaults.retentionCheckIntervalMs (the broker's value, filled by logConfigFor), else the definition's default (300000).
   */
  retentionCheckIntervalMs?: number
  /** The log cleaner: false disables it; an object tunes it. Default: on, Kafka's 15 s backoff. */
  cleaner?: false | Partial<Omit<LogCleanerOptions, 'dataDir' | 'logger' | 'logs'>>
  /** Parallel partition opens at startup. Default 8. */
  openConcurrency?: number
  /** Told every producer id found in a partition's producer snapshot or replayed log (the id allocator's floor). */
  onProducerId?: ProducerIdObserver
  /**
   * log.open.files.max: most segment files open at once in this process (open-files.ts), lowered to half the
   * process's fd limit. Default: the definition's default.
   */
  openFilesMax?: number
  /** Free space of the data directory (disk-space.ts): below its threshold, appends and topic changes are refused. */
  diskSpace?: DiskSpace
}

/** retention.ms / retention.bytes / cleanup.policy of a topic, from its overrides. */
export interface RetentionSettings { retentionMs: number; retentionBytes: number; deletePolicy: boolean }


async function mapLimit<T> (items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0
  const workers: Array<Promise<void>> = []
  for (let w = 0; w < Math.min(limit, items.length); w++) {
    workers.push((async () => {
      while (next < items.length) await fn(items[next++]!)
    })())
  }
  await Promise.all(workers)
}

export class LogManager {
  readonly dataDir: string
  readonly cleanStart: boolean
  recoveredBytes = 0
  readonly flusher: Flusher
  defaults: LogConfig
  private readonly logConfigFor: (topic: TopicRecord) => LogConfig
  private readonly logger: Logger
  private readonly registry = new Map<string, TopicRecord>()
  /** Topics being created: written to the registry file marked `creating`, not visible to lookups. */
  private readonly pending = new Map<string, TopicRecord>()
  private readonly logs = new Map<string, Partition[]>()
  private readonly onProducerId: ProducerIdObserver | undefined
  private mutex: Promise<void> = Promise.resolve()
  private retentionTimer: NodeJS.Timeout | null = null
  private closed = false
  private readonly ownsFlusher: boolean
  private readonly openConcurrency: number
  /** Compaction of the logs whose cleanup.policy includes compact; null when disabled. */
  readonly cleaner: LogCleaner | null
  private readonly logStartCheckpoint: CheckpointFile
  /** Free space of the data directory; null when not watched. */
  readonly diskSpace: DiskSpace | null

  private constructor (opts: LogManagerOptions, cleanStart: boolean) {
    this.dataDir = opts.dataDir
    this.defaults = opts.defaults
    this.logConfigFor = opts.logConfigFor
    this.logger = opts.logger
    this.cleanStart = cleanStart
    this.ownsFlusher = opts.flusher === undefined
    this.openConcurrency = opts.openConcurrency ?? 8
    this.onProducerId = opts.onProducerId
    this.diskSpace = opts.diskSpace ?? null
    this.flusher = opts.flusher ?? new Flusher({ mode: 'always', logger: opts.logger })
    this.logStartCheckpoint = new CheckpointFile(opts.dataDir, LOG_START_OFFSET_CHECKPOINT_FILE, opts.logger)
    this.cleaner = opts.cleaner === false
      ? null
      : new LogCleaner({ ...opts.cleaner, dataDir: opts.dataDir, logger: opts.logger, logs: () => this.allLogs() })
  }

  static async open (opts: LogManagerOptions): Promise<LogManager> {
    const configuredFiles = opts.openFilesMax ?? Number(configDefault('log.open.files.max', true))
    openFiles.limit = effectiveOpenFilesLimit(configuredFiles)
    if (openFiles.limit < configuredFiles) {
      opts.logger.info({ configured: configuredFiles, limit: openFiles.limit }, `log.open.files.max lowered from ${configuredFiles} to ${openFiles.limit}: half of this process's open-file limit (ulimit -n)`)
    }
    mkdirSync(opts.dataDir, { recursive: true })
    const marker = join(opts.dataDir, CLEAN_SHUTDOWN_FILE)
    // a data dir with neither a registry nor partition directories has nothing to recover
    const hasData = readdirSync(opts.dataDir).some(f => f === TOPIC_REGISTRY_FILE || parsePartitionDirName(f) !== null)
    const clean = existsSync(marker) || !hasData
    const mgr = new LogManager(opts, clean)
    await mgr.load()
    if (existsSync(marker)) {
      await fsp.rm(marker, { force: true })
      fsyncDir(opts.dataDir)
    }
    const interval = opts.retentionCheckIntervalMs ?? opts.defaults.retentionCheckIntervalMs ?? Number(configDefault('log.retention.check.interval.ms', true))
    if (interval > 0) {
      mgr.retentionTimer = setInterval(() => { mgr.runRetention(Date.now()).catch(err => mgr.logger.error({ err }, 'retention check failed')) }, interval)
      mgr.retentionTimer.unref()
    }
    await mgr.cleaner?.start()
    opts.logger.info({ dataDir: opts.dataDir, cleanStart: clean, topics: mgr.registry.size, recoveredBytes: mgr.recoveredBytes }, `opened ${mgr.registry.size} topics in ${opts.dataDir} (${clean ? 'clean' : 'unclean'} start)`)
    return mgr
  }

  private logStartOffsets: OffsetCheckpoint = new Map()

  private async load (): Promise<void> {
    this.logStartOffsets = await this.logStartCheckpoint.read()
    const topics = await readTopicRegistry(this.dataDir) ?? []
    const halfCreated: TopicRecord[] = []
    for (const t of topics) {
      if (t.creating === true) halfCreated.push(t)
      else this.registry.set(t.name, t)
    }
    for (const t of halfCreated) {
      this.logger.warn({ topic: t.name, partitions: t.partitions }, `removing topic ${t.name}: its creation (${t.partitions} partitions) did not complete before the broker stopped`)
      await this.removePartitionDirs(t.name, 0, t.partitions)
    }
    // partition directories: remove deleted topics' leftovers, adopt unknown ones
    const adopted = new Map<string, number>()
    for (const ent of readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!ent.isDirectory()) continue
      if (isDeleteDirName(ent.name)) {
        await fsp.rm(join(this.dataDir, ent.name), { recursive: true, force: true })
        continue
      }
      const parsed = parsePartitionDirName(ent.name)
      if (parsed === null) continue
      const known = this.registry.get(parsed.topic)
      if (known !== undefined) {
        if (parsed.partition >= known.partitions) {
          this.logger.warn({ dir: ent.name }, `directory ${ent.name} is beyond topic ${known.name}'s ${known.partitions} partitions; left alone`)
        }
        continue
      }
      adopted.set(parsed.topic, Math.max(adopted.get(parsed.topic) ?? 0, parsed.partition + 1))
    }
    for (const [name, partitions] of adopted) {
      this.logger.warn({ topic: name, partitions }, `adopting topic ${name} (${partitions} partitions) found in ${this.dataDir} but not in the topic registry`)
      this.registry.set(name, { name, topicId: randomUUID(), partitions, configs: {} })
    }
    if (adopted.size > 0 || halfCreated.length > 0) await this.saveRegistry().catch(err => this.noSpaceAtStart(TOPIC_REGISTRY_FILE, err))
    const jobs: Array<{ t: TopicRecord; p: number }> = []
    for (const t of this.registry.values()) {
      this.logs.set(t.name, new Array<Partition>(t.partitions))
      for (let p = 0; p < t.partitions; p++) jobs.push({ t, p })
    }
    await mapLimit(jobs, this.openConcurrency, async ({ t, p }) => {
      const log = await this.openLog(t, p)
      this.logs.get(t.name)![p] = log
      this.recoveredBytes += log.recoveredBytes
    })
  }

  private openLog (t: TopicRecord, p: number): Promise<Partition> {
    return Partition.open({
      dir: join(this.dataDir, partitionDirName(t.name, p)),
      topic: t.name,
      partition: p,
      config: this.logConfigFor(t),
      flusher: this.flusher,
      logger: this.logger,
      cleanShutdown: this.cleanStart,
      logStartOffset: this.logStartOffsets.get(checkpointKey(t.name, p)),
      onProducerId: this.onProducerId,
      diskSpace: this.diskSpace ?? undefined
    })
  }

  /** Rewrites log-start-offset-checkpoint with every live log's log start offset. */
  private saveLogStartOffsets (): Promise<void> {
    const entries: OffsetCheckpoint = new Map()
    for (const log of this.allLogs()) entries.set(checkpointKey(log.topic, log.partition), log.logStartOffset)
    this.logStartOffsets = entries
    return this.logStartCheckpoint.write(entries)
  }

  private saveRegistry (topics = [...this.registry.values()]): Promise<void> {
    const creating: TopicRecord[] = [...this.pending.values()].map(t => ({ ...t, creating: true }))
    return writeTopicRegistry(this.dataDir, [...topics, ...creating])
  }

  /** Removes the directories of partitions [from, to) of `topic` (missing ones are skipped). */
  private async removePartitionDirs (topic: string, from: number, to: number): Promise<void> {
    for (let p = from; p < to; p++) await fsp.rm(join(this.dataDir, partitionDirName(topic, p)), { recursive: true, force: true })
  }

  /**
   * Opens partitions [from, to) of `t` (openConcurrency at a time) into `logs`. On the first failure no new
   * partition is started; once the ones started settle, every partition opened here is closed (fds released)
   * and its directory removed, and the first error is thrown.
   */
  private async openNewPartitions (t: TopicRecord, from: number, to: number, logs: Partition[]): Promise<void> {
    let next = from
    let failure: { partition: number; err: Error } | null = null
    const worker = async (): Promise<void> => {
      while (failure === null && next < to) {
        const p = next++
        try {
          logs[p] = await this.openLog(t, p)
        } catch (err) {
          failure ??= { partition: p, err: err as Error }
        }
      }
    }
    const workers: Array<Promise<void>> = []
    for (let w = 0; w < Math.min(this.openConcurrency, to - from); w++) workers.push(worker())
    await Promise.all(workers)
    if (failure === null) return
    const f: { partition: number; err: Error } = failure
    for (let p = from; p < to; p++) {
      const log = logs[p]
      if (log !== undefined) {
        log.discardProducerState()
        await log.closeForDelete()
      }
    }
    logs.length = from
    let cleanup = ''
    try {
      await this.removePartitionDirs(t.name, from, to)
    } catch (err) {
      cleanup = `; removing its directories failed too (${(err as Error).message})`
    }
    const opened = next - from
    this.logger.warn({ topic: t.name, partition: f.partition, err: f.err.message },
      `creating partitions ${from} to ${to - 1} of topic ${t.name} failed at partition ${f.partition} (${f.err.message}); rolled back the ${opened} partitions started${cleanup}`)
    throw new KafkaStorageError(`creating partition ${f.partition} of topic ${t.name} failed: ${f.err.message}; nothing was created`, { cause: f.err })
  }

  /** A write at start failed: without space it is not fatal (the broker starts read-only), else it is. */
  private noSpaceAtStart (file: string, err: unknown): void {
    if (!isNoSpaceError(err)) throw err
    this.logger.warn({ dataDir: this.dataDir, file, err: (err as Error).message }, `no space to write ${file} at start; kept in memory, written with the next change`)
    this.diskSpace?.noteNoSpace(file, err as Error)
  }

  /**
   * The registry write of a new topic (previous undefined) or of new partitions (from `from` on) failed: the
   * topic is as before in memory and on disk (the new partitions' logs closed and their directories removed).
   * Returns the error to throw (KAFKA_STORAGE_ERROR for a full disk).
   */
  private async undoNewLogs (name: string, previous: TopicRecord | undefined, logs: Partition[], from: number, err: unknown): Promise<Error> {
    const fresh = previous === undefined ? logs : logs.splice(from) // splice: out of the live array too
    if (previous === undefined) { this.registry.delete(name); this.logs.delete(name) } else this.registry.set(name, previous)
    for (const log of fresh) {
      log.discardProducerState()
      await log.close().catch(() => {})
      await fsp.rm(log.dir, { recursive: true, force: true }).catch(() => {})
    }
    this.logger.warn({ topic: name, err: (err as Error).message }, `${previous === undefined ? 'creating topic' : 'adding partitions to topic'} ${name} failed: the topic registry could not be written (${(err as Error).message}); nothing changed`)
    return storageFailure(err, TOPIC_REGISTRY_FILE)
  }

  /** Runs registry changes one at a time. */
  private serialize<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn)
    this.mutex = run.then(() => {}, () => {})
    return run
  }

  topics (): TopicRecord[] { return [...this.registry.values()] }
  topic (name: string): TopicRecord | undefined { return this.registry.get(name) }
  log (topic: string, partition: number): Partition | undefined { return this.logs.get(topic)?.[partition] }
  /** Every partition. */
  allLogs (): Partition[] { const out: Partition[] = []; for (const l of this.logs.values()) for (const p of l) if (p !== undefined) out.push(p); return out }

  createTopic (rec: TopicRecord): Promise<void> {
    return this.serialize(async () => {
      const err = topicNameError(rec.name)
      if (err !== null) throw new Error(err)
      if (this.registry.has(rec.name)) throw new Error(`topic ${rec.name} already exists`)
      if (!Number.isInteger(rec.partitions) || rec.partitions < 1) throw new Error(`topic ${rec.name}: partitions must be an integer >= 1, got ${rec.partitions}`)
      this.diskSpace?.assertWritable(`creating topic ${rec.name}`)
      const t: TopicRecord = { name: rec.name, topicId: rec.topicId, partitions: rec.partitions, configs: { ...rec.configs } }
      // the mark first: a crash from here on leaves a topic the next open removes, never one it adopts
      this.pending.set(t.name, t)
      try {
        await this.saveRegistry()
      } catch (err) {
        this.pending.delete(t.name)
        throw err
      }
      const logs: Partition[] = []
      try {
        await this.openNewPartitions(t, 0, t.partitions, logs)
      } catch (err) {
        this.pending.delete(t.name)
        await this.saveRegistry().catch(e => this.logger.warn({ topic: t.name, err: (e as Error).message }, `could not drop the creation mark of topic ${t.name} from the registry (${(e as Error).message}); the next start removes it`))
        throw err
      }
      this.pending.delete(t.name)
      this.registry.set(t.name, t)
      this.logs.set(t.name, logs)
      try {
        await this.saveRegistry()
      } catch (err) {
        // on disk the topic is still marked as being created: undo it here too
        this.registry.delete(t.name)
        this.logs.delete(t.name)
        for (const log of logs) { log.discardProducerState(); await log.closeForDelete() }
        await this.removePartitionDirs(t.name, 0, t.partitions).catch(() => {})
        this.logger.warn({ topic: t.name, err: (err as Error).message }, `creating topic ${t.name} failed writing the topic registry (${(err as Error).message}); rolled back`)
        throw new KafkaStorageError(`creating topic ${t.name} failed writing the topic registry: ${(err as Error).message}; nothing was created`, { cause: err })
      }
    })
  }

  deleteTopic (name: string): Promise<void> {
    return this.serialize(async () => {
      const t = this.registry.get(name)
      if (t === undefined) throw new Error(`topic ${name} does not exist`)
      const logs = this.logs.get(name) ?? []
      for (const log of logs) if (log !== undefined) await this.cleaner?.abortAndWait(log)
      this.logs.delete(name)
      this.registry.delete(name)
      const doomed: string[] = []
      // partitions closed and renamed openConcurrency at a time (100,000 partitions one by one took minutes)
      const indexes = Array.from({ length: logs.length }, (_, p) => p)
      await mapLimit(indexes, this.openConcurrency, async p => {
        const log = logs[p]
        log?.discardProducerState()
        // no index writes: the files are going; every fd is released even when a close fails
        if (log !== undefined) await log.closeForDelete().catch(err => this.logger.warn({ err, topic: name, partition: p }, 'close before delete failed'))
        const from = join(this.dataDir, partitionDirName(name, p))
        const to = join(this.dataDir, deleteDirName(name, p, t.topicId))
        try {
          await fsp.rename(from, to)
          doomed.push(to)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        }
      })
      await this.saveRegistry()
      await this.cleaner?.forget(name, t.partitions)
      await this.saveLogStartOffsets()
      await mapLimit(doomed, this.openConcurrency, async d => { await fsp.rm(d, { recursive: true, force: true }) })
    })
  }

  addPartitions (name: string, newTotal: number): Promise<void> {
    return this.serialize(async () => {
      const t = this.registry.get(name)
      if (t === undefined) throw new Error(`topic ${name} does not exist`)
      if (!Number.isInteger(newTotal) || newTotal <= t.partitions) throw new Error(`topic ${name} has ${t.partitions} partitions; the new count must be larger, got ${newTotal}`)
      this.diskSpace?.assertWritable(`adding partitions to topic ${name}`)
      const logs = this.logs.get(name)!
      const updated: TopicRecord = { ...t, partitions: newTotal }
      // a failure midway closes and removes the new partitions (openNewPartitions): the topic stays as it was
      await this.openNewPartitions(updated, t.partitions, newTotal, logs)
      this.registry.set(name, updated)
      await this.saveRegistry().catch(async err => { throw await this.undoNewLogs(name, t, logs, t.partitions, err) })
    })
  }

  /** Replaces the topic's overrides (the whole map) and applies the resulting LogConfig to its partitions live. */
  updateTopicConfigs (name: string, configs: Record<string, string>): Promise<void> {
    return this.serialize(async () => {
      const t = this.registry.get(name)
      if (t === undefined) throw new Error(`topic ${name} does not exist`)
      const updated: TopicRecord = { ...t, configs: { ...configs } }
      await this.saveRegistry([...this.registry.values()].map(r => r.name === name ? updated : r)).catch(err => { throw storageFailure(err, TOPIC_REGISTRY_FILE) })
      this.registry.set(name, updated)
      const cfg = this.logConfigFor(updated)
      for (const log of this.logs.get(name) ?? []) if (log !== undefined) log.config = cfg
    })
  }

  /**
   * retention.ms, retention.bytes and cleanup.policy of a topic: from its LogConfig when logConfigFor fills
   * them (broker defaults included), else from the topic's overrides, else the topic configs' defaults.
   */
  retentionOf (t: TopicRecord): RetentionSettings {
    const cfg = this.logConfigFor(t)
    const ms = cfg.retentionMs ?? Number(t.configs['retention.ms'] ?? configDefault('retention.ms'))
    const bytes = cfg.retentionBytes ?? Number(t.configs['retention.bytes'] ?? configDefault('retention.bytes'))
    const policy = this.cleanupPolicyOf(t)
    return { retentionMs: ms, retentionBytes: bytes, deletePolicy: policy.split(',').map(s => s.trim()).includes('delete') }
  }

  private cleanupPolicyOf (t: TopicRecord): string {
    return this.logConfigFor(t).cleanupPolicy ?? t.configs['cleanup.policy'] ?? configDefault('cleanup.policy')
  }

  /**
   * Deletes segments beyond retention in every topic whose cleanup.policy includes delete (and, in every
   * topic, segments entirely below the log start offset); returns segments deleted. The log-start-offset
   * checkpoint is rewritten when a log start offset moved.
   */
  async runRetention (now: number): Promise<number> {
    let n = 0
    let moved = false
    for (const t of [...this.registry.values()]) {
      const r = this.retentionOf(t)
      for (const log of this.logs.get(t.name) ?? []) {
        if (log === undefined || log.storageError !== null || log.isClosed) continue
        const before = log.logStartOffset
        n += r.deletePolicy ? await log.deleteOldSegments(now, r.retentionMs, r.retentionBytes) : await log.deleteOldSegments(now, -1, -1)
        if (log.logStartOffset !== before) moved = true
      }
    }
    if (moved) await this.saveLogStartOffsets()
    return n
  }

  /**
   * DeleteRecords: moves the partition's log start offset up to `offset` (-1: the high watermark) and deletes
   * the segments below it; resolves with the new log start offset once it is checkpointed. Throws
   * PolicyViolationError when the topic's cleanup.policy lacks delete (as Kafka), OffsetOutOfRangeError for
   * an offset above the high watermark, KafkaStorageError after a storage failure.
   */
  async deleteRecords (topic: string, partition: number, offset: number): Promise<number> {
    const t = this.registry.get(topic)
    const log = this.log(topic, partition)
    if (t === undefined || log === undefined) throw new Error(`unknown topic or partition ${topic}-${partition}`)
    if (!this.retentionOf(t).deletePolicy) {
      throw new PolicyViolationError(`Records of partition ${topic}-${partition} can not be deleted due to the configured policy (cleanup.policy=${this.cleanupPolicyOf(t)})`)
    }
    const before = log.logStartOffset
    const lso = await log.deleteRecordsTo(offset === -1 ? log.highWatermark : offset)
    if (lso !== before) await this.saveLogStartOffsets()
    return lso
  }

  /** Flushes and closes every log, then writes the clean-shutdown marker (not after a storage error). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer)
    await this.cleaner?.close()
    await this.mutex
    let failures = 0
    await mapLimit(this.allLogs(), 8, async log => {
      // a failed flush still closes the log: its fds are released whatever happens
      let failed = false
      try {
        if (log.storageError === null) {
          // a full disk: the log is still closed below (its fds released); the next start recovers it
          await log.flush().catch(err => { if (!isNoSpaceError(err)) throw err; this.logger.warn({ partition: log.name, err: (err as Error).message }, `no space to flush ${log.name} at close`); failed = true })
        }
      } catch (err) {
        failed = true
        this.logger.error({ err, partition: log.name }, `flushing ${log.name} failed`)
      }
      try {
        await log.close()
        if (log.storageError !== null) failed = true
      } catch (err) {
        failed = true
        this.logger.error({ err, partition: log.name }, `closing ${log.name} failed`)
      }
      if (failed) failures++
    })
    if (this.ownsFlusher) await this.flusher.close()
    try {
      await this.saveLogStartOffsets()
    } catch (err) {
      failures++
      this.logger.error({ err }, `writing ${LOG_START_OFFSET_CHECKPOINT_FILE} failed`)
    }
    this.diskSpace?.close()
    if (failures === 0) {
      try {
        await fsp.writeFile(join(this.dataDir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, broker_epoch: -1 }))
        fsyncDir(this.dataDir)
      } catch (err) {
        // a full disk: the next start recovers the active segments, as after a crash
        await fsp.rm(join(this.dataDir, CLEAN_SHUTDOWN_FILE), { force: true }).catch(() => {})
        this.logger.warn({ err: (err as Error).message }, `writing ${CLEAN_SHUTDOWN_FILE} failed; the next start recovers the partitions`)
      }
    } else {
      this.logger.warn({ failures }, `not writing ${CLEAN_SHUTDOWN_FILE}: ${failures} partitions failed to close cleanly; the next start recovers them`)
    }
  }
}

/** A failed write as the error to answer: KAFKA_STORAGE_ERROR naming the file for a full disk, else itself. */
function storageFailure (err: unknown, file: string): Error {
  if (isNoSpaceError(err)) return new KafkaStorageError(`no space left on the device writing ${file}: ${(err as Error).message}`, { cause: err })
  return err as Error
}
