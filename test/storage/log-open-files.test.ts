// A partition log under an open-file cache of one fd (open-files.ts limit 1): every segment switch closes the
// previous file and reopens the next on demand. Appends across many rolls, reads of every offset, DeleteRecords
// renaming segments to `.deleted` (reopened under that name while they wait for file.delete.delay.ms), a
// compaction swap (the replaced base segment's fd pinned, since its name becomes the cleaned file's) and a
// restart all return the same records; at rest the process holds at most one segment fd.
import t from 'tap'
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { lastOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { logFileName } from '../../src/storage/log-file-names.js'
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../src/storage/log.js'
import { openFiles } from '../../src/storage/open-files.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

const CONFIG = { ...DEFAULT_LOG_CONFIG, fsync: 'never' as const, segmentBytes: 1500, indexIntervalBytes: 200, fileDeleteDelayMs: 60_000 }
const open = (dir: string): Promise<PartitionLog> =>
  PartitionLog.open({ dir, topic: 'k', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: true })

async function values (log: PartitionLog): Promise<string[]> {
  const out: string[] = []
  let next = log.logStartOffset
  for (let round = 0; round < 10_000 && next < log.highWatermark; round++) {
    const r = await log.read(next, 700, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) for (const rec of iterateRecords(b)) if (rec.offset >= next) out.push(rec.value!.toString())
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return out
}

function segmentFds (dir: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try { if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++ } catch {}
  }
  return n
}

t.test('appends, reads, DeleteRecords, a compaction swap and a restart with one cached fd', async t => {
  const saved = openFiles.limit
  openFiles.limit = 1
  t.teardown(() => { openFiles.limit = saved })
  const root = mkdtempSync(join(tmpdir(), 'samsa-lru-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const dir = join(root, 'k-0')
  const log = await open(dir)
  const expected: string[] = []
  let last
  for (let i = 0; i < 120; i++) {
    const v = `v${i}`.padEnd(60, '.')
    expected.push(v)
    last = log.append([buildRecordBatch([{ key: `key${i % 7}`, value: v }])], 1)
  }
  await last!.durable
  t.ok(log.segmentList().length >= 8, `${log.segmentList().length} segments`)
  const evictionsBefore = openFiles.evictions
  t.same(await values(log), expected, 'every record read back')
  t.ok(openFiles.evictions > evictionsBefore, 'files were closed and reopened along the way')
  t.ok(segmentFds(root) <= 1, 'at most one segment fd at rest')

  // DeleteRecords: the first segments become .deleted (removed after file.delete.delay.ms); the rest still reads
  const cut = log.segmentList()[3]!.baseOffset
  await log.deleteRecordsTo(cut)
  t.ok(readdirSync(dir).some(f => f.endsWith('.log.deleted')), 'segments renamed to .deleted')
  t.same(await values(log), expected.slice(cut), 'the records from the new log start offset')

  // compaction swap of three inactive segments, with the cache at one fd
  const old = log.segmentList().slice(0, 3)
  const end = old[2]!.nextOffset
  const all = (await log.read(old[0]!.baseOffset, 1 << 22, { minOneBatch: true, maxOffset: end })).batches
  const cleaned = logFileName(dir, old[0]!.baseOffset, '.cleaned')
  writeFileSync(cleaned, Buffer.concat(all.filter((_, i) => i % 2 === 0)))
  const inflight = log.read(old[0]!.baseOffset, 1 << 20, { minOneBatch: true, maxOffset: end })
  await log.replaceSegments(old, cleaned)
  t.equal((await inflight).batches.length, all.length, 'a read in flight during the swap read the old file whole')
  const keptOffsets = new Set(all.filter((_, i) => i % 2 === 0).map(b => lastOffset(b)))
  const afterSwap = expected.filter((_, o) => o >= cut && (o >= end || keptOffsets.has(o)))
  t.same(await values(log), afterSwap, 'the cleaned segment reads back, the later ones too')

  await log.close()
  t.equal(segmentFds(root), 0, 'closed: no segment fd left')
  const again = await open(dir)
  t.same(await values(again), afterSwap, 'the same records after a restart')
  const r = again.append([buildRecordBatch([{ value: 'after restart' }])], 2)
  await r.durable
  t.equal((await values(again)).at(-1), 'after restart', 'appends after the restart')
  await again.close()
  t.equal(segmentFds(root), 0)
})
