import t from 'tap'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import {
  TimestampType, baseOffset, batchSize, computeCrc, crc, lastOffset, maxTimestamp, timestampType
} from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { OffsetOutOfRangeError } from '../../src/storage/errors.js'
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig, type WriteImpl } from '../../src/storage/log.js'
import { writevAt } from '../../src/storage/file-io.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function openLog (t: { teardown: (fn: () => void | Promise<void>) => void }, config: Partial<LogConfig> = {}, extra: { flusher?: Flusher; writeImpl?: WriteImpl; dir?: string } = {}): Promise<PartitionLog> {
  const dir = extra.dir ?? join(tmp(t), 't-0')
  const flusher = extra.flusher ?? new Flusher({ mode: 'never', logger: silentLogger })
  const log = await PartitionLog.open({
    dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, fsync: 'never', ...config }, flusher, logger: silentLogger, cleanShutdown: true, writeImpl: extra.writeImpl
  })
  t.teardown(async () => { await log.close().catch(() => {}) })
  return log
}

function batch (n: number, opts: { ts?: number; size?: number } = {}): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(opts.size ?? 10), timestamp: opts.ts ?? 1000 + i })))
}

function offsetsOf (batches: Buffer[]): number[] {
  const out: number[] = []
  for (const b of batches) for (const r of iterateRecords(b)) out.push(r.offset)
  return out
}

t.test('append assigns offsets in place and the HW follows the write (fsync never)', async t => {
  const log = await openLog(t)
  const a = batch(3)
  const b = batch(2)
  const r1 = log.append([a], 5000)
  t.same([r1.baseOffset, r1.lastOffset, r1.logAppendTime], [0, 2, -1])
  t.equal(baseOffset(a), 0)
  const r2 = log.append([b], 5000)
  t.same([r2.baseOffset, r2.lastOffset], [3, 4])
  t.equal(baseOffset(b), 3, 'baseOffset rewritten in the caller\'s buffer')
  t.equal(log.logEndOffset, 5)
  t.equal(log.highWatermark, 0, 'nothing is written synchronously')
  await r2.written
  await r2.durable
  t.equal(log.highWatermark, 5)
  const read = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
  t.equal(read.batches.length, 2)
  t.same(offsetsOf(read.batches), [0, 1, 2, 3, 4])
  t.equal(read.bytes, a.length + b.length)
  t.ok(read.batches[0]!.equals(a), 'bytes are the produced bytes (with the assigned baseOffset)')
})

t.test('a buffer holding several batches is appended batch by batch', async t => {
  const log = await openLog(t)
  const two = Buffer.concat([batch(2), batch(3)])
  const r = log.append([two], 1)
  t.same([r.baseOffset, r.lastOffset], [0, 4])
  t.equal(baseOffset(two, batchSize(two, 0)), 2)
  await r.durable
  t.same(offsetsOf((await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: 99 })).batches), [0, 1, 2, 3, 4])
  t.throws(() => log.append([two.subarray(0, 30)], 1), /fragment/)
})

t.test('fetch from the middle of a batch returns the whole batch; maxBytes, minOneBatch and maxOffset', async t => {
  const log = await openLog(t)
  const sizes: number[] = []
  let last
  for (let i = 0; i < 10; i++) {
    const b = batch(5)
    sizes.push(b.length)
    last = log.append([b], 1)
  }
  await last!.durable
  const mid = await log.read(12, 1 << 20, { minOneBatch: true, maxOffset: 50 })
  t.equal(baseOffset(mid.batches[0]!), 10, 'starts with the batch containing offset 12')
  t.equal(mid.batches.length, 8)
  const two = await log.read(12, sizes[0]! * 2 + 5, { minOneBatch: true, maxOffset: 50 })
  t.equal(two.batches.length, 2, 'maxBytes holds two whole batches')
  t.equal(two.bytes, sizes[0]! * 2)
  const tiny = await log.read(12, 10, { minOneBatch: true, maxOffset: 50 })
  t.equal(tiny.batches.length, 1, 'minOneBatch returns one whole batch above maxBytes')
  const none = await log.read(12, 10, { minOneBatch: false, maxOffset: 50 })
  t.equal(none.batches.length, 0, 'without minOneBatch nothing fits')
  const capped = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: 25 })
  t.same(capped.batches.map(b => baseOffset(b)), [0, 5, 10, 15, 20], 'nothing at or past maxOffset')
  t.same((await log.read(25, 1 << 20, { minOneBatch: true, maxOffset: 25 })).batches, [])
  t.same((await log.read(50, 1 << 20, { minOneBatch: true, maxOffset: 50 })).batches, [], 'fetch at the LEO is empty')
  await t.rejects(log.read(51, 100, { minOneBatch: true, maxOffset: 50 }), OffsetOutOfRangeError)
  await t.rejects(log.read(-1, 100, { minOneBatch: true, maxOffset: 50 }), /outside \[0, 50\]/)
})

