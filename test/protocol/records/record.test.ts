import t from 'tap'
import { CompressionCodec, TimestampType, setBaseOffset, setMaxTimestamp } from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { decodeBatch, iterateBatches, iterateRecords } from '../../../src/protocol/records/record.js'
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../../src/protocol/primitives/varint.js'

t.test('varints round-trip at the edges', async t => {
  for (const v of [0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 2 ** 31 - 1, -(2 ** 31)]) {
    const b = Buffer.alloc(10)
    const end = writeVarint(b, 0, v)
    t.equal(end, sizeOfVarint(v))
    t.equal(readVarint({ buf: b, pos: 0 }), v, `varint ${v}`)
  }
  for (const v of [0, -1, 1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const b = Buffer.alloc(10)
    const end = writeVarlong(b, 0, v)
    t.equal(end, sizeOfVarlong(v))
    t.equal(readVarlong({ buf: b, pos: 0 }), v, `varlong ${v}`)
  }
  t.throws(() => readVarint({ buf: Buffer.from([0x80, 0x80]), pos: 0 }), /past the end/)
  t.throws(() => readVarint({ buf: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), pos: 0 }), /longer than 5 bytes/)
})

t.test('records iterate with keys, values, headers, nulls and timestamps', async t => {
  const b = buildRecordBatch([
    { key: 'k1', value: 'v1', headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }], timestamp: 500 },
    { key: null, value: null, timestamp: 400 },
    { key: Buffer.alloc(0), value: Buffer.from([1, 2, 3]), timestamp: 900 }
  ], { baseOffset: 100 })
  const rs = [...iterateRecords(b)]
  t.equal(rs.length, 3)
  t.match(rs[0], { offset: 100, offsetDelta: 0, timestamp: 500 })
  t.equal(rs[0]!.key!.toString(), 'k1')
  t.same(rs[0]!.headers.map(h => [h.key, h.value?.toString() ?? null]), [['a', '1'], ['b', null]])
  t.match(rs[1], { offset: 101, timestamp: 400, key: null, value: null })
  t.equal(rs[1]!.timestampDelta, 0, 'baseTimestamp is the smallest timestamp')
  t.equal(rs[2]!.key!.length, 0, 'empty key is not null')
  t.same([...rs[2]!.value!], [1, 2, 3])
  t.equal(rs[2]!.offset, 102)
})

t.test('a rewritten baseOffset shifts record offsets', async t => {
  const b = buildRecordBatch([{ value: 'a' }, { value: 'b' }])
  setBaseOffset(b, 1000)
  t.same([...iterateRecords(b)].map(r => r.offset), [1000, 1001])
})

t.test('LogAppendTime: every record takes maxTimestamp', async t => {
  const b = buildRecordBatch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }], { compression: CompressionCodec.Lz4 })
  setMaxTimestamp(b, TimestampType.LogAppendTime, 77)
  t.same([...iterateRecords(b)].map(r => r.timestamp), [77, 77])
})

t.test('iterateBatches walks concatenated batches and stops at a partial one', async t => {
  const a = buildRecordBatch([{ value: 'a' }], { baseOffset: 0 })
  const b = buildRecordBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 1 })
  const all = Buffer.concat([a, b, a.subarray(0, 20)])
  const seen = [...iterateBatches(all)].map(x => [x.pos, x.header.baseOffset, x.header.recordCount])
  t.same(seen, [[0, 0, 1], [a.length, 1, 2]])
})

t.test('corrupt records section is reported, not looped on', async t => {
  const b = buildRecordBatch([{ value: 'abc' }])
  b.writeInt32BE(2, 57) // claim 2 records, only one present
  t.throws(() => decodeBatch(b), /varint runs past the end|runs past/)
})
