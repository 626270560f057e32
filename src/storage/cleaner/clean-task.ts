// One cleaning of one log, as a plain function over file paths and numbers: the body of the cleaner's worker
// task (cleaner-worker.ts), also callable in-thread by tests and benchmarks. Kafka's Cleaner.doClean.
//
// Input (plain data, see CleanTask): every inactive, durable segment below the first uncleanable offset (path,
// size, base and next offsets, index sizes), the first dirty offset, the cleaning time and the topic's
// settings. Output (CleanResult): the `.cleaned` files written (one per group of segments), fsynced and
// closed, and the offset the next cleaning starts from. The main thread swaps each file in with
// PartitionLog.replaceSegments (.cleaned -> .swap -> .log) and checkpoints `endOffset`.
//
//   1. offset map (buildOffsetMap, mapBatch): key -> last offset, over the dirty section [firstDirtyOffset,
//      firstUncleanableOffset), segment by segment; stops after the segment where the map fills up
//      (endOffset = the next segment's base), so a huge dirty section is cleaned over several rounds. Records
//      of aborted or undecided transactions are left out of the map.
//   2. groups (groupSegments): the segments below endOffset, consecutive runs whose sizes add up to
//      segment.bytes at most, whose indexes fit segment.index.bytes and whose offsets fit 32-bit relative
//      offsets (Kafka's groupSegmentsBySize); each run becomes one segment named after its first base offset.
//   3. recopy (recopyGroups, recopySegment): every batch of a group through filterBatch (batch-filter.ts) into
//      `<base>.log.cleaned`. A dirty batch whose records the map pass remembered (entry id per record) is kept
//      or dropped whole from the map alone, without decompressing it again; only batches that keep some of
//      their records are rebuilt.
//
// Producers: if an idempotent batch turns up, one header scan of every segment (the uncleanable tail included,
// up to the bytes written when the task was made) finds each producer's last batch, which is kept (empty if
// need be) so producer state rebuilt from the log keeps the producer's last sequence number.
// Files: segments are walked with storage/file-batches.ts (positional reads into a 4 MiB window, grown to the
// largest batch); output is buffered (1 MiB) and written with positional writes, then fdatasync'ed before the
// task returns, so a swapped-in file is always on disk. Transaction markers are looked up (one forward scan of
// the segments' control batches) only if a transactional batch turns up.
// Invariants: offsets never change; the input segments are never written; on abort or error every
// `.cleaned` file this task created is removed (a vanished segment file or a full disk ends the task as
// aborted, with its reason: stopReason). Aborting: the main thread sets task.abort[0] = 1 (a
// SharedArrayBuffer) and the task stops at the next batch.
// Threading: runs entirely in one thread (a piscina worker), synchronous I/O, no shared state but `abort`.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { CursorState } from '../../protocol/records/batch-cursor.js'
import { LOG_OVERHEAD, MIN_BATCH_LENGTH } from '../../protocol/records/batch-header.js'
import { INT32_MAX } from '../../protocol/primitives/limits.js'
import { FileBatches } from '../file-batches.js'
import { isNoSpaceError } from '../file-io.js'
import { CLEANED_FILE_SUFFIX, logFileName } from '../log-file-names.js'
import {
  KEYLESS, emptyStats, filterBatch, filterRememberedBatch, releaseScratch, type CleanStats, type FilterContext, type TxnStatus, type TxnStatusSource
} from './batch-filter.js'
import { OffsetMap } from './offset-map.js'
import { RecordCursor, batchRecordsSection } from './record-scan.js'

export interface CleanTaskSegment {
  baseOffset: number
  file: string
  /** Bytes of the .log to read (the written size). */
  size: number
  nextOffset: number
  offsetIndexBytes: number
  timeIndexBytes: number
}

export interface CleanTask {
  /** `<topic>-<partition>`, for messages. */
  name: string
  /** Every segment below firstUncleanableOffset, oldest first (inactive and durable). */
  segments: CleanTaskSegment[]
  /**
   * The segments from firstUncleanableOffset on (the active one included), with the bytes written when the
   * task was made: read only (batch headers) to learn which producers have later batches.
   */
  tailSegments?: CleanTaskSegment[]
  firstDirtyOffset: number
  firstUncleanableOffset: number
  /** The cleaning's clock: tombstone horizons are set and compared against it. */
  now: number
  deleteRetentionMs: number
  segmentBytes: number
  segmentIndexBytes: number
  maxMapEntries: number
  /** abort[0] !== 0: stop, remove the files written, return { aborted: true }. */
  abort?: Int32Array
}

