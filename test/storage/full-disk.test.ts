// A full disk (ENOSPC on a write) refuses the appends that did not reach the file, cuts the log back to the bytes
// written (also across a roll), and appends resume once space returns; an EIO stays fatal (log.test.ts).
import t from 'tap'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { computeCrc, crc, lastOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { errnoError, fileFaults, writevAt } from '../../src/storage/file-io.js'
import { DEFAULT_LOG_CONFIG, PartitionLog, type WriteImpl } from '../../src/storage/log.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

const CONFIG = { ...DEFAULT_LOG_CONFIG, fsync: 'never' as const, segmentBytes: 1200, indexIntervalBytes: 100 }

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-full-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const open = (dir: string, writeImpl?: WriteImpl, cleanShutdown = true): Promise<PartitionLog> => PartitionLog.open({
  dir, topic: 'f', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown, writeImpl
})

async function values (log: PartitionLog): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = []
  let next = log.logStartOffset
  while (next < log.highWatermark) {
    const r = await log.read(next, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) {
      if (crc(b) !== computeCrc(b)) throw new Error(`bad CRC at ${lastOffset(b)}`)
      for (const rec of iterateRecords(b)) out.push([rec.offset, rec.value!.toString()])
    }
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return out
}

const batch = (v: string): Buffer => buildRecordBatch([{ value: v.padEnd(100, '.') }])

t.test('ENOSPC: the refused appends leave no trace, across a roll, and appends resume when space returns', async t => {
  const dir = tmp(t)
  let budget = Infinity
  // a disk with `budget` bytes left: a write that does not fit writes what fits, then fails (as write(2) does)
  const writeImpl: WriteImpl = async (fd, bufs, pos) => {
    const total = bufs.reduce((n, b) => n + b.length, 0)
    if (total <= budget) { budget -= total; return await writevAt(fd, bufs, pos) }
    const part = Buffer.concat(bufs).subarray(0, Math.max(0, budget))
    if (part.length > 0) await writevAt(fd, [part], pos)
    budget = 0
    throw errnoError('ENOSPC', 'no space left on device')
  }
  const log = await open(dir, writeImpl)
  const acked: Array<[number, string]> = []
  for (let i = 0; i < 8; i++) {
    const r = log.append([batch(`a${i}`)], 1)
    await r.durable
    acked.push([r.baseOffset, `a${i}`.padEnd(100, '.')])
  }
  const segsBefore = log.segmentList().length
  budget = 400 // room for two more batches
  for (let i = 0; i < 2; i++) {
    const r = log.append([batch(`b${i}`)], 1)
    await r.durable
    acked.push([r.baseOffset, `b${i}`.padEnd(100, '.')])
  }
  // then 20 appends in one turn: they fill the active segment, roll, and go on in a new one
  const results = []
  for (let i = 0; i < 20; i++) results.push(log.append([batch(`c${i}`)], 1))
  t.ok(log.segmentList().length > segsBefore, 'the refused appends had rolled the log')
  const settled = await Promise.allSettled(results.map(r => r.durable))
  t.ok(settled.every(s => s.status === 'rejected'), 'every append of the failed writes is refused')
  const rejected = settled[0] as PromiseRejectedResult
  t.match(rejected.reason, { code: 'KAFKA_STORAGE_ERROR', message: /no space left.*not acknowledged/ })
  t.throws(() => log.append([batch('during')], 1), { code: 'KAFKA_STORAGE_ERROR' }, 'appends throw while the log is cut back')
  await log.whenIdle() // the cut-back runs right after the failed write
  t.equal(log.storageError, null, 'not a permanent failure')
  t.equal(log.logEndOffset, acked.length, 'the log end offset is back at the last written batch')
  t.equal(log.highWatermark, acked.length)
  t.equal(log.segmentList().length, segsBefore, 'the segment rolled for refused appends is gone')
  t.equal(statSync(log.activeSegment.logFile).size, log.activeSegment.size, 'the active file holds exactly the written batches (torn bytes truncated)')
  t.same(await values(log), acked, 'reads: exactly the acknowledged records')
  const stillFull = log.append([batch('e0')], 1)
  await t.rejects(stillFull.durable, { code: 'KAFKA_STORAGE_ERROR' }, 'still full: refused again')
  await log.whenIdle()
  budget = Infinity
  for (let i = 0; i < 15; i++) {
    const r = log.append([batch(`d${i}`)], 1)
    await r.durable
    acked.push([r.baseOffset, `d${i}`.padEnd(100, '.')])
  }
  t.same(acked.map(a => a[0]), acked.map((_, i) => i), 'offsets continue without a gap or a repeat')
  t.same(await values(log), acked, 'space back: appends resume, rolls included')
  await log.close()
  const again = await open(dir, undefined, false)
  t.same(await values(again), acked, 'after a restart: the same records')
  t.same(readdirSync(dir).filter(f => f.endsWith('.deleted')), [])
  await again.close()
})

t.test('fileFaults.write injects ENOSPC into the real writev (what the broker-level tests use)', async t => {
  const dir = tmp(t)
  const log = await open(dir)
  await log.append([batch('x')], 1).durable
  fileFaults.write = () => errnoError('ENOSPC', 'no space left on device (injected)')
  t.teardown(() => { fileFaults.write = null })
  await t.rejects(log.append([batch('y')], 1).durable, /no space left/)
  await log.whenIdle()
  fileFaults.write = null
  const r = log.append([batch('z')], 1)
  await r.durable
  t.equal(r.baseOffset, 1, 'the refused append did not take an offset')
  t.same((await values(log)).map(v => v[1][0]), ['x', 'z'])
  await log.close()
})

t.test('the cut-back emits truncated with the new log end offset', async t => {
  const dir = tmp(t)
  const log = await open(dir)
  await log.append([batch('x')], 1).durable
  const seen: number[] = []
  log.on('truncated', (leo: number) => seen.push(leo))
  fileFaults.write = () => errnoError('ENOSPC', 'no space left on device (injected)')
  t.teardown(() => { fileFaults.write = null })
  log.append([batch('y')], 1)
  log.append([batch('z')], 1)
  await log.whenIdle()
  fileFaults.write = null
  t.same(seen, [1], 'once, with the offset appends continue from')
  await log.close()
})
