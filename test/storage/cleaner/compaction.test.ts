// The log cleaner on a PartitionLog: last value per key, offsets unchanged, the dirty ratio, tombstones and their
// delete horizon, min/max compaction lag, every codec, keyless records, transactions, the checkpoint, the
// worker thread, a cleaning racing DeleteRecords.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CompressionCodec, DELETE_HORIZON_MASK, attributes, baseOffset, baseSequence, baseTimestamp, compressionCodec, isControl, lastOffset,
  producerId, recordCount
} from '../../../src/protocol/records/batch-header.js'
import { iterateRecords } from '../../../src/protocol/records/record.js'
import { CLEANER_OFFSET_CHECKPOINT_FILE } from '../../../src/storage/checkpoint-file.js'
import { appendAll, badCrcs, cleanerFor, lastPerKey, openLog, readAll, tmp, type Seen } from './helpers.js'

function sortedLast (records: Seen[]): Array<[string, Seen]> {
  return [...lastPerKey(records)].sort((a, b) => a[0].localeCompare(b[0]))
}

function keyed (n: number, keys: number, from = 0, ts?: number): Array<{ records: Array<{ key: string; value: string; timestamp?: number }> }> {
  const out = []
  for (let i = from; i < from + n; i++) {
    out.push({ records: [{ key: `k${i % keys}`, value: `v${i}`.padEnd(30, '.'), timestamp: ts }, { key: `k${(i * 3 + 1) % keys}`, value: `w${i}`, timestamp: ts }] })
  }
  return out
}

function leftovers (dir: string): string[] {
  return readdirSync(join(dir, 'k-0')).filter(f => /\.(cleaned|swap|deleted)$/.test(f))
}

t.test('the last value of every key survives, at its original offset; the active segment is untouched', async t => {
  const dir = tmp(t)
  const log = await openLog(dir)
  await appendAll(log, keyed(200, 7))
  const before = await readAll(log)
  const activeBase = log.activeSegment.baseOffset
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  const r = await cleaner.cleanOnce()
  t.ok(r !== null && !r.aborted && r.swapped > 0, 'one cleaning, swapped in')
  t.equal(r!.endOffset, activeBase, 'everything below the active segment was dirty and is now clean')
  const after = await readAll(log)
  t.same(sortedLast(after.records), sortedLast(before.records), 'same last value per key at the same offset')
  const byOffset = new Map(before.records.map(x => [x.offset, JSON.stringify(x)]))
  t.ok(after.records.every(x => byOffset.get(x.offset) === JSON.stringify(x)), 'every surviving record is the original, at its original offset')
  const cleanedPart = after.records.filter(x => x.offset < activeBase)
  t.equal(new Set(cleanedPart.map(x => x.key)).size, cleanedPart.length, 'one record per key below the active segment')
  t.same(after.records.filter(x => x.offset >= activeBase), before.records.filter(x => x.offset >= activeBase), 'the active segment is untouched')
  t.equal(badCrcs(after.batches), 0, 'every batch passes its CRC')
  t.same([log.logStartOffset, log.logEndOffset, log.highWatermark], [0, 400, 400], 'log start, end and HW unchanged')
  t.equal(readFileSync(join(dir, CLEANER_OFFSET_CHECKPOINT_FILE), 'utf8'), `0\n1\nk 0 ${activeBase}\n`, 'cleaner-offset-checkpoint in Kafka\'s format')
  t.same(leftovers(dir), [], 'no .cleaned, .swap or .deleted file left')
  t.equal(await cleaner.cleanOnce(), null, 'nothing dirty left: no second cleaning')

  await appendAll(log, keyed(100, 7, 200))
  const before2 = await readAll(log)
  const r2 = await cleaner.cleanOnce()
  t.equal(r2?.firstDirtyOffset, activeBase, 'the second round starts at the checkpoint')
  const after2 = await readAll(log)
  t.same(sortedLast(after2.records), sortedLast(before2.records), 'second round: same last values')
  await cleaner.close()
  await log.close()
  for (const clean of [true, false]) {
    const again = await openLog(dir, {}, { cleanShutdown: clean })
    t.same((await readAll(again)).records, after2.records, `the compacted log reads the same after a ${clean ? 'clean' : 'unclean'} restart`)
    const c2 = cleanerFor(dir, [again], { inline: true })
    await c2.start()
    t.equal(c2.checkpointOf(again), r2!.endOffset, 'the checkpoint is read back at start')
    await again.close()
  }
})

