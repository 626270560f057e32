// Legacy message sets (magic 0/1): parse and write, compressed wrappers, CRC checks, and conversion to and
// from RecordBatch v2.
import t from 'tap'
import { parseMessageSet, writeMessageSet, writeCompressedMessageSet, LegacyFormatError } from '../../../src/protocol/records/legacy.js'
import { upConvert, downConvert } from '../../../src/protocol/records/convert.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { CompressionCodec, compressionCodec, setBaseOffset } from '../../../src/protocol/records/batch-header.js'
import { iterateRecords } from '../../../src/protocol/records/record.js'

const recs = [
  { offset: 0, timestamp: 1000, key: Buffer.from('k0'), value: Buffer.from('v0') },
  { offset: 1, timestamp: 1001, key: null, value: Buffer.from('v1') },
  { offset: 2, timestamp: 1002, key: Buffer.from('k2'), value: null }
]

t.test('magic 0 and 1 round trip', async t => {
  for (const magic of [0, 1] as const) {
    const parsed = parseMessageSet(writeMessageSet(recs, magic))
    t.same(parsed.map(m => [m.offset, m.magic, m.timestamp, m.key?.toString() ?? null, m.value?.toString() ?? null]),
      recs.map(r => [r.offset, magic, magic === 1 ? r.timestamp : -1, r.key?.toString() ?? null, r.value?.toString() ?? null]), `magic ${magic}`)
  }
})

t.test('compressed wrappers are expanded, for every legacy codec', async t => {
  for (const codec of [CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4]) {
    const set = writeCompressedMessageSet(recs, codec)
    const parsed = parseMessageSet(set)
    t.same(parsed.map(m => m.value?.toString() ?? null), ['v0', 'v1', null], `codec ${codec}`)
    const batch = upConvert(set)
    t.equal(compressionCodec(batch), codec, 'up-conversion keeps the codec')
    t.same([...iterateRecords(batch)].map(r => [r.key?.toString() ?? null, r.timestamp]), [['k0', 1000], [null, 1001], ['k2', 1002]])
  }
})

t.test('a bad CRC or truncation is a LegacyFormatError naming the position', async t => {
  const set = writeMessageSet(recs, 1)
  const bad = Buffer.from(set)
  bad[bad.length - 1] ^= 0xff
  t.throws(() => parseMessageSet(bad), { name: 'LegacyFormatError', message: /byte \d+: CRC32 mismatch/ })
  t.throws(() => parseMessageSet(set.subarray(0, set.length - 1)), LegacyFormatError)
  const badMagic = Buffer.from(set)
  badMagic.writeInt8(5, 16)
  t.throws(() => parseMessageSet(badMagic), LegacyFormatError)
})

t.test('down-conversion keeps offsets, keys, values; magic 1 keeps timestamps', async t => {
  const b1 = buildRecordBatch([{ key: 'a', value: '1', timestamp: 5000 }, { key: 'b', value: '2', timestamp: 5001 }], { compression: CompressionCodec.Gzip })
  setBaseOffset(b1, 10)
  const b2 = buildRecordBatch([{ key: 'c', value: '3', timestamp: 5002, headers: [{ key: 'h', value: 'x' }] }])
  setBaseOffset(b2, 12)
  const v1 = parseMessageSet(downConvert([Buffer.concat([b1, b2])], 1))
  t.same(v1.map(m => [m.offset, m.key?.toString(), m.value?.toString(), m.timestamp]), [[10, 'a', '1', 5000], [11, 'b', '2', 5001], [12, 'c', '3', 5002]])
  const v0 = parseMessageSet(downConvert([b1], 0))
  t.same(v0.map(m => [m.offset, m.magic, m.timestamp]), [[10, 0, -1], [11, 0, -1]])
})
