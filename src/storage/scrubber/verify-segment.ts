// verifySegment: every batch of one segment file checked (batch-checks.ts: length inside the file, magic 2,
// offsets increasing and inside [base offset, upper bound), CRC32C), the walk going on past a damaged batch as
// long as its length still says where the next one starts. Used by the background scrubber (log-scrubber.ts)
// and by `samsa dump-log --verify` (cli/dump-log.ts), so both report the same damage in the same words.
//
// Reads: file-batches.ts through one reused window (windowBytes, default 1 MiB; a larger batch grows it), from
// position 0 to `size`. `throttle(bytes)` is awaited after each window's worth of batches (the scrubber's byte
// rate); `stop()` is asked at the same points and ends the walk early (aborted: true), e.g. when the segment is
// being deleted. Memory: one window whatever the segment's size.
// Threading: the caller's thread (async positional reads on the libuv pool); the fd must stay open throughout.
import { CursorState } from '../../protocol/records/batch-cursor.js'
import { batchProblem, walkStopProblem } from '../batch-checks.js'
import { FileBatches } from '../file-batches.js'

export interface BatchDamage { position: number; reason: string }

export interface VerifyOptions {
  /** The segment's base offset (its file name). */
  baseOffset: number
  /** Bytes of the file to walk (the segment's written size). */
  size: number
  /** Offsets must stay below this (the next segment's base offset); Infinity when unknown. */
  upperBound?: number
  windowBytes?: number
  /** Awaited after each window of batches walked, with the bytes walked since the previous call. */
  throttle?: (bytes: number) => Promise<void>
  /** Asked at the same points: true ends the walk early. */
  stop?: () => boolean
  /** Stop collecting (not walking) after this many problems. Default 100. */
  maxProblems?: number
}

export interface VerifyResult {
  problems: BatchDamage[]
  batches: number
  /** Bytes walked (all of `size` unless aborted or stopped by damage that hides the next batch). */
  bytes: number
  /** Last offset of the last good batch, baseOffset - 1 when none. */
  lastOffset: number
  aborted: boolean
}

export async function verifySegment (fd: number, opts: VerifyOptions): Promise<VerifyResult> {
  const window = opts.windowBytes ?? 1024 * 1024
  const upper = opts.upperBound ?? Infinity
  const maxProblems = opts.maxProblems ?? 100
  const w = new FileBatches(fd, { windowBytes: window, wholeBatches: true }).open(0, opts.size)
  const problems: BatchDamage[] = []
  let prev = opts.baseOffset - 1
  let batches = 0
  let sinceThrottle = 0
  let aborted = false
  try {
    while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
      batches++
      const problem = batchProblem(w, opts.baseOffset, prev, upper, true)
      if (problem === null) prev = w.lastOffset
      else if (problems.length < maxProblems) problems.push({ position: w.position, reason: problem })
      sinceThrottle += w.size
      if (sinceThrottle >= window) {
        if (opts.throttle !== undefined) await opts.throttle(sinceThrottle)
        sinceThrottle = 0
        if (opts.stop?.() === true) { aborted = true; break }
      }
    }
    if (!aborted) {
      const stopped = walkStopProblem(w, opts.size)
      if (stopped !== null && problems.length < maxProblems) problems.push({ position: w.position, reason: `${stopped}; the rest of the segment (${opts.size - w.position} bytes) cannot be read as batches` })
      if (sinceThrottle > 0 && opts.throttle !== undefined) await opts.throttle(sinceThrottle)
    }
  } finally {
    w.release()
  }
  return { problems, batches, bytes: aborted ? w.position : opts.size, lastOffset: prev, aborted }
}