t.test('min.cleanable.dirty.ratio: a log is taken only when dirty / (clean + dirty) bytes exceed it', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { minCleanableDirtyRatio: 0.5 })
  const unique = (n: number, from: number): Array<{ records: Array<{ key: string; value: string }> }> =>
    Array.from({ length: n }, (_, i) => ({ records: [{ key: `u${from + i}`, value: 'x'.repeat(40) }] }))
  await appendAll(log, unique(300, 0))
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  t.ok((await cleaner.cleanOnce()) !== null, 'never cleaned: ratio 1.0')
  await appendAll(log, unique(60, 300))
  const small = await cleaner.dirtiest()
  t.equal(small, null, 'a small dirty section next to a large clean one stays below the ratio')
  await appendAll(log, unique(600, 360))
  const d = await cleaner.dirtiest()
  t.ok(d !== null && d.ratio > 0.5, `a large dirty section qualifies (ratio ${d?.ratio.toFixed(2) ?? '-'})`)
  await log.close()
})

t.test('tombstones: older values go at once, the tombstone gets a delete horizon and goes after delete.retention.ms', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { deleteRetentionMs: 1000 })
  const T = 1_700_000_000_000
  await appendAll(log, [
    { records: [{ key: 'gone', value: 'v1', timestamp: T }, { key: 'kept', value: 'k1', timestamp: T }] },
    { records: [{ key: 'gone', value: null, timestamp: T + 5 }] },
    ...keyed(120, 3, 0, T + 10)
  ], T + 20)
  const before = await readAll(log)
  const tomb = before.records.find(x => x.key === 'gone' && x.value === null)!
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  await cleaner.cleanOnce(T + 100)
  let now = await readAll(log)
  t.same(now.records.filter(x => x.key === 'gone'), [tomb], 'only the tombstone remains of the deleted key, same offset and timestamp')
  const tombBatch = now.batches.find(b => [...iterateRecords(b)].some(x => x.offset === tomb.offset))!
  t.ok((attributes(tombBatch) & DELETE_HORIZON_MASK) !== 0, 'its batch carries the delete horizon flag (attributes bit 6)')
  t.equal(baseTimestamp(tombBatch), T + 100 + 1000, 'baseTimestamp holds the horizon: cleaning time + delete.retention.ms')
  t.equal(badCrcs(now.batches), 0)
  t.equal(await cleaner.dirtiest(T + 600), null, 'before the horizon: nothing to clean')
  t.same((await cleaner.cleanLog(log, T + 600))?.aborted, false, 'a forced cleaning before the horizon...')
  t.same((await readAll(log)).records.filter(x => x.key === 'gone'), [tomb], '...keeps the tombstone')
  const d = await cleaner.dirtiest(T + 1100)
  t.ok(d?.horizonExpired, 'once the horizon passed, the log qualifies on its own')
  await cleaner.cleanOnce(T + 1100)
  now = await readAll(log)
  t.same(now.records.filter(x => x.key === 'gone'), [], 'the tombstone is gone')
  t.ok(now.records.some(x => x.key === 'kept'), 'other keys stay')
  await log.close()
})

t.test('min.compaction.lag.ms: segments holding younger records are not compacted', async t => {
  const dir = tmp(t)
  const T = 1_700_000_000_000
  const log = await openLog(dir, { minCompactionLagMs: 60_000 })
  await appendAll(log, keyed(150, 5, 0, T), T)
  const before = await readAll(log)
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  t.equal(await cleaner.cleanOnce(T + 30_000), null, 'within the lag: nothing cleanable')
  t.same((await readAll(log)).records, before.records)
  const r = await cleaner.cleanOnce(T + 60_001)
  t.ok(r !== null && r.swapped > 0, 'past the lag: cleaned')
  t.ok((await readAll(log)).records.length < before.records.length)
  await log.close()
})

