// Which part of a compacted log can be cleaned now, and how dirty it is (Kafka's
// LogCleanerManager.cleanableOffsets and LogToClean).
//
//   | clean section          | dirty section                         | uncleanable                |
//   logStart        firstDirtyOffset            firstUncleanableOffset                    logEnd
//
// firstDirtyOffset: the cleaner checkpoint (where the last cleaning's offset map ended), reset to the first
// segment's base when missing or outside the log. firstUncleanableOffset: the base offset of the first
// segment from the dirty section on that is the active segment, not entirely durable (written and below
// the high watermark) or not below the last stable offset (an open transaction), or, with
// min.compaction.lag.ms > 0, holds a record younger than the lag. Both are
// segment boundaries in practice, so the cleaner works on whole segments.
// The log qualifies when its dirty ratio, cleanable bytes / (clean + cleanable bytes), is above
// min.cleanable.dirty.ratio; or when its oldest dirty segment's first batch is older than
// max.compaction.lag.ms; or when a tombstone or marker it kept at the last cleaning has passed its delete
// horizon (so tombstones leave about delete.retention.ms after their first cleaning even if the log stays
// quiet). The dirtiest qualifying log is cleaned first.
// Threading: main thread; reads only in-memory segment state, plus one 61-byte header read per log when
// max.compaction.lag.ms is set.
import type { PartitionLog } from '../log.js'
import type { LogSegment } from '../segment.js'

export const DEFAULT_DELETE_RETENTION_MS = 86_400_000
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5

export interface CompactionSettings {
  compact: boolean
  minCleanableDirtyRatio: number
  minCompactionLagMs: number
  maxCompactionLagMs: number
  deleteRetentionMs: number
}

export function compactionSettings (log: PartitionLog): CompactionSettings {
  const c = log.config
  const policy = (c.cleanupPolicy ?? 'delete').split(',').map(s => s.trim())
  return {
    compact: policy.includes('compact'),
    minCleanableDirtyRatio: c.minCleanableDirtyRatio ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
    minCompactionLagMs: Math.max(0, c.minCompactionLagMs ?? 0),
    maxCompactionLagMs: c.maxCompactionLagMs ?? Number.MAX_SAFE_INTEGER,
    deleteRetentionMs: c.deleteRetentionMs ?? DEFAULT_DELETE_RETENTION_MS
  }
}

export interface LogToClean {
  log: PartitionLog
  settings: CompactionSettings
  firstDirtyOffset: number
  firstUncleanableOffset: number
  /** Segments below firstUncleanableOffset (the ones a cleaning may read and replace). */
  segments: LogSegment[]
  cleanBytes: number
  cleanableBytes: number
  /** cleanableBytes / (cleanBytes + cleanableBytes). */
  ratio: number
  needCompactionNow: boolean
  horizonExpired: boolean
}

/**
 * A segment the cleaner may read: not the active one, every byte written, every offset below the last stable
 * offset (the HW, or the first offset of an open transaction: its records' fate is not known yet).
 */
function isSettled (log: PartitionLog, s: LogSegment, active: LogSegment): boolean {
  return s !== active && s.writtenSize === s.size && s.nextOffset <= log.lastStableOffset
}

/**
 * The cleanable range of a log. `checkpointed` is the cleaner checkpoint for it (undefined: none);
 * `earliestHorizon` the smallest delete horizon the last cleaning kept (undefined: unknown).
 */
export async function cleanableRange (log: PartitionLog, checkpointed: number | undefined, now: number, earliestHorizon?: number): Promise<LogToClean> {
  const settings = compactionSettings(log)
  const segs = log.segmentList()
  const active = segs[segs.length - 1]!
  const start = segs[0]!.baseOffset
  let firstDirty = checkpointed ?? start
  if (firstDirty < start || firstDirty > log.logEndOffset) firstDirty = start
  let firstUncleanable = active.baseOffset
  let firstDirtySegment: LogSegment | undefined
  for (const s of segs) {
    if (s.nextOffset <= firstDirty && s !== active) continue
    firstDirtySegment ??= s
    const tooYoung = settings.minCompactionLagMs > 0 && s.largestTimestamp > now - settings.minCompactionLagMs
    if (!isSettled(log, s, active) || tooYoung) {
      firstUncleanable = s.baseOffset
      break
    }
  }
  if (firstUncleanable < firstDirty) firstDirty = Math.max(start, Math.min(firstDirty, firstUncleanable))
  let cleanBytes = 0
  let cleanableBytes = 0
  const below: LogSegment[] = []
  for (const s of segs) {
    if (s.baseOffset >= firstUncleanable) break
    below.push(s)
    if (s.nextOffset <= firstDirty) cleanBytes += s.size
    else cleanableBytes += s.size
  }
  const total = cleanBytes + cleanableBytes
  const ratio = total === 0 ? 0 : cleanableBytes / total
  let needCompactionNow = false
  if (settings.maxCompactionLagMs < Number.MAX_SAFE_INTEGER && cleanableBytes > 0 && firstDirtySegment !== undefined && firstDirtySegment.baseOffset < firstUncleanable) {
    let ts = -1
    try { ts = await firstDirtySegment.firstBatchTimestamp() } catch {}
    needCompactionNow = ts >= 0 && now - ts > settings.maxCompactionLagMs
  }
  const horizonExpired = earliestHorizon !== undefined && earliestHorizon <= now && cleanBytes > 0
  return { log, settings, firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, segments: below, cleanBytes, cleanableBytes, ratio, needCompactionNow, horizonExpired }
}

/** True when the cleaner should take this log now. */
export function shouldClean (ltc: LogToClean): boolean {
  if (!ltc.settings.compact || ltc.segments.length === 0) return false
  return (ltc.cleanableBytes > 0 && (ltc.ratio > ltc.settings.minCleanableDirtyRatio || ltc.needCompactionNow)) || ltc.horizonExpired
}
