// DiskSpace: whether the data directory has room for new data (Redpanda's storage_min_free_bytes). Below the
// threshold, or after a write at start failed for lack of space, the broker is read-only: fetches are served,
// and every durable change is refused with KAFKA_STORAGE_ERROR before anything is written or changed in memory
// (appends of every partition: produce, offset commits, transaction state and markers; topic creation and new
// partitions; ACL, SCRAM and quota changes; new producer-id blocks). It ends on its own when space returns.
//
// Threshold (log.dir.min.free.bytes): > 0 exactly that many free bytes; 0 off (only a real ENOSPC refuses);
// -1 (default) min(100 MiB, 1% of the filesystem's size), so a dev machine or CI runner with a few GiB free
// never notices, while a small tmpfs or RAM disk still gets a margin (1% of 64 MiB is 655 KiB), and the broker
// stops taking data before the filesystem is full, with room left for indexes, checkpoints, snapshots and the
// clean-shutdown marker. Free bytes are statfs's `bavail * bsize` (what an unprivileged writer gets).
// After an ENOSPC at start (noteNoSpace), space has returned once free bytes reach max(threshold, 1 MiB): a
// few freed pages (a temp file removed) would only fill up again at the next write.
//
// statfs runs at open (synchronously, so a broker starting on a full disk is read-only from its first
// request) and then every log.dir.free.space.check.interval.ms (default 1000) on a timer (unref'd), never per
// request: refusal() is a field read on the append path. A transition is logged once, at WARN, each way.
// Threading: main thread; statfs on the libuv pool.
import fs from 'node:fs'
import type { Logger } from '../logger.js'
import { KafkaStorageError } from './errors.js'

export const AUTO_MIN_FREE_BYTES_CAP = 100 * 1024 * 1024
export const AUTO_MIN_FREE_FRACTION = 0.01
/** After an ENOSPC, free bytes that count as space returned (at least). */
export const NO_SPACE_RESUME_BYTES = 1024 * 1024

export interface SpaceReading { free: number, total: number }

export interface DiskSpaceOptions {
  dir: string
  /** log.dir.min.free.bytes: -1 automatic, 0 off, > 0 bytes. */
  minFreeBytes: number
  /** log.dir.free.space.check.interval.ms; 0: only at open. */
  checkIntervalMs: number
  logger: Logger
  /** For tests: the filesystem reading (default fs.statfs). */
  statfs?: (dir: string) => Promise<SpaceReading>
  statfsSync?: (dir: string) => SpaceReading
}

function reading (s: fs.StatsFs): SpaceReading {
  return { free: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) }
}

const defaultStatfs = async (dir: string): Promise<SpaceReading> => reading(await fs.promises.statfs(dir))
const defaultStatfsSync = (dir: string): SpaceReading => reading(fs.statfsSync(dir))