t.test('max.compaction.lag.ms: an old dirty segment is cleaned whatever the ratio', async t => {
  const dir = tmp(t)
  const T = 1_700_000_000_000
  const log = await openLog(dir, { minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 10_000 })
  await appendAll(log, keyed(150, 5, 0, T), T)
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  await cleaner.cleanOnce(T)
  await appendAll(log, keyed(30, 5, 150, T + 1000), T + 1000)
  const early = await cleaner.dirtiest(T + 5000)
  t.equal(early, null, 'below the ratio and younger than the lag: not yet')
  const late = await cleaner.dirtiest(T + 20_000)
  t.ok(late?.needCompactionNow, 'older than max.compaction.lag.ms: needs compaction now')
  await log.close()
})

for (const codec of [CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]) {
  t.test(`compressed batches (${CompressionCodec[codec]}) are decompressed, filtered and recompressed with the same codec`, async t => {
    const dir = tmp(t)
    const log = await openLog(dir, { segmentBytes: 1500 })
    const batches = []
    for (let b = 0; b < 60; b++) {
      batches.push({ records: Array.from({ length: 10 }, (_, i) => ({ key: `k${(b * 10 + i) % 13}`, value: `value-${b}-${i}-`.repeat(3) })), opts: { compression: codec } })
    }
    await appendAll(log, batches)
    const before = await readAll(log)
    const activeBase = log.activeSegment.baseOffset
    const cleaner = cleanerFor(dir, [log], { inline: codec !== CompressionCodec.Zstd })
    await cleaner.start()
    const r = await cleaner.cleanOnce()
    t.ok(r !== null && r.result!.stats.batchesRewritten > 0, 'some batches rewritten')
    const after = await readAll(log)
    t.same(sortedLast(after.records), sortedLast(before.records), 'last value per key')
    t.ok(after.batches.every(b => compressionCodec(b) === codec), 'every batch keeps its codec')
    t.equal(badCrcs(after.batches), 0, 'CRCs valid')
    const cleanedPart = after.records.filter(x => x.offset < activeBase)
    t.equal(new Set(cleanedPart.map(x => x.key)).size, cleanedPart.length, 'one record per key in the cleaned part')
    await cleaner.close()
    await log.close()
  })
}

t.test('records without a key are dropped by the cleaner (Kafka counts them as invalid)', async t => {
  const dir = tmp(t)
  const log = await openLog(dir)
  await appendAll(log, Array.from({ length: 80 }, (_, i) => ({ records: [{ key: i % 2 === 0 ? null : `k${i % 5}`, value: `x${i}`.padEnd(40, '.') }] })))
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  const r = await cleaner.cleanOnce()
  t.ok(r!.result!.stats.keylessRemoved > 0, `${r!.result!.stats.keylessRemoved} keyless records removed`)
  const after = await readAll(log)
  t.ok(after.records.filter(x => x.offset < log.activeSegment.baseOffset).every(x => x.key !== null))
  await log.close()
})

function control (type: 0 | 1, producerId: number): { records: Array<{ key: Buffer; value: Buffer }>; opts: { isControl: boolean; isTransactional: boolean; producerId: number; producerEpoch: number } } {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(type, 2)
  const value = Buffer.alloc(6)
  return { records: [{ key, value }], opts: { isControl: true, isTransactional: true, producerId, producerEpoch: 0 } }
}

