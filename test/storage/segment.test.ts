import t from 'tap'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { baseOffset, setBaseOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { writevAt } from '../../src/storage/file-io.js'
import { LogSegment } from '../../src/storage/segment.js'

const CFG = { indexIntervalBytes: 100, segmentIndexBytes: 1024 }

async function segmentWith (t: { teardown: (fn: () => void) => void }, base: number, batches: number): Promise<{ seg: LogSegment; sizes: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-seg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const seg = LogSegment.createSync(dir, base, CFG)
  const sizes: number[] = []
  let offset = base
  for (let i = 0; i < batches; i++) {
    const b = buildRecordBatch([{ value: `a${i}`, timestamp: 1000 + 2 * i }, { value: `b${i}`, timestamp: 1001 + 2 * i }])
    setBaseOffset(b, offset)
    const pos = seg.size
    seg.onAppend(b.length, offset + 1, 1001 + 2 * i, offset + 1, 5)
    const fd = await seg.acquire()
    await writevAt(fd, [b], pos)
    seg.release()
    seg.writtenSize += b.length
    sizes.push(b.length)
    offset += 2
  }
  return { seg, sizes }
}

t.test('appends index every indexIntervalBytes, by the last offset of the batch', async t => {
  const { seg, sizes } = await segmentWith(t, 100, 20)
  t.equal(seg.nextOffset, 140)
  t.equal(seg.size, sizes.reduce((a, b) => a + b, 0))
  t.ok(seg.offsetIndex.entries > 3)
  const e = seg.offsetIndex.entry(0)
  t.equal((e.offset - 100) % 2, 1, 'entries name a batch\'s last offset')
  t.equal(e.position % sizes[0]!, 0, 'entries point at a batch start')
  t.same(seg.timeIndex.lastEntry().offset <= 139, true)
  t.equal(seg.maxTimestampSoFar, 1039)
  await seg.close()
})

t.test('shouldRoll: size, index capacity, relative-offset overflow; never on an empty segment', async t => {
  const { seg } = await segmentWith(t, 0, 3)
  t.equal(seg.shouldRoll(10, 10, 5, seg.size + 10, 1000), false)
  t.equal(seg.shouldRoll(11, 10, 5, seg.size + 10, 1000), true, 'size')
  t.equal(seg.shouldRoll(1, 10, 1006, 1 << 30, 1000), true, 'segment.ms since the first append')
  t.equal(seg.shouldRoll(1, 2 ** 31, 5, 1 << 30, 1000), true, 'offset beyond int32 relative range')
  await seg.close()
  const empty = LogSegment.createSync(mkdtempSync(join(tmpdir(), 'samsa-seg-')), 0, CFG)
  t.equal(empty.shouldRoll(1 << 30, 2 ** 32, 1e12, 10, 0), false)
  await empty.close()
  rmSync(empty.dir, { recursive: true, force: true })
})

t.test('read: from mid-batch, maxBytes, minOneBatch, maxOffset, past the end', async t => {
  const { seg, sizes } = await segmentWith(t, 0, 10)
  const r = await seg.read(5, sizes[0]! * 3, true, 100)
  t.same(r!.batches.map(b => baseOffset(b)), [4, 6, 8])
  t.same((await seg.read(5, 1, true, 100))!.batches.map(b => baseOffset(b)), [4])
  t.same((await seg.read(5, 1, false, 100))!.batches, [])
  t.same((await seg.read(0, 1 << 20, true, 7))!.batches.map(b => baseOffset(b)), [0, 2, 4])
  t.equal(await seg.read(20, 100, true, 100), null, 'past the segment: null, the log moves on')
  await seg.close()
})

t.test('findOffsetByTimestamp: record level inside the batch', async t => {
  const { seg } = await segmentWith(t, 0, 10)
  t.same(await seg.findOffsetByTimestamp(1005, 0), { offset: 5, timestamp: 1005 })
  t.same(await seg.findOffsetByTimestamp(0, 0), { offset: 0, timestamp: 1000 })
  t.same(await seg.findOffsetByTimestamp(0, 3), { offset: 3, timestamp: 1003 }, 'not below startingOffset')
  t.equal(await seg.findOffsetByTimestamp(5000, 0), null)
  await seg.close()
})

t.test('close writes trimmed indexes; open + loadIndexes trusts them; recover rebuilds the same', async t => {
  const { seg } = await segmentWith(t, 0, 30)
  await seg.close()
  t.equal(statSync(seg.offsetIndex.file).size, seg.offsetIndex.entries * 8)
  const again = LogSegment.open(seg.dir, 0, CFG)
  t.equal(await again.loadIndexes(), null)
  t.equal(again.nextOffset, 60)
  t.equal(again.maxTimestampSoFar, 1059)
  t.equal(again.offsetIndex.entries, seg.offsetIndex.entries)
  t.equal(await again.recover(silentLogger), 0)
  t.equal(again.offsetIndex.entries, seg.offsetIndex.entries)
  t.equal(again.nextOffset, 60)
  await again.close()
})