export interface CleanedGroup {
  /** Base offsets of the segments the cleaned file replaces, in order. */
  bases: number[]
  cleanedFile: string
  bytesIn: number
  bytesOut: number
}

export interface CleanResult {
  aborted: boolean
  reason?: string
  /** First offset the map did not cover: the next cleaning's first dirty offset. */
  endOffset: number
  groups: CleanedGroup[]
  stats: CleanStats & { mapEntries: number; mapMs: number; copyMs: number }
  /** Smallest delete horizon among the tombstones and markers kept (Infinity: none). */
  earliestHorizon: number
}

const READ_WINDOW = 4 * 1024 * 1024
const WRITE_BUFFER = 1024 * 1024

class Aborted extends Error {}

/**
 * The batches of one segment file, whole, through a window of positional reads (4 MiB, grown to the largest
 * batch, one pooled buffer reused). The cursor's fields describe the current batch: buf[offset, offset + size).
 */
function openSegment (file: string, size: number): FileBatches {
  return new FileBatches(openSync(file, 'r'), { windowBytes: READ_WINDOW, wholeBatches: true, sync: true }).open(0, size)
}

/** Advances to the next batch; false at the end of the segment. Throws on a malformed batch. */
function nextBatch (r: FileBatches, file: string, size: number): boolean {
  if (r.next()) return true
  if (r.state === CursorState.End) return false
  const pos = r.position
  if (r.state === CursorState.TruncatedHeader && size - pos < LOG_OVERHEAD) throw new Error(`${file}: ${size - pos} bytes at position ${pos} are too short for a batch`)
  throw new Error(`${file}: batch at position ${pos} has batchLength ${r.batchLength}, expected >= ${MIN_BATCH_LENGTH} and within the file (${size} bytes)`)
}

function closeSegment (r: FileBatches): void {
  r.release()
  closeSync(r.fd)
}

class CleanedWriter {
  private readonly fd: number
  private readonly buf = Buffer.allocUnsafe(WRITE_BUFFER)
  private len = 0
  written = 0

  constructor (readonly file: string) {
    this.fd = openSync(file, 'w', 0o644)
  }

  append (src: Buffer, start: number, end: number): void {
    const n = end - start
    if (this.len + n > this.buf.length) this.flush()
    if (n > this.buf.length) {
      this.writeAll(src.subarray(start, end))
      return
    }
    src.copy(this.buf, this.len, start, end)
    this.len += n
  }

  private writeAll (b: Buffer): void {
    let done = 0
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.written + done)
    this.written += b.length
  }

  flush (): void {
    if (this.len === 0) return
    this.writeAll(this.buf.subarray(0, this.len))
    this.len = 0
  }

  finish (): void {
    this.flush()
    fdatasyncSync(this.fd)
    closeSync(this.fd)
  }

  discard (): void {
    try { closeSync(this.fd) } catch {}
    rmSync(this.file, { force: true })
  }
}

/** Transaction outcomes, from one forward scan of the control batches of every segment (on first need). */
class TxnMarkers implements TxnStatusSource {
  private markers: Map<number, { offsets: number[]; types: number[] }> | null = null
  private readonly cursor = new RecordCursor()

  constructor (private readonly segments: CleanTaskSegment[], private readonly check: () => void) {}

