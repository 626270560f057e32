// LogLoader: turns a partition directory into segments at open (Kafka's LogLoader), recovering after a crash.
//
// Steps, in order:
//   1. complete an interrupted compaction swap: `<base>.log.swap` becomes `<base>.log` and replaces the
//      segments whose base offsets fall inside the offsets it holds (its indexes are rebuilt);
//   2. remove leftovers: `.cleaned`, `.deleted`, `.tmp` files, and indexes without a `.log` beside them;
//   3. open each segment, oldest first. After a clean shutdown every segment's indexes are trusted if they
//      pass the sanity checks (segment.loadIndexes); after an unclean one the *active* segment is always
//      recovered (every batch checked: length bounds, magic, CRC32C, offsets; truncated at the first invalid
//      byte; indexes rebuilt). Any segment whose indexes are missing or fail the checks is rebuilt too.
//      Never throws on corrupt data: WARNs name the file, the position and the bytes removed;
//   4. an empty directory gets one empty segment at offset 0.
// The log end offset is the active segment's next offset, or, when a crash left the active segment empty
// right after a roll, the larger of its base offset and the previous segment's next offset.
// Threading: main thread, async I/O; runs before the log accepts appends or reads.
import { mkdirSync, promises as fsp, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import {
  CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX, logFileName, offsetIndexFileName, parseSegmentFileName,
  timeIndexFileName
} from './log-file-names.js'
import { LogSegment, type SegmentConfig } from './segment.js'

export interface LoadedLog { segments: LogSegment[]; recoveredBytes: number; logEndOffset: number }

export interface LoadOptions { dir: string; name: string; config: SegmentConfig; logger: Logger; cleanShutdown: boolean }

export async function loadLog (opts: LoadOptions): Promise<LoadedLog> {
  const { dir, config, logger, cleanShutdown } = opts
  mkdirSync(dir, { recursive: true })
  await completeSwaps(dir, config, logger)
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
  const segments: LogSegment[] = []
  let recoveredBytes = 0
  const sorted = [...bases].sort((a, b) => a - b)
  for (let i = 0; i < sorted.length; i++) {
    const seg = LogSegment.open(dir, sorted[i]!, config)
    const isLast = i === sorted.length - 1
    const reason = !cleanShutdown && isLast ? 'unclean shutdown: recovering the active segment' : await seg.loadIndexes()
    if (reason !== null) {
      if (cleanShutdown || !isLast) logger.warn({ file: seg.logFile, reason }, `rebuilding indexes of ${seg.logFile}: ${reason}`)
      recoveredBytes += await seg.recover(logger)
      if (!isLast) seg.sealTimeIndex()
      await seg.writeIndexes()
    }
    segments.push(seg)
  }
  if (segments.length === 0) segments.push(LogSegment.createSync(dir, 0, config))
  for (let i = 0; i + 1 < segments.length; i++) {
    const s = segments[i]!
    const next = segments[i + 1]!
    if (s.nextOffset > next.baseOffset) {
      logger.warn({ file: s.logFile, nextOffset: s.nextOffset, nextBase: next.baseOffset },
        `segment ${s.logFile} holds offsets up to ${s.nextOffset - 1}, past the next segment's base ${next.baseOffset}`)
    }
  }
  const active = segments[segments.length - 1]!
  const logEndOffset = active.size === 0 && segments.length > 1
    ? Math.max(active.baseOffset, segments[segments.length - 2]!.nextOffset)
    : active.nextOffset
  if (active.size === 0) active.nextOffset = Math.max(active.nextOffset, logEndOffset)
  if (recoveredBytes > 0) {
    logger.warn({ partition: opts.name, bytesRemoved: recoveredBytes, logEndOffset }, `recovered ${opts.name}: ${recoveredBytes} bytes removed`)
  }
  return { segments, recoveredBytes, logEndOffset }
}

/**
 * Completes a compaction swap interrupted by a crash (Kafka's rule): `<base>.log.swap` replaces the segments
 * whose base offsets fall in (base, its next offset), then is renamed to `<base>.log`.
 */
async function completeSwaps (dir: string, config: SegmentConfig, logger: Logger): Promise<void> {
  for (const f of readdirSync(dir)) {
    const parsed = parseSegmentFileName(f)
    if (parsed === null || parsed.suffix !== SWAP_FILE_SUFFIX) continue
    if (parsed.kind !== 'log') { await fsp.rm(join(dir, f), { force: true }); continue }
    const base = parsed.baseOffset
    const swapFile = join(dir, f)
    await fsp.rm(offsetIndexFileName(dir, base), { force: true })
    await fsp.rm(timeIndexFileName(dir, base), { force: true })
    await fsp.rename(swapFile, logFileName(dir, base))
    const seg = LogSegment.open(dir, base, config)
    await seg.recover(logger)
    await seg.close()
    for (const g of readdirSync(dir)) {
      const p = parseSegmentFileName(g)
      if (p !== null && p.suffix === '' && p.baseOffset > base && p.baseOffset < seg.nextOffset) await fsp.rm(join(dir, g), { force: true })
    }
    logger.warn({ file: swapFile }, `completed the interrupted swap of ${swapFile}`)
  }
}
