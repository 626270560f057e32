// Short segments: a segment found, at open, holding fewer offsets than the files on disk say it held (a
// closed segment cut in half by hand, a bad block zeroed, a copy interrupted), reported loudly, and a log end
// that never goes back below offsets the data directory says existed, so lost offsets are never assigned again.
//
// Evidence, read before the loader touches anything (gatherEvidence; the loader rewrites the indexes of the
// segments it recovers):
//   - each .log file's size (recovery of a segment that is not the last one removing bytes is damage: a closed
//     segment was fully written before the log rolled past it);
//   - the last entry of each .index (the last offset of the batch at that position) and of each .timeindex
//     (the batch holding the segment's largest timestamp: on a clean close, usually its last batch): trimmed
//     files written at roll, flush and clean close, after the log bytes they describe;
//   - the newest producer snapshot (<offset>.snapshot, written at a clean close at the log end offset);
//   - the checkpointed log start offset (log-start-offset-checkpoint).
// After loading (checkShortSegments):
//   - a segment that is not the last one and lost bytes or offsets its indexes name is logged at ERROR with
//     the file and the offsets lost: [its new next offset, the next segment's base - 1]. Those offsets stay
//     unused (the next segment's offsets are unchanged); a fetch into them moves on to the next batch, as over
//     the gaps of a compacted log;
//   - the log end offset is raised to the highest offset the evidence names + 1 when the loaded log ends below
//     it (the last segment cut short), with an ERROR naming the file and the offsets lost: the next append gets
//     that offset, the lost ones are never reused.
// Guarantee: no offset named by an index entry, a producer snapshot or the log-start checkpoint is assigned
// twice. Limit: after an unclean stop, the active segment's indexes on disk date from its creation or the last
// clean close (they are written at roll and close), so offsets appended since then whose bytes are gone
// (the active segment damaged while the broker was down) are not known to have existed and may be assigned
// again; a torn tail after a crash is the normal case there (acknowledged offsets are fsynced first).
// Threading: main thread, synchronous file reads of a few bytes per segment, at open only.
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import { parseSegmentFileName } from './log-file-names.js'
import { listSnapshots } from './producers/snapshot.js'
import type { LogSegment } from './segment.js'

export interface SegmentEvidence {
  /** Size of the .log file before the loader ran. */
  logBytes: number
  /** Highest offset the .index or .timeindex names, -1 when none. */
  indexedOffset: number
}

export interface Evidence {
  segments: Map<number, SegmentEvidence>
  /** Offset of the newest producer snapshot, -1 when none. */
  snapshotOffset: number
}

/** Reads the evidence of partition directory `dir` (before loadLog). Unreadable files count as no evidence. */
export function gatherEvidence (dir: string): Evidence {
  const segments = new Map<number, SegmentEvidence>()
  let names: string[] = []
  try { names = readdirSync(dir) } catch { names = [] }
  const get = (base: number): SegmentEvidence => {
    let e = segments.get(base)
    if (e === undefined) segments.set(base, e = { logBytes: -1, indexedOffset: -1 })
    return e
  }
  for (const f of names) {
    const p = parseSegmentFileName(f)
    if (p === null || p.suffix !== '') continue
    try {
      if (p.kind === 'log') get(p.baseOffset).logBytes = statSync(join(dir, f)).size
      else if (p.kind === 'index') raise(get(p.baseOffset), lastRelativeOffset(join(dir, f), 8, 0), p.baseOffset)
      else if (p.kind === 'timeindex') raise(get(p.baseOffset), lastRelativeOffset(join(dir, f), 12, 8), p.baseOffset)
    } catch {
      // no evidence from an unreadable file
    }
  }
  const snaps = listSnapshots(dir)
  return { segments, snapshotOffset: snaps.length > 0 ? snaps[snaps.length - 1]! : -1 }
}

function raise (e: SegmentEvidence, rel: number, base: number): void {
  if (rel >= 0) e.indexedOffset = Math.max(e.indexedOffset, base + rel)
}

/** The relative offset in the last entry of a trimmed index file (entrySize bytes each, offset at `at`), -1 if none. */
function lastRelativeOffset (file: string, entrySize: number, at: number): number {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    if (size < entrySize || size % entrySize !== 0) return -1
    const b = Buffer.alloc(4)
    if (readSync(fd, b, 0, 4, size - entrySize + at) !== 4) return -1
    return b.readInt32BE(0)
  } finally {
    closeSync(fd)
  }
}

export interface ShortSegmentCheck {
  name: string
  segments: LogSegment[]
  evidence: Evidence
  logEndOffset: number
  /** The checkpointed log start offset, if any. */
  logStartOffset?: number
  logger: Logger
}

/**
 * Reports the segments found short (see the header) and returns the log end offset to use: the loaded one, or
 * higher when the evidence names offsets past it.
 */
export function checkShortSegments (c: ShortSegmentCheck): number {
  const segs = c.segments
  for (let i = 0; i + 1 < segs.length; i++) {
    const s = segs[i]!
    const e = c.evidence.segments.get(s.baseOffset)
    if (e === undefined) continue
    const lostBytes = e.logBytes >= 0 && e.logBytes > s.size
    const lostOffsets = e.indexedOffset >= s.nextOffset
    if (!lostBytes && !lostOffsets) continue
    const nextBase = segs[i + 1]!.baseOffset
    c.logger.error({ partition: c.name, file: s.logFile, lostFrom: s.nextOffset, lostTo: nextBase - 1, bytesBefore: e.logBytes, bytesNow: s.size, indexedOffset: e.indexedOffset },
      `segment ${s.logFile} is short: ${lostBytes ? `${e.logBytes - s.size} bytes of damaged or missing data were removed` : `its index names offset ${e.indexedOffset}, the log ends at ${s.nextOffset - 1}`}; ` +
      `offsets ${s.nextOffset} to ${nextBase - 1} are lost (never reused: the next segment starts at ${nextBase}; fetches skip to it)`)
  }
  const active = segs[segs.length - 1]!
  let floor = Math.max(c.evidence.snapshotOffset, c.logStartOffset ?? -1)
  let from = floor === c.evidence.snapshotOffset ? 'the producer snapshot' : 'the log start offset checkpoint'
  const e = c.evidence.segments.get(active.baseOffset)
  if (e !== undefined && e.indexedOffset + 1 > floor) {
    floor = e.indexedOffset + 1
    from = `the indexes of ${active.logFile}`
  }
  if (floor <= c.logEndOffset) return c.logEndOffset
  c.logger.error({ partition: c.name, file: active.logFile, lostFrom: c.logEndOffset, lostTo: floor - 1, logEndOffset: floor, evidence: from },
    `${c.name}: the log ends at offset ${c.logEndOffset}, but ${from} names offsets up to ${floor - 1}: ${active.logFile} is short, offsets ${c.logEndOffset} to ${floor - 1} are lost; ` +
    `the log end offset stays at ${floor} so they are never assigned again`)
  return floor
}