  statusOf (producerId: number, offset: number): TxnStatus {
    this.markers ??= this.scan()
    const m = this.markers.get(producerId)
    if (m === undefined) return 'undecided'
    // first marker after offset
    let lo = 0
    let hi = m.offsets.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (m.offsets[mid]! > offset) hi = mid
      else lo = mid + 1
    }
    if (lo >= m.offsets.length) return 'undecided'
    return m.types[lo] === 1 ? 'commit' : 'abort'
  }

  private scan (): Map<number, { offsets: number[]; types: number[] }> {
    const out = new Map<number, { offsets: number[]; types: number[] }>()
    for (const s of this.segments) {
      const r = openSegment(s.file, s.size)
      try {
        while (nextBatch(r, s.file, s.size)) {
          this.check()
          if (!r.isControl) continue
          const pid = r.producerId
          const section = batchRecordsSection(r.buf, r.offset)
          const c = this.cursor
          c.reset(section, 0, section.length)
          if (!c.next() || c.keyLength < 4) continue
          const type = section.readInt16BE(c.keyStart + 2) // ControlRecordType: 0 ABORT, 1 COMMIT
          let m = out.get(pid)
          if (m === undefined) { m = { offsets: [], types: [] }; out.set(pid, m) }
          m.offsets.push(r.baseOffset)
          m.types.push(type)
        }
      } finally {
        closeSegment(r)
      }
    }
    return out
  }
}

/**
 * What the offset-map pass saw in each dirty batch: per record, its key's entry id (x2, +1 for a tombstone) or
 * KEYLESS, so the recopy can keep or drop a whole batch without decompressing it a second time. Only batches
 * whose records are numbered 0..count-1 and lie entirely in the dirty section are remembered; bounded by
 * `maxRecords` (4 bytes each), past which later batches simply take the slow path.
 */
class RememberedBatches {
  keys = new Int32Array(1 << 16)
  private used = 0
  private bases = new Float64Array(1024)
  private starts = new Int32Array(1024)
  private n = 0
  private cursor = 0

  constructor (private readonly maxRecords: number) {}

  /** Room for `count` record entries: their start index, or -1 when the bound is reached. */
  reserve (count: number): number {
    if (this.used + count > this.maxRecords) return -1
    if (this.used + count > this.keys.length) {
      const bigger = new Int32Array(Math.max(this.keys.length * 2, this.used + count))
      bigger.set(this.keys.subarray(0, this.used))
      this.keys = bigger
    }
    const start = this.used
    this.used += count
    return start
  }

  commit (base: number, start: number): void {
    if (this.n === this.bases.length) {
      const b = new Float64Array(this.n * 2); b.set(this.bases); this.bases = b
      const s = new Int32Array(this.n * 2); s.set(this.starts); this.starts = s
    }
    this.bases[this.n] = base
    this.starts[this.n++] = start
  }

  /** Gives back a reservation that will not be committed (it must be the last one). */
  release (start: number): void { this.used = start }

  /** Start index of the batch with this base offset, or -1; bases must be asked in increasing order. */
  lookup (base: number): number {
    while (this.cursor < this.n && this.bases[this.cursor]! < base) this.cursor++
    return this.cursor < this.n && this.bases[this.cursor] === base ? this.starts[this.cursor]! : -1
  }
}

/** Last data batch of every producer id in the log, from one header scan of every segment (on first need). */
class ProducerLastBatches {
  private last: Map<number, number> | null = null

  constructor (private readonly segments: CleanTaskSegment[], private readonly check: () => void) {}

  lastOf (producerId: number): number {
    this.last ??= this.scan()
    return this.last.get(producerId) ?? -1
  }

  private scan (): Map<number, number> {
    const out = new Map<number, number>()
    for (const s of this.segments) {
      const r = openSegment(s.file, s.size)
      try {
        while (nextBatch(r, s.file, s.size)) {
          this.check()
          if (r.isControl) continue
          const pid = r.producerId
          if (pid >= 0) out.set(pid, r.lastOffset)
        }
      } finally {
        closeSegment(r)
      }
    }
    return out
  }
}

/** Kafka's groupSegmentsBySize. */
export function groupSegments (segments: CleanTaskSegment[], maxBytes: number, maxIndexBytes: number): CleanTaskSegment[][] {
  const groups: CleanTaskSegment[][] = []
  let i = 0
  while (i < segments.length) {
    const group = [segments[i]!]
    let bytes = segments[i]!.size
    let indexBytes = segments[i]!.offsetIndexBytes
    let timeIndexBytes = segments[i]!.timeIndexBytes
    i++
    while (i < segments.length) {
      const s = segments[i]!
      if (bytes + s.size > maxBytes) break
      if (indexBytes + s.offsetIndexBytes > maxIndexBytes || timeIndexBytes + s.timeIndexBytes > maxIndexBytes) break
      if (s.size > 0 && s.nextOffset - 1 - group[0]!.baseOffset > INT32_MAX) break
      group.push(s)
      bytes += s.size
      indexBytes += s.offsetIndexBytes
      timeIndexBytes += s.timeIndexBytes
      i++
    }
    groups.push(group)
  }
  return groups
}

