// LogScrubber: re-reads the closed segments of every partition in the background and verifies every batch
// (verify-segment.ts: lengths, magic, offsets, CRC32C), so damage in data nobody is reading (bit rot, a bad
// sector, a file cut short by hand) is found before a consumer needs it.
//
// Config (broker keys, Samsa's own; config/definitions.ts):
//   log.scrubber.enable             false  off by default
//   log.scrubber.bytes.per.second   4 MiB  the read rate, all partitions together (one segment at a time)
//   log.scrubber.interval.ms        1 day  pause between the end of a pass and the start of the next; the first
//                                          pass starts this long after the broker starts
// A pass walks every partition's segments but the active one (appends go there; its bytes were checked when
// produced), oldest first. Each damaged batch is marked (corruption-marks.ts: fetches reaching it answer
// CORRUPT_MESSAGE, even with log.fetch.check.crcs=false) and logged at ERROR once with the file, position and
// what is wrong; the pass ends with one INFO line (segments, bytes, damaged batches, seconds). A segment that
// is deleted (retention, compaction) or whose log closes while it is walked is left at once: the walk holds
// the segment's fd (acquire) for at most one window between checks.
// Why not a worker thread: the CRC is native (~5 GiB/s on the 2-core test machine), so at the default rate
// the scrubber costs well under 0.1% of a core, and the reads are async on the libuv pool; the rate limit,
// not the CPU, bounds its cost.
// Threading: main thread; one pass at a time.
import type { Logger } from '../../logger.js'
import { markCorrupt } from '../corruption-marks.js'
import type { PartitionLog } from '../log.js'
import { verifySegment } from './verify-segment.js'

export interface LogScrubberOptions {
  logs: () => PartitionLog[]
  logger: Logger
  bytesPerSecond: number
  intervalMs: number
}

export interface ScrubPassResult { segments: number; bytes: number; damaged: number; seconds: number }

export class LogScrubber {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<ScrubPassResult> | null = null
  private closed = false
  /** Completed passes (tests, metrics). */
  passes = 0

  constructor (private readonly opts: LogScrubberOptions) {}

  /** Schedules the first pass intervalMs from now, and each next one intervalMs after the previous ends. */
  start (): void {
    if (this.closed || this.timer !== null) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.runPass().catch(err => this.opts.logger.error({ err: (err as Error).message }, `log scrubber pass failed: ${(err as Error).message}`))
        .finally(() => this.start())
    }, this.opts.intervalMs)
    this.timer.unref()
  }

  /** One pass over every closed segment now (the running one if a pass is under way). */
  runPass (): Promise<ScrubPassResult> {
    this.running ??= this.pass().finally(() => { this.running = null })
    return this.running
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }

  private async pass (): Promise<ScrubPassResult> {
    const t0 = Date.now()
    const result: ScrubPassResult = { segments: 0, bytes: 0, damaged: 0, seconds: 0 }
    // the token bucket: the pass may have read at most bytesPerSecond * elapsed bytes
    let allowed = 0
    let last = Date.now()
    const throttle = async (bytes: number): Promise<void> => {
      result.bytes += bytes
      allowed -= bytes
      for (let i = 0; i < 1000 && allowed < 0 && !this.closed; i++) {
        const now = Date.now()
        allowed = Math.min(allowed + (now - last) * this.opts.bytesPerSecond / 1000, this.opts.bytesPerSecond)
        last = now
        if (allowed < 0) await new Promise(resolve => setTimeout(resolve, Math.min(1000, Math.ceil(-allowed * 1000 / this.opts.bytesPerSecond))))
      }
    }
    for (const log of this.opts.logs()) {
      if (this.closed) break
      const segs = log.segmentList()
      for (let i = 0; i + 1 < segs.length && !this.closed && !log.isClosed; i++) {
        const seg = segs[i]!
        if (seg.isDeleted) continue
        let r
        let fd: number
        try { fd = await seg.acquire() } catch (err) {
          this.opts.logger.warn({ partition: log.name, file: seg.logFile, err: (err as Error).message }, `scrubbing ${seg.logFile}: cannot open it: ${(err as Error).message}`)
          continue
        }
        try {
          r = await verifySegment(fd, {
            baseOffset: seg.baseOffset,
            size: seg.writtenSize,
            upperBound: segs[i + 1]!.baseOffset,
            throttle,
            stop: () => this.closed || log.isClosed || seg.isDeleted
          })
        } catch (err) {
          this.opts.logger.warn({ partition: log.name, file: seg.logFile, err: (err as Error).message }, `scrubbing ${seg.logFile} failed: ${(err as Error).message}`)
          continue
        } finally {
          seg.release()
        }
        result.segments++
        for (const p of r.problems) {
          result.damaged++
          if (markCorrupt(seg, p.position, p.reason)) {
            this.opts.logger.error({ partition: log.name, file: seg.logFile, position: p.position, reason: p.reason },
              `log scrubber: corrupt batch in ${seg.logFile} at position ${p.position}: ${p.reason}; fetches of ${log.name} reaching it are answered CORRUPT_MESSAGE`)
          }
        }
      }
    }
    result.seconds = (Date.now() - t0) / 1000
    this.passes++
    this.opts.logger.info(result, `log scrubber pass: ${result.segments} closed segments, ${result.bytes} bytes verified, ${result.damaged} damaged batches, ${result.seconds.toFixed(1)} s`)
    return result
  }
}