function mib (n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`
}

export class DiskSpace {
  readonly dir: string
  /** Why the broker is read-only, or null. */
  private reason: string | null = null
  /** An ENOSPC at start: read-only until a reading shows space returned. */
  private noSpace: string | null = null
  private last: SpaceReading | null = null
  private timer: NodeJS.Timeout | null = null
  private checking = false
  private readonly logger: Logger
  private readonly statfs: (dir: string) => Promise<SpaceReading>

  constructor (private readonly opts: DiskSpaceOptions) {
    this.dir = opts.dir
    this.logger = opts.logger
    this.statfs = opts.statfs ?? defaultStatfs
    try {
      this.update((opts.statfsSync ?? defaultStatfsSync)(opts.dir))
    } catch (err) {
      this.logger.warn({ dir: opts.dir, err: (err as Error).message }, `cannot read the free space of ${opts.dir}; log.dir.min.free.bytes is not checked`)
    }
    if (opts.checkIntervalMs > 0) {
      this.timer = setInterval(() => { void this.check() }, opts.checkIntervalMs)
      this.timer.unref()
    }
  }

  /** The threshold in bytes for a filesystem of `total` bytes (0: off). */
  thresholdFor (total: number): number {
    const m = this.opts.minFreeBytes
    if (m >= 0) return m
    return Math.min(AUTO_MIN_FREE_BYTES_CAP, Math.floor(total * AUTO_MIN_FREE_FRACTION))
  }

  /** The last reading, or null when statfs failed. */
  get lastReading (): SpaceReading | null { return this.last }

  /** True while durable changes are refused. */
  get readOnly (): boolean { return this.reason !== null }

  /**
   * Null when `what` may be written, else the KAFKA_STORAGE_ERROR to answer, naming the directory and why
   * ("what": the change refused, for the message).
   */
  refusal (what: string): KafkaStorageError | null {
    if (this.reason === null) return null
    return new KafkaStorageError(`${what} refused: ${this.reason}`)
  }

  /** Throws refusal(what) if any. */
  assertWritable (what: string): void {
    const r = this.refusal(what)
    if (r !== null) throw r
  }

  /**
   * A write at start failed for lack of space (its content is kept in memory, or it is retried later): the
   * broker is read-only until space returns. `what` names the file.
   */
  noteNoSpace (what: string, err: Error): void {
    if (this.noSpace === null) this.noSpace = `no space left on the device of ${this.dir} (writing ${what}: ${err.message})`
    if (this.reason === null) this.transition(this.noSpace)
  }

  /** Reads the free space now (also run by the timer); resolves once the state is updated. */
  async check (): Promise<void> {
    if (this.checking) return
    this.checking = true
    try {
      this.update(await this.statfs(this.dir))
    } catch (err) {
      this.logger.debug({ dir: this.dir, err: (err as Error).message }, 'statfs failed')
    } finally {
      this.checking = false
    }
  }

  private update (r: SpaceReading): void {
    this.last = r
    const threshold = this.thresholdFor(r.total)
    if (this.noSpace !== null && r.free >= Math.max(threshold, NO_SPACE_RESUME_BYTES)) this.noSpace = null
    let reason: string | null = this.noSpace
    if (reason === null && threshold > 0 && r.free < threshold) {
      reason = `the data directory ${this.dir} has ${r.free} bytes free (${mib(r.free)} of ${mib(r.total)}), below log.dir.min.free.bytes=${threshold}; the broker is read-only until space returns`
    }
    if ((reason === null) !== (this.reason === null)) this.transition(reason)
    else this.reason = reason
  }

  private transition (reason: string | null): void {
    const was = this.reason
    this.reason = reason
    const free = this.last?.free ?? -1
    if (reason !== null) {
      this.logger.warn({ dir: this.dir, freeBytes: free, minFreeBytes: this.last === null ? null : this.thresholdFor(this.last.total) },
        `${reason}: appends, topic creation, offset commits and other durable changes are refused with KAFKA_STORAGE_ERROR; fetches are served`)
    } else if (was !== null) {
      this.logger.warn({ dir: this.dir, freeBytes: free }, `space returned on ${this.dir} (${free} bytes free): the broker accepts writes again`)
    }
  }

  close (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }
}

/**
 * The DiskSpace of each open data directory, for durable state kept outside the LogManager (state files,
 * producer-id blocks) to ask. One broker per data directory (dir-lock.ts) keeps the entries unambiguous.
 */
const BY_DIR = new Map<string, DiskSpace>()

export function registerDiskSpace (ds: DiskSpace): void { BY_DIR.set(ds.dir, ds) }
export function unregisterDiskSpace (ds: DiskSpace): void { if (BY_DIR.get(ds.dir) === ds) BY_DIR.delete(ds.dir) }
/** Throws the KAFKA_STORAGE_ERROR refusing `what` when `dir` is read-only (nothing when unknown). */
export function assertWritable (dir: string, what: string): void {
  BY_DIR.get(dir)?.assertWritable(what)
}
