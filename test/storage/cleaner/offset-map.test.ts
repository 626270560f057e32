// OffsetMap against a plain Map model on random keys (growth, collisions of hash buckets, long and empty keys),
// and the record scanner's varint/varlong encoders against the records decoder.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { OffsetMap } from '../../../src/storage/cleaner/offset-map.js'
import { RecordCursor, firstKeylessRecord } from '../../../src/storage/cleaner/record-scan.js'
import { readVarlong, sizeOfVarlong, writeVarlong } from '../../../src/protocol/primitives/varint.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { CompressionCodec } from '../../../src/protocol/records/batch-header.js'

t.test('put/get agree with a Map model over 200,000 random operations', async t => {
  const map = new OffsetMap(1_000_000)
  const model = new Map<string, number>()
  const keys: Buffer[] = [Buffer.alloc(0)]
  for (let i = 0; i < 5000; i++) keys.push(randomBytes(1 + Math.floor(Math.random() * (i % 10 === 0 ? 200 : 24))))
  const arena = Buffer.alloc(64 * 1024)
  let mismatches = 0
  for (let op = 0; op < 200_000; op++) {
    const k = keys[Math.floor(Math.random() * keys.length)]!
    const at = Math.floor(Math.random() * (arena.length - k.length))
    k.copy(arena, at) // the key read from inside a larger buffer, as from a records section
    if (Math.random() < 0.6) {
      const id = map.put(arena, at, k.length, op)
      model.set(k.toString('hex'), op)
      if (map.offsetOf(id) !== op) mismatches++
    } else if (map.get(arena, at, k.length) !== (model.get(k.toString('hex')) ?? -1)) {
      mismatches++
    }
  }
  t.equal(mismatches, 0, 'no disagreement')
  t.equal(map.size, model.size, `${map.size} distinct keys, including the empty key`)
  t.equal(map.latestOffset, Math.max(...model.values()))
  t.equal(map.get(Buffer.from('never put'), 0, 9), -1)
  map.clear()
  t.equal(map.size, 0)
  t.equal(map.get(keys[1]!, 0, keys[1]!.length), -1, 'cleared')
})

t.test('full: the map reports when it reached maxEntries', async t => {
  const map = new OffsetMap(10)
  for (let i = 0; i < 10; i++) { t.notOk(map.full); map.put(Buffer.from(`k${i}`), 0, `k${i}`.length, i) }
  t.ok(map.full)
})

t.test('varlong encoding round-trips through the records decoder, negative deltas included', async t => {
  const buf = Buffer.alloc(16)
  for (const v of [0, 1, -1, 63, -64, 64, 300, -86_400_000, 1_700_000_000_000, -1_700_000_000_000, Number.MAX_SAFE_INTEGER]) {
    const end = writeVarlong(buf, 0, v)
    t.equal(end, sizeOfVarlong(v), `${v}: ${end} bytes`)
    t.equal(readVarlong({ buf, pos: 0 }), v)
  }
})

t.test('the cursor reads keys, values and deltas as the decoder does; firstKeylessRecord', async t => {
  const batch = buildRecordBatch([{ key: 'a', value: 'x', timestamp: 1000 }, { key: null, value: 'y', timestamp: 900 }, { key: '', value: null, timestamp: 1100 }], { compression: CompressionCodec.Lz4 })
  t.equal(firstKeylessRecord(batch), 1)
  t.equal(firstKeylessRecord(buildRecordBatch([{ key: 'k', value: null }])), -1)
  const section = Buffer.from(buildRecordBatch([{ key: 'abc', value: 'v', timestamp: 5 }, { key: null, value: null, timestamp: 3 }], { timestamp: 5 }).subarray(61))
  const c = new RecordCursor()
  c.reset(section, 0, section.length)
  t.ok(c.next())
  t.same([c.offsetDelta, c.timestampDelta, section.toString('utf8', c.keyStart, c.keyStart + c.keyLength), c.valueLength], [0, 2, 'abc', 1])
  t.ok(c.next())
  t.same([c.offsetDelta, c.timestampDelta, c.keyLength, c.valueLength], [1, 0, -1, -1])
  t.notOk(c.next())
  c.reset(section, 0, section.length - 1)
  c.next()
  t.throws(() => c.next(), RangeError, 'a record running past the section throws')
})
