import t from 'tap'
import { Writable } from 'node:stream'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, type Logger } from '../../src/logger.js'
import { baseOffset, lastOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig } from '../../src/storage/log.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

interface Captured { logger: Logger; lines: Array<Record<string, unknown>> }
function captureLogger (): Captured {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } })
  return { logger: createLogger('warn', stream), lines }
}

function tmpDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-recovery-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, fsync: 'never', segmentBytes: 4000, indexIntervalBytes: 256 }

async function open (dir: string, cleanShutdown: boolean, logger = captureLogger().logger): Promise<PartitionLog> {
  return await PartitionLog.open({ dir, topic: 't', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger }), logger, cleanShutdown })
}

/** A log with `n` batches of 3 records, flushed, then abandoned without close() (a crash, as far as the files go). */
async function crashedLog (dir: string, n: number): Promise<{ log: PartitionLog; sizes: number[] }> {
  const log = await open(dir, true)
  const sizes: number[] = []
  let last
  for (let i = 0; i < n; i++) {
    const b = buildRecordBatch([{ value: `a${i}`, timestamp: 100 + 3 * i }, { value: `b${i}`, timestamp: 101 + 3 * i }, { value: `c${i}`, timestamp: 102 + 3 * i }])
    sizes.push(b.length)
    last = log.append([b], 1)
  }
  await last!.durable
  return { log, sizes }
}

async function allOffsets (log: PartitionLog): Promise<number[]> {
  const out: number[] = []
  let next = log.logStartOffset
  while (next < log.highWatermark) {
    const r = await log.read(next, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) for (const rec of iterateRecords(b)) out.push(rec.offset)
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return out
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

t.test('restart after a clean close keeps everything and trusts the indexes', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 100)
  const segs = log.segmentList().map(s => [s.baseOffset, s.size, s.offsetIndex.entries])
  await log.close()
  const cap = captureLogger()
  const again = await open(dir, true, cap.logger)
  t.equal(again.logEndOffset, 300)
  t.equal(again.highWatermark, 300)
  t.same(again.segmentList().map(s => [s.baseOffset, s.size, s.offsetIndex.entries]), segs)
  t.same(await allOffsets(again), range(300))
  t.same(cap.lines, [], 'no warnings')
  t.equal(again.recoveredBytes, 0)
  // appends continue where the log ended
  const r = again.append([buildRecordBatch([{ value: 'x' }])], 1)
  t.equal(r.baseOffset, 300)
  await r.durable
  await again.close()
})

t.test('restart after a crash (no close) recovers the active segment and loses nothing written', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 100)
  const segs = log.segmentList().length
  const cap = captureLogger()
  const again = await open(dir, false, cap.logger)
  t.equal(again.logEndOffset, 300)
  t.equal(again.segmentList().length, segs)
  t.same(await allOffsets(again), range(300))
  t.equal(again.recoveredBytes, 0)
  t.same(await again.offsetForTimestamp(250), { offset: 150, timestamp: 250 }, 'time index rebuilt')
  await again.close()
  await log.close()
})

t.test('a truncated tail is cut at the last whole batch', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log, sizes } = await crashedLog(dir, 10)
  const file = log.activeSegment.logFile
  const size = statSync(file).size
  truncateSync(file, size - 7)
  const cap = captureLogger()
  const again = await open(dir, false, cap.logger)
  t.equal(again.logEndOffset, 27)
  t.equal(statSync(file).size, size - sizes[9]!)
  t.equal(again.recoveredBytes, sizes[9]! - 7)
  t.same(await allOffsets(again), range(27))
  const warn = cap.lines.find(l => typeof l.msg === 'string' && (l.msg).startsWith('truncating'))
  t.match(warn, { level: 40, file, position: size - sizes[9]!, bytesRemoved: sizes[9]! - 7, reason: /batch claims/ })
  await again.close()
  await log.close()
})

t.test('a corrupted CRC in the tail truncates from that batch', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log, sizes } = await crashedLog(dir, 10)
  const file = log.activeSegment.logFile
  const data = readFileSync(file)
  const at = data.length - sizes[9]! - sizes[8]! + 70 // inside batch 8's records
  data[at] ^= 0x55
  writeFileSync(file, data)
  const cap = captureLogger()
  const again = await open(dir, false, cap.logger)
  t.equal(again.logEndOffset, 24)
  t.same(await allOffsets(again), range(24))
  t.match(cap.lines.find(l => l.bytesRemoved !== undefined), { reason: /CRC32C mismatch/, bytesRemoved: sizes[8]! + sizes[9]! })
  // the partition takes appends again from 24
  const r = again.append([buildRecordBatch([{ value: 'y' }])], 1)
  t.equal(r.baseOffset, 24)
  await r.durable
  t.same(await allOffsets(again), range(25))
  await again.close()
  await log.close()
})