export function runCleanTask (task: CleanTask): CleanResult {
  const stats = emptyStats()
  const abort = task.abort
  const check = (): void => { if (abort !== undefined && Atomics.load(abort, 0) !== 0) throw new Aborted() }
  const map = new OffsetMap(task.maxMapEntries)
  const remembered = new RememberedBatches(4 * task.maxMapEntries)
  const txns = new TxnMarkers(task.segments, check)
  const created: CleanedWriter[] = []
  const t0 = performance.now()
  let mapMs = 0
  try {
    // 1. the offset map of the dirty section
    const endOffset = buildOffsetMap(task, map, remembered, txns, check)
    mapMs = performance.now() - t0

    // 2 + 3. group the segments below endOffset and recopy each group
    const toClean = task.segments.filter(s => s.baseOffset < endOffset)
    const ctx = filterContext(task, map, txns, stats, check)
    const groups = recopyGroups(toClean, task, ctx, remembered, created, check)
    const copyMs = performance.now() - t0 - mapMs
    return { aborted: false, endOffset, groups, stats: { ...stats, mapEntries: map.size, mapMs, copyMs }, earliestHorizon: ctx.earliestHorizon }
  } catch (err) {
    for (const w of created) w.discard()
    const reason = stopReason(err)
    if (reason === null) throw new Error(`cleaning ${task.name} failed: ${(err as Error).message}`, { cause: err })
    return {
      aborted: true,
      reason,
      endOffset: task.firstDirtyOffset,
      groups: [],
      stats: { ...stats, mapEntries: map.size, mapMs, copyMs: 0 },
      earliestHorizon: Infinity
    }
  } finally {
    map.clear()
    releaseScratch()
  }
}

/**
 * Step 1: puts the key of every record in the dirty section into `map`, segment by segment, and remembers
 * each eligible batch's entry ids in `remembered`. Stops after the segment where the map fills up. Returns the
 * first offset not covered: the next segment's base (at most firstUncleanableOffset).
 */
function buildOffsetMap (task: CleanTask, map: OffsetMap, remembered: RememberedBatches, txns: TxnMarkers, check: () => void): number {
  const cursor = new RecordCursor()
  let endOffset = task.firstDirtyOffset
  for (let si = 0; si < task.segments.length; si++) {
    const s = task.segments[si]!
    if (s.nextOffset <= task.firstDirtyOffset || s.baseOffset >= task.firstUncleanableOffset) continue
    const r = openSegment(s.file, s.size)
    try {
      while (nextBatch(r, s.file, s.size)) {
        check()
        mapBatch(r, task.firstDirtyOffset, map, remembered, txns, cursor)
      }
    } finally {
      closeSegment(r)
    }
    endOffset = si + 1 < task.segments.length ? Math.min(task.segments[si + 1]!.baseOffset, task.firstUncleanableOffset) : task.firstUncleanableOffset
    if (map.full) break
  }
  return endOffset
}

/**
 * The records of the current batch of `r` into the map: each keyed record at or past firstDirtyOffset; control
 * batches, batches wholly below firstDirtyOffset and transactional batches not committed are skipped. A batch
 * wholly in the dirty section with records numbered 0..count-1 has its entry ids remembered (keyless records
 * as KEYLESS), if `remembered` has room.
 */
function mapBatch (r: FileBatches, firstDirtyOffset: number, map: OffsetMap, remembered: RememberedBatches, txns: TxnMarkers, cursor: RecordCursor): void {
  if (r.isControl) return
  const base = r.baseOffset
  if (r.lastOffset < firstDirtyOffset) return
  if (r.isTransactional && txns.statusOf(r.producerId, base) !== 'commit') return
  const section = batchRecordsSection(r.buf, r.offset)
  const count = r.recordCount
  cursor.reset(section, 0, section.length)
  const remember = base >= firstDirtyOffset && r.lastOffsetDelta === count - 1 ? remembered.reserve(count) : -1
  let numbered = remember >= 0
  const keys = remembered.keys
  let k = 0
  for (; k < count && cursor.next(); k++) {
    const offset = base + cursor.offsetDelta
    if (cursor.offsetDelta !== k) numbered = false
    if (cursor.keyLength < 0) {
      if (remember >= 0) keys[remember + k] = KEYLESS
      continue
    }
    if (offset < firstDirtyOffset) continue
    const id = map.put(section, cursor.keyStart, cursor.keyLength, offset)
    if (remember >= 0) keys[remember + k] = id * 2 + (cursor.valueLength < 0 ? 1 : 0)
  }
  if (remember >= 0) {
    if (numbered && k === count) remembered.commit(base, remember)
    else remembered.release(remember)
  }
}

