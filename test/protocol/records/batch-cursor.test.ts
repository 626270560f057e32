// BatchCursor over a Buffer: the per-batch fields of valid batches, and where and why it stops on a
// truncated tail, a batchLength below the minimum, a size above the maximum, a bad magic and a bad CRC.
import t from 'tap'
import { BatchCursor, CursorState } from '../../../src/protocol/records/batch-cursor.js'
import { CRC_OFFSET, MAGIC_OFFSET, TimestampType, readBatchHeader, readInt64 } from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { writeMessageSet } from '../../../src/protocol/records/legacy.js'
import { iterateBatches } from '../../../src/protocol/records/record.js'

/** Three batches at offsets 0-2, 3-4 and 5 (LogAppendTime), with their sizes. */
function threeBatches (): { buf: Buffer; sizes: number[] } {
  const a = buildRecordBatch([{ value: 'a0', timestamp: 100 }, { value: 'a1', timestamp: 300 }, { value: 'a2', timestamp: 200 }], { baseOffset: 0 })
  const b = buildRecordBatch([{ key: 'k', value: 'b0', timestamp: 400 }, { value: 'b1'.repeat(40), timestamp: 500 }], {
    baseOffset: 3, producerId: 7, producerEpoch: 2, baseSequence: 10, isTransactional: true, partitionLeaderEpoch: 4
  })
  const c = buildRecordBatch([{ value: 'c0', timestamp: 900 }], { baseOffset: 5, timestampType: TimestampType.LogAppendTime })
  return { buf: Buffer.concat([a, b, c]), sizes: [a.length, b.length, c.length] }
}

function walk (c: BatchCursor): Array<{ position: number; size: number; baseOffset: number; lastOffset: number; maxTimestamp: number }> {
  const out = []
  while (c.next()) out.push({ position: c.position, size: c.size, baseOffset: c.baseOffset, lastOffset: c.lastOffset, maxTimestamp: c.maxTimestamp })
  return out
}

t.test('walks valid batches: position, size, offsets, max timestamp, magic, and the rest of the header on demand', async t => {
  const { buf, sizes } = threeBatches()
  const c = new BatchCursor({ checkMagic: true, checkCrc: true }).reset(buf)
  t.equal(c.state, CursorState.Start)
  t.ok(c.next())
  t.match(c, { position: 0, offset: 0, size: sizes[0], batchLength: sizes[0]! - 12, baseOffset: 0, lastOffset: 2, maxTimestamp: 300, magic: 2 })
  t.equal(c.recordCount, 3)
  t.equal(c.producerId, -1)
  t.equal(c.maxTimestampOffset, 2, 'CreateTime: the last offset')
  t.ok(c.next())
  t.match(c, { position: sizes[0], size: sizes[1], baseOffset: 3, lastOffset: 4, maxTimestamp: 500 })
  t.equal(c.producerId, 7)
  t.equal(c.producerEpoch, 2)
  t.equal(c.baseSequence, 10)
  t.equal(c.partitionLeaderEpoch, 4)
  t.equal(c.lastOffsetDelta, 1)
  t.equal(c.baseTimestamp, 400)
  t.ok(c.isTransactional)
  t.notOk(c.isControl)
  t.equal(c.crc, c.computeCrc())
  t.same(c.header(), readBatchHeader(buf, sizes[0]))
  t.same([...iterateBatches(buf)][1]!.header, c.header(), 'iterateBatches walks with the cursor')
  t.same(c.batch(), buf.subarray(sizes[0], sizes[0]! + sizes[1]!))
  t.ok(c.next())
  t.match(c, { position: sizes[0]! + sizes[1]!, baseOffset: 5, lastOffset: 5, maxTimestamp: 900 })
  t.ok(c.isLogAppendTime)
  t.equal(c.maxTimestampOffset, 5, 'LogAppendTime: the base offset')
  t.notOk(c.next())
  t.equal(c.state, CursorState.End)
  t.equal(c.position, buf.length, 'stops at the end of the region')
  t.notOk(c.next(), 'a stop is final')

  // a region inside a larger buffer: positions are indexes into the buffer
  const padded = Buffer.concat([Buffer.alloc(10, 0xee), buf, Buffer.alloc(7, 0xee)])
  t.same(walk(new BatchCursor().reset(padded, 10, 10 + buf.length)).map(b => b.position), [10, 10 + sizes[0]!, 10 + sizes[0]! + sizes[1]!])
  t.same(walk(new BatchCursor().reset(buf)), walk(new BatchCursor().reset(buf)), 'reset walks again from the start')
})

