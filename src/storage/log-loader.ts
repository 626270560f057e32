// LogLoader: turns a partition directory into segments at open (Kafka's LogLoader), recovering after a crash.
//
// Steps, in order:
//   1. complete an interrupted compaction swap (completeSwaps): `<base>.log.swap` becomes `<base>.log` and
//      replaces the segments whose base offsets fall inside the offsets it holds (those are removed before
//      the rename, so a crash during this step is redone; its indexes are rebuilt in step 3);
//   2. remove leftovers (removeLeftovers): `.cleaned`, `.deleted`, `.tmp` files, and indexes without a
//      `.log` beside them;
//   3. open each segment, oldest first (openSegments, loadOrRecover). After a clean shutdown every segment's
//      indexes are trusted if they pass the sanity checks (segment.loadIndexes); after an unclean one the
//      *active* segment is always recovered (every batch checked: length bounds, magic, CRC32C, offsets;
//      truncated at the first invalid byte; indexes rebuilt). Any segment whose indexes are missing or fail
//      the checks is rebuilt too. Never throws on corrupt data: WARNs name the file, the position and the
//      bytes removed; a rebuilt index that cannot be written for lack of space stays in memory (WARN);
//   4. an empty directory gets one empty segment at offset 0.
// After an unclean stop, an empty last segment (a crash right after a roll, before the previous segment's
// last queued writes reached its file) is removed before step 3 (removeEmptyActiveSegment), so the log has
// no hole of never-written offsets.
// The log end offset (settleLogEndOffset) is the active segment's next offset, or, when a crash left the
// active segment empty right after a roll, the larger of its base offset and the previous segment's next
// offset.
// Threading: main thread, async I/O; runs before the log accepts appends or reads.
import { fstatSync, mkdirSync, promises as fsp, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import { CursorState } from '../protocol/records/batch-cursor.js'
import { RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.js'
import { FileBatches } from './file-batches.js'
import { closeFd, isNoSpaceError, openFd } from './file-io.js'
import {
  CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX, logFileName, offsetIndexFileName, parseSegmentFileName,
  timeIndexFileName, txnIndexFileName
} from './log-file-names.js'
import { LogSegment, type SegmentConfig } from './segment.js'
import { fsyncDir } from './topic-registry.js'

export interface LoadedLog { segments: LogSegment[]; recoveredBytes: number; logEndOffset: number }

export interface LoadOptions { dir: string; name: string; config: SegmentConfig; logger: Logger; cleanShutdown: boolean }

export async function loadLog (opts: LoadOptions): Promise<LoadedLog> {
  const { dir, config, logger, cleanShutdown } = opts
  // a directory made just now (a new partition) has nothing to complete or clean: two readdirs saved per partition
  const fresh = mkdirSync(dir, { recursive: true }) !== undefined
  if (!fresh) await completeSwaps(dir, logger)
  const bases = fresh ? [] : await removeLeftovers(dir, logger)
  if (!cleanShutdown && bases.length > 1) await removeEmptyActiveSegment(dir, bases, logger)
  const { segments, recoveredBytes } = await openSegments(dir, bases, config, cleanShutdown, logger)
  // Entries past the next segment's base belong to another segment (a crash during a swap, after the first
  // segment took the entries of those it replaces): theirs is the copy that counts.
  for (let i = 0; i + 1 < segments.length; i++) segments[i]!.txnIndex.truncateTo(segments[i + 1]!.baseOffset)
  if (segments.length === 0) segments.push(LogSegment.createSync(dir, 0, config))
  warnOverlaps(segments, logger)
  const logEndOffset = settleLogEndOffset(segments)
  if (recoveredBytes > 0) {
    logger.warn({ partition: opts.name, bytesRemoved: recoveredBytes, logEndOffset }, `recovered ${opts.name}: ${recoveredBytes} bytes removed`)
  }
  return { segments, recoveredBytes, logEndOffset }
}

/**
 * Step 2: removes `.tmp`, `.cleaned` and `.deleted` files, then every index without a `.log` beside it.
 * Returns the base offsets of the segments (the `.log` files), oldest first.
 */
async function removeLeftovers (dir: string, logger: Logger): Promise<number[]> {
  const bases = new Set<number>()
  const indexes: string[] = []
  for (const f of readdirSync(dir)) {
    const parsed = parseSegmentFileName(f)
    if (f.endsWith('.tmp') || (parsed !== null && (parsed.suffix === CLEANED_FILE_SUFFIX || parsed.suffix === DELETED_FILE_SUFFIX))) {
      await fsp.rm(join(dir, f), { force: true })
      continue
    }
    if (parsed === null || parsed.suffix !== '') continue
    if (parsed.kind === 'log') bases.add(parsed.baseOffset)
    else indexes.push(f)
  }
  for (const f of indexes) {
    const base = parseSegmentFileName(f)!.baseOffset
    if (!bases.has(base)) {
      logger.warn({ file: join(dir, f) }, `deleting index ${join(dir, f)}: no ${logFileName(dir, base)} beside it`)
      await fsp.rm(join(dir, f), { force: true })
    }
  }
  return [...bases].sort((a, b) => a - b)
}

/**
 * After an unclean stop, with more than one segment: a crash right after a roll can leave an empty active
 * segment past offsets that were assigned but never written to the previous one (its last writes were still
 * queued). Removes it (its files, and its base from `bases`), so the previous segment is recovered as the
 * active one and the log continues from its real end, without a hole of offsets.
 */
async function removeEmptyActiveSegment (dir: string, bases: number[], logger: Logger): Promise<void> {
  const lastBase = bases[bases.length - 1]!
  const lastFile = logFileName(dir, lastBase)
  if (statSync(lastFile).size !== 0) return
  logger.warn({ file: lastFile }, `removing the empty active segment ${lastFile} left by a crash after a roll`)
  // its .txnindex too: an abort entry is written before its marker, so it can name a marker never written
  for (const f of [lastFile, offsetIndexFileName(dir, lastBase), timeIndexFileName(dir, lastBase), txnIndexFileName(dir, lastBase)]) await fsp.rm(f, { force: true })
  bases.pop()
}

/** Step 3: opens the segments at `bases` (oldest first), each trusted or recovered (loadOrRecover). */
async function openSegments (
  dir: string, bases: number[], config: SegmentConfig, cleanShutdown: boolean, logger: Logger
): Promise<{ segments: LogSegment[]; recoveredBytes: number }> {
  const segments: LogSegment[] = []
  let recoveredBytes = 0
  for (let i = 0; i < bases.length; i++) {
    const seg = LogSegment.open(dir, bases[i]!, config)
    recoveredBytes += await loadOrRecover(seg, i === bases.length - 1, cleanShutdown, logger)
    segments.push(seg)
  }
  return { segments, recoveredBytes }
}

/**
 * Trusts an opened segment's indexes if they pass the checks, else recovers it (every batch checked, the
 * tail past the first invalid byte removed, indexes rebuilt); after an unclean shutdown the active (last)
 * segment is always recovered. Returns the bytes removed.
 */
async function loadOrRecover (seg: LogSegment, isLast: boolean, cleanShutdown: boolean, logger: Logger): Promise<number> {
  if (seg.txnIndexProblem !== null) {
    // its aborts are re-added when the partition's producer state loads: a whole-log replay (producers/producer-state-manager.ts)
    logger.warn({ file: seg.txnIndex.file, reason: seg.txnIndexProblem }, `ignoring the transaction index ${seg.txnIndex.file}: ${seg.txnIndexProblem}`)
  }
  const reason = !cleanShutdown && isLast ? 'unclean shutdown: recovering the active segment' : await seg.loadIndexes()
  if (reason === null) return 0
  if (cleanShutdown || !isLast) logger.warn({ file: seg.logFile, reason }, `rebuilding indexes of ${seg.logFile}: ${reason}`)
  const recovered = await seg.recover(logger)
  if (!isLast) seg.sealTimeIndex()
  try {
    await seg.writeIndexes()
  } catch (err) {
    // a full disk: the rebuilt indexes stay in memory (dirty), written at the next roll, flush or close
    if (!isNoSpaceError(err)) throw err
    logger.warn({ file: seg.logFile, err: (err as Error).message }, `no space to write the rebuilt indexes of ${seg.logFile}; kept in memory`)
  }
  // A compaction swap interrupted by a crash leaves the cleaned segment without indexes and with the
  // .txnindex entries of every segment it replaced: drop those whose marker the cleaning removed.
  const dropped = await seg.dropEntriesWithoutMarker()
  if (dropped > 0) logger.warn({ file: seg.txnIndex.file, dropped }, `dropped ${dropped} entries of ${seg.txnIndex.file} whose abort marker is not in the segment`)
  return recovered
}

/** Warns about every segment holding offsets past the next segment's base (left as they are). */
function warnOverlaps (segments: LogSegment[], logger: Logger): void {
  for (let i = 0; i + 1 < segments.length; i++) {
    const s = segments[i]!
    const next = segments[i + 1]!
    if (s.nextOffset > next.baseOffset) {
      logger.warn({ file: s.logFile, nextOffset: s.nextOffset, nextBase: next.baseOffset },
        `segment ${s.logFile} holds offsets up to ${s.nextOffset - 1}, past the next segment's base ${next.baseOffset}`)
    }
  }
}

/**
 * The log end offset: the active segment's next offset, or, when the active segment is empty and follows
 * another, the larger of its base and the previous segment's next offset (an empty active segment's next
 * offset is raised to it).
 */
function settleLogEndOffset (segments: LogSegment[]): number {
  const active = segments[segments.length - 1]!
  const logEndOffset = active.size === 0 && segments.length > 1
    ? Math.max(active.baseOffset, segments[segments.length - 2]!.nextOffset)
    : active.nextOffset
  if (active.size === 0) active.nextOffset = Math.max(active.nextOffset, logEndOffset)
  return logEndOffset
}

/**
 * Completes a compaction swap interrupted by a crash (Kafka's rule): `<base>.log.swap` replaces the segments
 * whose base offsets fall in (base, its next offset). Order, so that a crash here is redone at the next open:
 * the replaced segments and `<base>`'s index files are removed first, then the swap is renamed to
 * `<base>.log` (its indexes are rebuilt when the segment is opened: they are missing).
 */
async function completeSwaps (dir: string, logger: Logger): Promise<void> {
  for (const f of readdirSync(dir)) {
    const parsed = parseSegmentFileName(f)
    if (parsed === null || parsed.suffix !== SWAP_FILE_SUFFIX) continue
    if (parsed.kind !== 'log') { await fsp.rm(join(dir, f), { force: true }); continue }
    const base = parsed.baseOffset
    const swapFile = join(dir, f)
    const next = await nextOffsetOfFile(swapFile, base)
    for (const g of readdirSync(dir)) {
      const p = parseSegmentFileName(g)
      if (p !== null && p.suffix === '' && p.baseOffset > base && p.baseOffset < next) await fsp.rm(join(dir, g), { force: true })
    }
    await fsp.rm(offsetIndexFileName(dir, base), { force: true })
    await fsp.rm(timeIndexFileName(dir, base), { force: true })
    await fsp.rename(swapFile, logFileName(dir, base))
    fsyncDir(dir)
    logger.warn({ file: swapFile, replacedUpTo: next }, `completed the interrupted swap of ${swapFile} (offsets ${base} to ${next - 1})`)
  }
}

/** Offset after the last whole batch of a segment file (headers only: lengths and magic), `base` if none. */
async function nextOffsetOfFile (file: string, base: number): Promise<number> {
  const fd = await openFd(file, 'r')
  try {
    const w = new FileBatches(fd, { windowBytes: RECORD_BATCH_OVERHEAD, checkMagic: true }).open(0, fstatSync(fd).size)
    let next = base
    while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) next = w.lastOffset + 1
    return next
  } finally {
    await closeFd(fd)
  }
}
