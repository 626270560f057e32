import t from 'tap'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { validateBatches } from '../../../src/protocol/records/validate.js'

const good = (): Buffer => buildRecordBatch([{ key: 'k', value: 'v' }, { value: 'w' }])

t.test('a good batch', async t => {
  const b = good()
  const r = validateBatches(b, 1 << 20)
  t.ok(r.ok)
  if (r.ok) {
    t.same(r.batches, [{ offset: 0, length: b.length }])
    t.equal(r.recordCount, 2)
    t.equal(r.bytes, b.length)
    t.equal(r.hasTransactional, false)
  }
})

t.test('several batches are split', async t => {
  const a = good()
  const b = buildRecordBatch([{ value: 'x' }])
  const r = validateBatches(Buffer.concat([a, b]), 1 << 20)
  t.ok(r.ok)
  if (r.ok) {
    t.same(r.batches, [{ offset: 0, length: a.length }, { offset: a.length, length: b.length }])
    t.equal(r.recordCount, 3)
  }
})

t.test('bad CRC -> CORRUPT_MESSAGE', async t => {
  const b = good()
  b[b.length - 1] ^= 0xff
  const r = validateBatches(b, 1 << 20)
  t.match(r, { ok: false, error: 'CORRUPT_MESSAGE', message: /CRC32C mismatch/ })
})

t.test('bad magic -> CORRUPT_MESSAGE', async t => {
  const b = good()
  b[16] = 3
  t.match(validateBatches(b, 1 << 20), { ok: false, error: 'CORRUPT_MESSAGE', message: /expected magic 2, got 3/ })
})

t.test('legacy magic 0/1 -> UNSUPPORTED_FOR_MESSAGE_FORMAT', async t => {
  for (const m of [0, 1]) {
    const b = good()
    b[16] = m
    t.match(validateBatches(b, 1 << 20), { ok: false, error: 'UNSUPPORTED_FOR_MESSAGE_FORMAT', message: /legacy message set/ })
  }
})

t.test('truncated -> CORRUPT_MESSAGE', async t => {
  const b = good()
  t.match(validateBatches(b.subarray(0, b.length - 1), 1 << 20), { ok: false, error: 'CORRUPT_MESSAGE', message: /truncated/ })
  t.match(validateBatches(b.subarray(0, 10), 1 << 20), { ok: false, error: 'CORRUPT_MESSAGE', message: /truncated/ })
  t.match(validateBatches(Buffer.concat([b, b.subarray(0, 30)]), 1 << 20), { ok: false, error: 'CORRUPT_MESSAGE' })
})

t.test('batchLength below the minimum -> CORRUPT_MESSAGE', async t => {
  const b = good()
  b.writeInt32BE(10, 8)
  t.match(validateBatches(b, 1 << 20), { ok: false, error: 'CORRUPT_MESSAGE', message: /below the minimum 49/ })
})

t.test('too large -> MESSAGE_TOO_LARGE', async t => {
  const b = good()
  t.match(validateBatches(b, b.length - 1), { ok: false, error: 'MESSAGE_TOO_LARGE', message: new RegExp(`${b.length} bytes`) })
  t.ok(validateBatches(b, b.length).ok, 'exactly max.message.bytes is fine')
})

t.test('lastOffsetDelta vs recordCount -> INVALID_RECORD', async t => {
  const b = good()
  b.writeInt32BE(5, 23)
  // fix the CRC so only the count check fails
  const { computeCrc } = await import('../../../src/protocol/records/batch-header.js')
  b.writeUInt32BE(computeCrc(b), 17)
  t.match(validateBatches(b, 1 << 20), { ok: false, error: 'INVALID_RECORD', message: /lastOffsetDelta 5 does not match recordCount 2/ })
  b.writeInt32BE(0, 57)
  b.writeUInt32BE(computeCrc(b), 17)
  t.match(validateBatches(b, 1 << 20), { ok: false, error: 'INVALID_RECORD', message: /recordCount must be > 0/ })
})

t.test('control batches and transactional batches without producer id are refused', async t => {
  const c = buildRecordBatch([{ value: 'x' }], { isControl: true, producerId: 1 })
  t.match(validateBatches(c, 1 << 20), { ok: false, error: 'INVALID_RECORD', message: /control/ })
  t.ok(validateBatches(c, 1 << 20, { allowControl: true }).ok)
  const tx = buildRecordBatch([{ value: 'x' }], { isTransactional: true })
  t.match(validateBatches(tx, 1 << 20), { ok: false, error: 'INVALID_RECORD', message: /producerId/ })
  const tx2 = buildRecordBatch([{ value: 'x' }], { isTransactional: true, producerId: 4 })
  t.match(validateBatches(tx2, 1 << 20), { ok: true, hasTransactional: true })
})

t.test('empty records -> INVALID_RECORD', async t => {
  t.match(validateBatches(Buffer.alloc(0), 1 << 20), { ok: false, error: 'INVALID_RECORD' })
})