/** What batch-filter.ts decides with: the map, the clock and settings, transaction outcomes, producers' last batches. */
function filterContext (task: CleanTask, map: OffsetMap, txns: TxnMarkers, stats: CleanStats, check: () => void): FilterContext {
  const producers = new ProducerLastBatches([...task.segments, ...(task.tailSegments ?? [])], check)
  return {
    map,
    now: task.now,
    deleteRetentionMs: task.deleteRetentionMs,
    txns,
    txnRetained: new Map(),
    lastBatchOf: pid => producers.lastOf(pid),
    lastOfRound: false,
    stats,
    earliestHorizon: Infinity
  }
}

/**
 * Steps 2 and 3: groups `toClean` (groupSegments) and recopies each group into one `<base>.log.cleaned`,
 * finished (flushed, fdatasync'ed, closed) before the next group starts. Every writer opened is pushed on
 * `created` first, so the caller can remove them all on abort or error.
 */
function recopyGroups (
  toClean: CleanTaskSegment[], task: CleanTask, ctx: FilterContext, remembered: RememberedBatches, created: CleanedWriter[], check: () => void
): CleanedGroup[] {
  const groups: CleanedGroup[] = []
  const lastSegment = toClean[toClean.length - 1]
  for (const group of groupSegments(toClean, task.segmentBytes, task.segmentIndexBytes)) {
    const first = group[0]!
    const w = new CleanedWriter(logFileName(dirname(first.file), first.baseOffset, CLEANED_FILE_SUFFIX))
    created.push(w)
    let bytesIn = 0
    for (const s of group) {
      recopySegment(s, s === lastSegment, w, ctx, remembered, check)
      bytesIn += s.size
    }
    w.finish()
    ctx.stats.bytesWritten += w.written
    groups.push({ bases: group.map(s => s.baseOffset), cleanedFile: w.file, bytesIn, bytesOut: w.written })
  }
  return groups
}

/**
 * Every batch of one segment through the filter into `w`: a remembered batch is decided from the map alone
 * (filterRememberedBatch), the others, or a remembered one it cannot decide, by filterBatch. The last batch of
 * the last segment cleaned is filtered with ctx.lastOfRound set.
 */
function recopySegment (
  s: CleanTaskSegment, isLastSegment: boolean, w: CleanedWriter, ctx: FilterContext, remembered: RememberedBatches, check: () => void
): void {
  const r = openSegment(s.file, s.size)
  try {
    while (nextBatch(r, s.file, s.size)) {
      check()
      const b = r.buf
      ctx.stats.bytesRead += r.size
      ctx.lastOfRound = isLastSegment && r.position + r.size === s.size
      const start = remembered.lookup(r.baseOffset)
      const out = (start >= 0 ? filterRememberedBatch(b, r.offset, ctx, remembered.keys, start) : null) ?? filterBatch(b, r.offset, r.size, ctx)
      if (out.kind === 'keep') w.append(b, r.offset, r.offset + r.size)
      else if (out.kind === 'rewrite') w.append(out.batch, 0, out.batch.length)
    }
  } finally {
    closeSegment(r)
  }
}

/**
 * Why a cleaning that threw stops without failing (its result is { aborted: true, reason }): a segment file
 * removed meanwhile (ENOENT), a full disk, or an abort; null for any other error (the cleaning failed).
 */
function stopReason (err: unknown): string | null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `a segment file disappeared during the cleaning: ${(err as Error).message}`
  if (isNoSpaceError(err)) return `no space left for the cleaned segments: ${(err as Error).message}`
  if (err instanceof Aborted) return 'aborted'
  return null
}