t.test('transactions: aborted records go, committed ones are compacted, markers stay while their data does', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { deleteRetentionMs: 1000 })
  const txn = { isTransactional: true, producerId: 7, producerEpoch: 0 }
  const T = 1_700_000_000_000
  await appendAll(log, [
    { records: [{ key: 'a', value: 'committed' }], opts: txn },
    control(1, 7),
    { records: [{ key: 'a', value: 'aborted' }, { key: 'b', value: 'aborted' }], opts: txn },
    control(0, 7),
    { records: [{ key: 'c', value: 'plain' }] },
    ...keyed(120, 3)
  ])
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  const r = await cleaner.cleanOnce(T)
  t.equal(r!.result!.stats.abortedRemoved, 2, 'the aborted transaction\'s two records are removed')
  let now = await readAll(log)
  t.same(now.records.filter(x => ['a', 'b', 'c'].includes(x.key ?? '') && x.offset < 6).map(x => [x.key, x.value]), [['a', 'committed'], ['c', 'plain']], 'the committed value of a is not superseded by the aborted one')
  let markers = now.batches.filter(b => isControl(b))
  t.equal(markers.length, 2, 'both markers are still there')
  t.ok((attributes(markers[1]!) & DELETE_HORIZON_MASK) !== 0, 'the abort marker (no data left) got a delete horizon')
  t.equal(attributes(markers[0]!) & DELETE_HORIZON_MASK, 0, 'the commit marker (its data survives) did not')
  await cleaner.cleanOnce(T + 2000)
  now = await readAll(log)
  markers = now.batches.filter(b => isControl(b))
  t.equal(markers.length, 1, 'after the horizon the abort marker is gone; the commit marker stays with its data')
  t.equal(badCrcs(now.batches), 0)
  await log.close()
})

t.test('a cleaning racing DeleteRecords is not swapped in, leaves no file behind, and is redone', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { cleanupPolicy: 'compact,delete' })
  await appendAll(log, keyed(300, 11))
  const cleaner = cleanerFor(dir, [log])
  await cleaner.start()
  const segs = log.segmentList()
  // Force the race: DeleteRecords removes cleaned segments after the cleaning read them, before its swap.
  const swap = log.replaceSegments.bind(log)
  let raced = false
  log.replaceSegments = async (old, cleanedFile) => {
    if (!raced) {
      raced = true
      await log.deleteRecordsTo(segs[3]!.baseOffset)
    }
    return await swap(old, cleanedFile)
  }
  const r = await cleaner.cleanOnce()
  t.ok(raced, 'DeleteRecords ran between the cleaning and its swap')
  t.ok(r !== null, 'a cleaning ran')
  t.equal(r!.aborted, true, 'the cleaning is dropped, not swapped in')
  t.match(r!.reason, /the log changed during the cleaning/)
  t.ok(log.segmentList()[0]!.baseOffset >= segs[3]!.baseOffset, 'the segments DeleteRecords removed stay removed')
  t.same(leftovers(dir).filter(f => f.endsWith('.cleaned') || f.endsWith('.swap')), [], 'no .cleaned or .swap file left')
  const after = await readAll(log)
  t.equal(after.records[0]?.offset !== undefined && after.records[0].offset >= segs[3]!.baseOffset, true, 'reads start at the new log start offset')
  t.equal(badCrcs(after.batches), 0)
  await cleaner.cleanUntilDone()
  const final = await readAll(log)
  const cleanedPart = final.records.filter(x => x.offset < log.activeSegment.baseOffset)
  t.equal(new Set(cleanedPart.map(x => x.key)).size, cleanedPart.length, 'a later round compacts what is left')
  await cleaner.close()
  await log.close()
})

t.test('abortAndWait stops a cleaning in the worker: nothing swapped, nothing left', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { segmentBytes: 256 * 1024 })
  const batches = []
  for (let i = 0; i < 4000; i++) batches.push({ records: Array.from({ length: 10 }, (_, j) => ({ key: `k${(i * 10 + j) % 5000}`, value: 'x'.repeat(100) })) })
  await appendAll(log, batches)
  const before = await readAll(log)
  const cleaner = cleanerFor(dir, [log])
  await cleaner.start()
  const cleaning = cleaner.cleanOnce()
  await new Promise(resolve => setTimeout(resolve, 5))
  await cleaner.abortAndWait(log)
  const r = await cleaning
  t.ok(r !== null)
  t.same(leftovers(dir).filter(f => f.endsWith('.cleaned')), [], 'no .cleaned file left')
  const after = await readAll(log)
  if (r!.aborted) t.same(after.records.length, before.records.length, 'aborted before the swap: the log is as it was')
  else t.same(sortedLast(after.records), sortedLast(before.records), 'finished before the abort: a correct compaction')
  await cleaner.close()
  await log.close()
})

