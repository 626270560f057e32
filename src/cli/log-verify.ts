// `samsa dump-log --verify PATH...`: checks segment files offline and prints only what is wrong, one line per
// damaged batch or index entry: `<file>: position <N>: <reason>` (--json: {"type":"corruption", file,
// position, reason} lines), then one summary line. Exit code 1 when anything is wrong, 0 when all is clean.
//
// .log files go through storage/scrubber/verify-segment.ts, the walk the broker's background scrubber uses,
// so both report the same damage in the same words: lengths inside the file, magic 2, offsets increasing and
// inside [the file name's base offset, the next segment's base offset) (the next .log of the same directory
// among the files given), CRC32C of every batch; the walk goes on past a bad batch while its length still
// says where the next one starts. .index and .timeindex files are checked as `dump-log` checks them
// (log-dump.ts dumpIndex: entries in order, offset-index entries pointing at a batch of the .log beside them),
// which is how a segment cut short on a batch boundary shows: its index points past its end.
import fs from 'node:fs'
import path from 'node:path'
import { verifySegment } from '../storage/scrubber/verify-segment.js'
import { baseOffsetOf, dumpIndex, segmentFileKind } from './log-dump.js'
import { out } from './output.js'

export interface VerifyProblem { file: string; position: number; reason: string }

/** Checks `files` (as dump-log lists them: sorted by base offset per directory); returns the number of problems. */
export async function verifyFiles (files: string[], json: boolean): Promise<number> {
  let problems = 0
  let batches = 0
  let bytes = 0
  const report = async (p: VerifyProblem): Promise<void> => {
    problems++
    await out(json ? JSON.stringify({ type: 'corruption', ...p }) + '\n' : `${p.file}: position ${p.position}: ${p.reason}\n`)
  }
  const logs = files.filter(f => segmentFileKind(f) === 'log')
  for (const file of files) {
    const kind = segmentFileKind(file)
    if (kind === 'log') {
      const next = logs.find(f => path.dirname(f) === path.dirname(file) && baseOffsetOf(f) > baseOffsetOf(file))
      const fd = fs.openSync(file, 'r')
      try {
        const r = await verifySegment(fd, {
          baseOffset: baseOffsetOf(file),
          size: fs.fstatSync(fd).size,
          upperBound: next === undefined ? Infinity : baseOffsetOf(next),
          windowBytes: 4 * 1024 * 1024,
          maxProblems: Infinity
        })
        batches += r.batches
        bytes += r.bytes
        for (const p of r.problems) await report({ file, ...p })
      } finally {
        fs.closeSync(fd)
      }
    } else if (kind !== null) {
      for (const e of dumpIndex(file, kind)) {
        if (e.type === 'corruption') await report({ file, position: e.corruption.position, reason: e.corruption.message })
      }
    }
  }
  const summary = { type: 'summary', files: files.length, batches, bytes, problems }
  await out(json
    ? JSON.stringify(summary) + '\n'
    : `Verified ${files.length} file${files.length === 1 ? '' : 's'} (${batches} batches, ${bytes} bytes of log): ${problems === 0 ? 'no problems' : `${problems} problem${problems === 1 ? '' : 's'}`}\n`)
  return problems
}