t.test('a truncated tail stops at the position of the partial batch', async t => {
  const { buf, sizes } = threeBatches()
  const lastAt = sizes[0]! + sizes[1]!
  // cut inside the records of the last batch: the header is whole, the batch is not
  let c = new BatchCursor().reset(buf.subarray(0, buf.length - 3))
  t.equal(walk(c).length, 2)
  t.equal(c.state, CursorState.TruncatedBatch)
  t.equal(c.position, lastAt)
  t.equal(c.size, sizes[2], 'the size the header claims')
  t.equal(c.remaining, sizes[2]! - 3)
  // cut inside the header, past batchLength
  c = new BatchCursor().reset(buf.subarray(0, lastAt + 30))
  t.equal(walk(c).length, 2)
  t.equal(c.state, CursorState.TruncatedHeader)
  t.equal(c.position, lastAt)
  t.equal(c.batchLength, sizes[2]! - 12, 'batchLength is read when present')
  t.equal(c.baseOffset, 5)
  // cut before batchLength
  c = new BatchCursor().reset(buf.subarray(0, lastAt + 5))
  t.equal(walk(c).length, 2)
  t.equal(c.state, CursorState.TruncatedHeader)
  t.equal(c.batchLength, -1)
  t.equal(c.position, lastAt)
})

t.test('a batchLength below the minimum stops the walk there', async t => {
  const { buf, sizes } = threeBatches()
  buf.writeInt32BE(48, sizes[0]! + 8)
  const c = new BatchCursor().reset(buf)
  t.equal(walk(c).length, 1)
  t.equal(c.state, CursorState.SizeBelowMinimum)
  t.equal(c.position, sizes[0])
  t.equal(c.batchLength, 48)
  buf.writeInt32BE(-12, sizes[0]! + 8)
  t.equal(walk(new BatchCursor().reset(buf)).length, 1, 'a negative length too (no walking backwards)')
})

t.test('a size above maxSize stops the walk there', async t => {
  const { buf, sizes } = threeBatches()
  t.ok(sizes[1]! > sizes[0]!, 'the second batch is the largest')
  const c = new BatchCursor({ maxSize: sizes[0] }).reset(buf)
  t.equal(walk(c).length, 1, 'a batch of exactly maxSize passes')
  t.equal(c.state, CursorState.SizeAboveMaximum)
  t.equal(c.position, sizes[0])
  t.equal(walk(new BatchCursor({ maxSize: sizes[0]! - 1 }).reset(buf)).length, 0)
})

t.test('a bad CRC stops the walk only when asked to validate', async t => {
  const { buf, sizes } = threeBatches()
  buf[sizes[0]! + sizes[1]! - 1] ^= 0xff // last byte of the second batch's records
  t.equal(walk(new BatchCursor().reset(buf)).length, 3, 'headers only: the records are not read')
  const c = new BatchCursor({ checkCrc: true }).reset(buf)
  t.equal(walk(c).length, 1)
  t.equal(c.state, CursorState.BadCrc)
  t.equal(c.position, sizes[0])
  t.not(c.computedCrc, c.crc)
  t.equal(c.crc, buf.readUInt32BE(sizes[0]! + CRC_OFFSET))
  // the stored CRC wrong instead of the data
  const { buf: other } = threeBatches()
  other.writeUInt32BE((other.readUInt32BE(CRC_OFFSET) + 1) >>> 0, CRC_OFFSET)
  const d = new BatchCursor({ checkCrc: true }).reset(other)
  t.notOk(d.next())
  t.equal(d.state, CursorState.BadCrc)
  t.equal(d.position, 0)
})

t.test('magic: legacy entries are stepped over, or stop the walk with checkMagic', async t => {
  const legacy = writeMessageSet([{ offset: 9, timestamp: 1234, key: null, value: Buffer.alloc(60, 1) }], 1)
  const { buf } = threeBatches()
  const mixed = Buffer.concat([legacy, buf])
  const c = new BatchCursor({ checkCrc: true }).reset(mixed)
  t.ok(c.next())
  t.match(c, { position: 0, size: legacy.length, magic: 1, baseOffset: 9, lastOffset: 9, maxTimestamp: 1234 })
  t.equal(walk(c).length, 3, 'then the v2 batches')
  const m = new BatchCursor({ checkMagic: true }).reset(mixed)
  t.notOk(m.next())
  t.equal(m.state, CursorState.BadMagic)
  t.equal(m.magic, 1)
  const v0 = writeMessageSet([{ offset: 3, timestamp: -1, key: null, value: Buffer.alloc(60, 1) }], 0)
  const z = new BatchCursor().reset(v0)
  t.ok(z.next())
  t.match(z, { magic: 0, baseOffset: 3, lastOffset: 3, maxTimestamp: -1 })
  buf[MAGIC_OFFSET] = 3
  t.equal(walk(new BatchCursor({ checkMagic: true }).reset(buf)).length, 0)
})

t.test('readInt64 matches readBigInt64BE', async t => {
  const b = Buffer.alloc(8)
  for (const v of [0n, 1n, -1n, 2n ** 32n, -(2n ** 32n) - 5n, 1700000000123n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    b.writeBigInt64BE(v)
    t.equal(readInt64(b, 0), Number(b.readBigInt64BE(0)), String(v))
  }
})