t.test('segments roll at segmentBytes and reads cross them', async t => {
  const log = await openLog(t, { segmentBytes: 2000, indexIntervalBytes: 300 })
  let last
  const expected: number[] = []
  for (let i = 0; i < 60; i++) {
    last = log.append([batch(3, { size: 50 })], 1)
    expected.push(i * 3, i * 3 + 1, i * 3 + 2)
  }
  await last!.durable
  const segs = log.segmentList()
  t.ok(segs.length > 5, `rolled into ${segs.length} segments`)
  for (const s of segs) t.ok(s.size <= 2000, `segment ${s.baseOffset} is ${s.size} bytes <= segment.bytes`)
  const files = readdirSync(log.dir).filter(f => f.endsWith('.log')).sort()
  t.equal(files.length, segs.length)
  t.equal(files[1], String(segs[1]!.baseOffset).padStart(20, '0') + '.log')
  // read everything by repeated fetches
  const got: number[] = []
  let next = 0
  while (next < log.highWatermark) {
    const r = await log.read(next, 700, { minOneBatch: true, maxOffset: log.highWatermark })
    t.ok(r.batches.length > 0, `progress at ${next}`)
    for (const o of offsetsOf(r.batches)) if (o >= next) got.push(o)
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  t.same(got, expected)
  // a fetch at a segment's base offset and one just before it
  const base = segs[2]!.baseOffset
  t.equal(baseOffset((await log.read(base, 100, { minOneBatch: true, maxOffset: 999 })).batches[0]!), base)
  t.equal(lastOffset((await log.read(base - 1, 100, { minOneBatch: true, maxOffset: 999 })).batches[0]!), base - 1)
  await log.flush()
  for (const s of segs.slice(0, -1)) {
    t.equal(statSync(s.offsetIndex.file).size, s.offsetIndex.entries * 8, `${s.offsetIndex.file} written, trimmed`)
  }
})

t.test('random appends and fetches agree with a model', async t => {
  const log = await openLog(t, { segmentBytes: 5000, indexIntervalBytes: 200 })
  const model: Array<{ base: number; last: number }> = []
  let last
  for (let i = 0; i < 300; i++) {
    const n = 1 + Math.floor(Math.random() * 8)
    last = log.append([batch(n, { size: Math.floor(Math.random() * 100) })], 1)
    model.push({ base: last.baseOffset, last: last.lastOffset })
  }
  await last!.durable
  for (let q = 0; q < 300; q++) {
    const off = Math.floor(Math.random() * log.logEndOffset)
    const r = await log.read(off, 1 + Math.floor(Math.random() * 3000), { minOneBatch: true, maxOffset: log.highWatermark })
    const holder = model.find(m => m.base <= off && off <= m.last)!
    if (baseOffset(r.batches[0]!) !== holder.base) { t.fail(`fetch ${off}: got batch ${baseOffset(r.batches[0]!)}, expected ${holder.base}`); return }
    for (let i = 1; i < r.batches.length; i++) {
      if (baseOffset(r.batches[i]!) !== lastOffset(r.batches[i - 1]!) + 1) { t.fail(`fetch ${off}: batches not contiguous`); return }
    }
  }
  t.pass('300 random fetches start at the right batch and are contiguous')
})

t.test('segment.ms rolls by time, a full index rolls too', async t => {
  const log = await openLog(t, { segmentMs: 1000 })
  await log.append([batch(1)], 10_000).durable
  await log.append([batch(1)], 10_500).durable
  t.equal(log.segmentList().length, 1)
  await log.append([batch(1)], 11_001).durable
  t.equal(log.segmentList().length, 2, 'rolled after segment.ms')
  const small = await openLog(t, { segmentIndexBytes: 16, indexIntervalBytes: 1 })
  let last
  for (let i = 0; i < 10; i++) last = small.append([batch(1)], 1)
  await last!.durable
  t.ok(small.segmentList().length >= 3, `index of 2 entries forces rolls (${small.segmentList().length} segments)`)
  t.same(offsetsOf((await small.read(0, 1 << 20, { minOneBatch: true, maxOffset: 10 })).batches).slice(0, 1), [0])
})

t.test('offsetForTimestamp matches a model (first record with timestamp >= target)', async t => {
  const log = await openLog(t, { segmentBytes: 3000, indexIntervalBytes: 150 })
  const records: Array<{ offset: number; ts: number }> = []
  let ts = 1_000_000
  let last
  for (let i = 0; i < 120; i++) {
    const n = 1 + Math.floor(Math.random() * 4)
    const recs = Array.from({ length: n }, () => { ts += Math.floor(Math.random() * 100) - 30; return { value: 'v', timestamp: ts } })
    last = log.append([buildRecordBatch(recs)], 1)
    recs.forEach((r, j) => records.push({ offset: last!.baseOffset + j, ts: r.timestamp }))
  }
  await last!.durable
  const maxTs = Math.max(...records.map(r => r.ts))
  for (let q = 0; q < 200; q++) {
    const target = 999_000 + Math.floor(Math.random() * (maxTs - 999_000 + 200))
    const expect = records.find(r => r.ts >= target)
    const got = await log.offsetForTimestamp(target)
    if (expect === undefined) {
      if (got !== null) { t.fail(`ts ${target}: expected null, got ${JSON.stringify(got)}`); return }
    } else if (got === null || got.offset !== expect.offset || got.timestamp !== expect.ts) {
      t.fail(`ts ${target}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`)
      return
    }
  }
  t.pass('200 random timestamp lookups match')
  const m = log.maxTimestampAndOffset()
  t.equal(m.timestamp, maxTs)
  t.equal(await log.offsetForTimestamp(maxTs + 1), null)
  t.same((await log.offsetForTimestamp(0, { maxOffset: 0 })), null, 'offsets at or past maxOffset are not returned')
})

t.test('LogAppendTime sets maxTimestamp, the timestamp type and a valid CRC', async t => {
  const log = await openLog(t, { messageTimestampType: 'LogAppendTime' })
  const b = batch(3, { ts: 5 })
  const r = log.append([b], 424242)
  t.equal(r.logAppendTime, 424242)
  await r.durable
  const [stored] = (await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: 3 })).batches
  t.equal(maxTimestamp(stored!), 424242)
  t.equal(timestampType(stored!), TimestampType.LogAppendTime)
  t.equal(crc(stored!), computeCrc(stored!))
  t.same([...iterateRecords(stored!)].map(x => x.timestamp), [424242, 424242, 424242])
  t.same(log.maxTimestampAndOffset(), { timestamp: 424242, offset: 0 })
  t.same(await log.offsetForTimestamp(424242), { offset: 0, timestamp: 424242 })
})