t.test('garbage appended after the last batch is removed', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 5)
  const file = log.activeSegment.logFile
  const size = statSync(file).size
  appendFileSync(file, Buffer.from('this is not a record batch, just garbage from a torn write'))
  appendFileSync(file, Buffer.alloc(4096))
  const cap = captureLogger()
  const again = await open(dir, false, cap.logger)
  t.equal(statSync(file).size, size)
  t.equal(again.logEndOffset, 15)
  t.equal(again.recoveredBytes, 58 + 4096)
  t.ok(cap.lines.some(l => l.bytesRemoved === 58 + 4096))
  await again.close()
  await log.close()
})

t.test('zero-filled tail (preallocated / torn page) is removed', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 5)
  const file = log.activeSegment.logFile
  appendFileSync(file, Buffer.alloc(100))
  const again = await open(dir, false)
  t.equal(again.logEndOffset, 15)
  await again.close()
  await log.close()
})

t.test('missing and corrupt index files are rebuilt from the log, even after a clean stop', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 100)
  await log.close()
  const segs = log.segmentList()
  t.ok(segs.length >= 3)
  const first = segs[0]!
  const entries = first.offsetIndex.entries
  const idxBytes = readFileSync(first.offsetIndex.file)
  const timeBytes = readFileSync(first.timeIndex.file)
  unlinkSync(first.offsetIndex.file)
  writeFileSync(segs[1]!.timeIndex.file, Buffer.alloc(13)) // not a multiple of 12
  const cap = captureLogger()
  const again = await open(dir, true, cap.logger)
  t.ok(cap.lines.some(l => /rebuilding indexes/.test(String(l.msg)) && /missing/.test(String(l.reason))))
  t.ok(cap.lines.some(l => /rebuilding indexes/.test(String(l.msg)) && /not a multiple/.test(String(l.reason))))
  t.ok(existsSync(first.offsetIndex.file), 'index file written again')
  const rebuilt = again.segmentList()[0]!
  t.equal(rebuilt.offsetIndex.entries, entries)
  t.ok(readFileSync(first.offsetIndex.file).equals(idxBytes), 'the rebuilt .index is byte-identical')
  t.ok(readFileSync(first.timeIndex.file).equals(timeBytes), 'the rebuilt .timeindex is byte-identical too')
  t.same(await allOffsets(again), range(300))
  t.equal(again.recoveredBytes, 0)
  await again.close()
})

t.test('orphan indexes and leftover .cleaned/.deleted/.tmp files are removed at open', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 3)
  await log.close()
  const junk = ['00000000000000000999.index', '00000000000000000000.log.cleaned', '00000000000000000000.index.deleted', '00000000000000000000.index.tmp']
  for (const f of junk) writeFileSync(join(dir, f), Buffer.alloc(8))
  const again = await open(dir, true)
  for (const f of junk) t.notOk(existsSync(join(dir, f)), `${f} removed`)
  t.equal(again.logEndOffset, 9)
  await again.close()
})

t.test('an interrupted swap is completed: the .swap replaces the segments it covers', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 100)
  await log.close()
  const segs = log.segmentList()
  // a "compacted" copy of segments 0 and 1: the batches of segment 0 only, covering up to segment 1's end
  const seg0 = readFileSync(segs[0]!.logFile)
  writeFileSync(segs[0]!.logFile + '.swap', seg0)
  const again = await open(dir, true)
  t.equal(again.segmentList()[0]!.baseOffset, 0)
  t.notOk(existsSync(segs[0]!.logFile + '.swap'))
  t.ok(existsSync(segs[1]!.logFile), 'segment 1 is not covered by the swap (swap ends at its base)')
  t.equal(again.logEndOffset, 300)
  await again.close()
})

t.test('a crash right after a roll: the new empty active segment keeps the LEO', async t => {
  const dir = join(tmpDir(t), 't-0')
  const { log } = await crashedLog(dir, 100)
  // force an empty active segment by rolling on a time basis
  const cfg = { ...CONFIG, segmentMs: 0 }
  log.config = cfg
  await new Promise(resolve => setTimeout(resolve, 2))
  const r = log.append([buildRecordBatch([{ value: 'z' }])], Date.now() + 10_000)
  t.equal(r.baseOffset, 300)
  await r.durable
  const last = log.activeSegment
  t.equal(last.baseOffset, 300)
  truncateSync(last.logFile, 0) // the crash lost the new segment's bytes
  const again = await open(dir, false)
  t.equal(again.logEndOffset, 300)
  t.equal(baseOffset((await again.read(299, 100, { minOneBatch: true, maxOffset: 300 })).batches[0]!), 297)
  await again.close()
  await log.close()
})