t.test('idempotent producers: a producer\'s last batch stays (empty if need be) so its sequence survives', async t => {
  const dir = tmp(t)
  const log = await openLog(dir)
  const idem = (pid: number, seq: number): { producerId: number; producerEpoch: number; baseSequence: number } => ({ producerId: pid, producerEpoch: 0, baseSequence: seq })
  await appendAll(log, [
    { records: [{ key: 'a', value: 'p5-0' }, { key: 'b', value: 'p5-1' }], opts: idem(5, 0) },
    { records: [{ key: 'a', value: 'p6-0' }], opts: idem(6, 0) },
    { records: [{ key: 'a', value: 'p6-1' }], opts: idem(6, 1) },
    { records: [{ key: 'a', value: 'plain' }, { key: 'b', value: 'plain' }] },
    ...keyed(120, 3)
  ])
  // producer 7: an early batch, superseded, and a later one in the active segment
  await appendAll(log, [{ records: [{ key: 'z', value: 'p7-0' }], opts: idem(7, 0) }, ...keyed(60, 3, 120)])
  await appendAll(log, [{ records: [{ key: 'z', value: 'p7-1' }], opts: idem(7, 1) }])
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  await cleaner.cleanOnce()
  const { batches } = await readAll(log)
  const empties = batches.filter(b => recordCount(b) === 0 && producerId(b) >= 0)
  t.same(empties.map(b => [producerId(b), baseSequence(b), baseOffset(b), lastOffset(b)]), [[5, 0, 0, 1], [6, 1, 3, 3]],
    'producer 5 and 6 keep their last batch as an empty one, with its offsets and sequence numbers')
  t.notOk(batches.some(b => producerId(b) === 6 && baseSequence(b) === 0), 'producer 6\'s earlier batch is gone')
  t.notOk(batches.some(b => producerId(b) === 7 && baseSequence(b) === 0 && recordCount(b) === 0), 'producer 7 has a later batch: its superseded one is simply dropped')
  t.equal(badCrcs(batches), 0)
  await log.close()
})

t.test('the last batch of the cleaned range stays (empty if need be): a reader in a compacted-away tail moves on', async t => {
  const dir = tmp(t)
  const log = await openLog(dir, { deleteRetentionMs: 1000 })
  const T = Date.now()
  // the inactive part ends with tombstones; a week later (segment.ms) the log rolls
  await appendAll(log, [...keyed(100, 5), { records: [{ key: 'k0', value: null }] }, { records: [{ key: 'k1', value: null }] }], T)
  await appendAll(log, [{ records: [{ key: 'x', value: 'new segment' }] }], T + 8 * 24 * 3600 * 1000)
  const activeBase = log.activeSegment.baseOffset
  t.equal(activeBase, 202, 'the inactive part holds offsets 0-201, the tombstones at 200 and 201')
  const cleaner = cleanerFor(dir, [log], { inline: true })
  await cleaner.start()
  await cleaner.cleanOnce(T)
  await cleaner.cleanOnce(T + 2000) // past the tombstones' horizon: they go
  const segs = log.segmentList()
  t.equal(segs[segs.length - 2]!.nextOffset, activeBase, 'the cleaned segments still end where the active one starts')
  const r = await log.read(200, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
  t.same([baseOffset(r.batches[0]!), lastOffset(r.batches[0]!), recordCount(r.batches[0]!)], [201, 201, 0],
    'a fetch at a removed tombstone gets the last batch, kept empty, so the reader continues at the active segment')
  t.same((await readAll(log)).records.filter(x => x.value === null), [], 'both tombstones are gone')
  await log.close()
})