t.test('fsync always: the HW lags until the fsync completes; one writev and one fsync per group', async t => {
  const pending: Array<() => void> = []
  let syncs = 0
  const flusher = new Flusher({ mode: 'always', logger: silentLogger, syncImpl: async () => { syncs++; await new Promise<void>(resolve => pending.push(resolve)) } })
  let writes = 0
  const writeImpl: WriteImpl = async (fd, bufs, pos) => { writes++; return await writevAt(fd, bufs, pos) }
  const log = await openLog(t, { fsync: 'always' }, { flusher, writeImpl })
  const hws: number[] = []
  log.on('highWatermark', hw => hws.push(hw))
  const rs = Array.from({ length: 20 }, () => log.append([batch(2)], 1))
  await rs[19]!.written
  t.equal(writes, 1, '20 appends in one turn -> one writev')
  t.equal(log.highWatermark, 0, 'written but not durable: HW stays')
  const r = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
  t.equal(r.batches.length, 0, 'nothing readable below the HW')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(syncs, 1)
  // appends while the fsync runs join the next group
  const more = [log.append([batch(1)], 1), log.append([batch(1)], 1)]
  await more[1]!.written
  t.equal(writes, 2)
  pending.shift()!()
  await rs[19]!.durable
  t.equal(log.highWatermark, 40)
  await new Promise(resolve => setImmediate(resolve))
  t.equal(syncs, 2, 'one more fdatasync covers both later appends')
  pending.shift()!()
  await more[1]!.durable
  t.equal(log.highWatermark, 42)
  t.same(hws, [40, 42], 'highWatermark events in order')
})

