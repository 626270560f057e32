import t from 'tap'
import { randomBytes } from 'node:crypto'
import * as snappy from 'snappy'
import * as zstd from 'zstd-napi'
import { CompressionCodec, compressionCodec } from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { codecFromName, codecName, compress, decompress, isXerialSnappy, snappyDecompress } from '../../../src/protocol/records/compression.js'
import { decodeBatch } from '../../../src/protocol/records/record.js'
import { validateBatches } from '../../../src/protocol/records/validate.js'

const codecs = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]

t.test('every codec round-trips', async t => {
  const payload = Buffer.concat([Buffer.from('abc'.repeat(30000)), randomBytes(70000)])
  for (const c of codecs) {
    const z = compress(c, payload)
    t.ok(decompress(c, z).equals(payload), `${codecName(c)} round-trips ${payload.length} bytes`)
    t.ok(decompress(c, compress(c, Buffer.alloc(0))).length === 0, `${codecName(c)} round-trips empty input`)
  }
})

t.test('every codec decodes a batch built with it', async t => {
  const records = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`.repeat(i), headers: [{ key: 'h', value: String(i) }], timestamp: 1000 + i }))
  for (const c of codecs) {
    const b = buildRecordBatch(records, { compression: c, baseOffset: 10 })
    t.equal(compressionCodec(b), c)
    t.ok(validateBatches(b, 1 << 20).ok, `${codecName(c)} batch validates`)
    const d = decodeBatch(b)
    t.equal(d.records.length, 50)
    t.same(d.records.map(r => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString(), r.headers[0]!.value?.toString()]),
      records.map((r, i) => [10 + i, r.timestamp, r.key, r.value, String(i)]), `${codecName(c)} records decode`)
  }
})

t.test('snappy: xerial framing (Java client) and raw blocks both decode', async t => {
  const payload = Buffer.from('hello snappy '.repeat(10000))
  const xerial = compress(CompressionCodec.Snappy, payload)
  t.ok(isXerialSnappy(xerial))
  t.equal(xerial.readInt32BE(8), 1, 'xerial version 1')
  t.ok(snappyDecompress(xerial).equals(payload))
  const raw = snappy.compressSync(payload)
  t.notOk(isXerialSnappy(raw))
  t.ok(decompress(CompressionCodec.Snappy, raw).equals(payload))
  t.throws(() => snappyDecompress(Buffer.concat([xerial.subarray(0, 16), Buffer.from([0, 0, 1, 0])])), /xerial snappy/)
})

t.test('zstd: a streaming frame without content size decodes', async t => {
  const payload = Buffer.from('zstd stream '.repeat(5000))
  const cs = new zstd.CompressStream()
  const parts: Buffer[] = []
  cs.on('data', (d: Buffer) => parts.push(d))
  await new Promise<void>((resolve, reject) => { cs.on('end', resolve); cs.on('error', reject); cs.end(payload) })
  t.ok(decompress(CompressionCodec.Zstd, Buffer.concat(parts)).equals(payload))
})

t.test('lz4 output is the LZ4 frame format', async t => {
  const z = compress(CompressionCodec.Lz4, Buffer.from('x'.repeat(1000)))
  t.equal(z.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic')
})

t.test('codec names', async t => {
  t.equal(codecFromName('zstd'), CompressionCodec.Zstd)
  t.equal(codecFromName('none'), CompressionCodec.None)
  t.equal(codecFromName('brotli'), undefined)
  t.throws(() => decompress(7 as CompressionCodec, Buffer.alloc(1)), /unknown compression codec 7/)
})