t.test('a failed write (EIO) sets storageError, rejects, and refuses later appends (ENOSPC: see full-disk.test.ts)', async t => {
  let fail = false
  const writeImpl: WriteImpl = async (fd, bufs, pos) => {
    if (fail) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
    return await writevAt(fd, bufs, pos)
  }
  const log = await openLog(t, {}, { writeImpl })
  await log.append([batch(2)], 1).durable
  fail = true
  const r = log.append([batch(2)], 1)
  await t.rejects(r.written, /EIO/)
  await t.rejects(r.durable, /EIO/)
  t.match(log.storageError, { code: 'KAFKA_STORAGE_ERROR', message: /t-0: I\/O on .*00000000000000000000\.log failed: EIO/ })
  t.equal(log.highWatermark, 2, 'HW stays at the last acknowledged offset')
  t.throws(() => log.append([batch(1)], 1), /EIO/)
  t.same(offsetsOf((await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })).batches), [0, 1], 'acknowledged data still readable')
})

t.test('a failed fsync sets storageError and rejects durable', async t => {
  const flusher = new Flusher({ mode: 'always', logger: silentLogger, syncImpl: async () => { throw new Error('EIO: fdatasync failed') } })
  const log = await openLog(t, { fsync: 'always' }, { flusher })
  const r = log.append([batch(1)], 1)
  await r.written
  await t.rejects(r.durable, /EIO/)
  t.equal(log.highWatermark, 0)
  t.ok(log.storageError !== null)
  t.throws(() => log.append([batch(1)], 1), /EIO/)
})

t.test('retention deletes old inactive segments and moves logStartOffset', async t => {
  const log = await openLog(t, { segmentBytes: 1000 })
  let last
  for (let i = 0; i < 40; i++) last = log.append([batch(2, { ts: 1000 + i })], 1)
  await last!.durable
  const before = log.segmentList().length
  t.ok(before > 3)
  const deleted = await log.deleteOldSegments(10_000, -1, 2500)
  t.ok(deleted > 0)
  t.equal(log.segmentList().length, before - deleted)
  t.equal(log.logStartOffset, log.segmentList()[0]!.baseOffset)
  t.ok(log.size - log.activeSegment.size < 2500 + 1000)
  await t.rejects(log.read(0, 100, { minOneBatch: true, maxOffset: 100 }), OffsetOutOfRangeError)
  const r = await log.read(log.logStartOffset, 100, { minOneBatch: true, maxOffset: 100 })
  t.equal(baseOffset(r.batches[0]!), log.logStartOffset)
  const inactive = log.segmentList().length - 1
  t.equal(await log.deleteOldSegments(1_000_000, 1000, -1), inactive, 'by time: all but the active')
  t.equal(log.logStartOffset, log.activeSegment.baseOffset)
})

t.test('delete removes the directory', async t => {
  const log = await openLog(t)
  await log.append([batch(1)], 1).durable
  await log.delete()
  t.throws(() => statSync(log.dir), /ENOENT/)
})

t.test('reads never return bytes not yet written, even with maxOffset past the HW', async t => {
  let release: (() => void) | null = null
  const writeImpl: WriteImpl = async (fd, bufs, pos) => {
    if (release === null) await new Promise<void>(resolve => { release = resolve })
    return await writevAt(fd, bufs, pos)
  }
  const log = await openLog(t, {}, { writeImpl })
  const r = log.append([batch(3)], 1)
  await new Promise(resolve => setImmediate(resolve))
  t.equal(log.logEndOffset, 3)
  const early = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: Infinity })
  t.same(early.batches, [], 'the batch is still in flight')
  release!()
  await r.written
  const later = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: Infinity })
  t.equal(later.batches.length, 1)
})

t.test('reads racing retention and close finish before the fd closes', async t => {
  const log = await openLog(t, { segmentBytes: 600 })
  let last
  for (let i = 0; i < 30; i++) last = log.append([batch(2)], 1)
  await last!.durable
  const reads = Array.from({ length: 20 }, (_, i) => log.read(i * 2, 1 << 20, { minOneBatch: true, maxOffset: 60 }))
  const deleting = log.deleteOldSegments(0, -1, 0)
  const results = await Promise.all(reads)
  await deleting
  for (const r of results) t.ok(r.batches.length > 0)
  t.ok(log.logStartOffset > 0)
})

t.test('append after close throws; close waits for queued writes', async t => {
  const log = await openLog(t)
  const r = log.append([batch(2)], 1)
  await log.close()
  await r.durable
  t.equal(log.highWatermark, 2)
  t.throws(() => log.append([batch(1)], 1), /closed/)
})
