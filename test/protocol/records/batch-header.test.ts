import t from 'tap'
import {
  CompressionCodec, TimestampType, RECORD_BATCH_OVERHEAD, attributes, baseOffset, baseSequence, baseTimestamp, batchLength,
  batchSize, compressionCodec, computeCrc, crc, isControl, isTransactional, lastOffset, lastOffsetDelta, magic, maxTimestamp,
  partitionLeaderEpoch, producerEpoch, producerId, readBatchHeader, recordCount, setBaseOffset, setMaxTimestamp,
  setPartitionLeaderEpoch, timestampType
} from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { crc32c } from '../../../src/protocol/records/crc32c.js'
import { validateBatches } from '../../../src/protocol/records/validate.js'

t.test('crc32c matches the standard check value', async t => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  t.equal(crc32c(Buffer.from('6789'), crc32c(Buffer.from('12345'))), 0xe3069283, 'continues a previous checksum')
})

t.test('header fields read at their Kafka byte positions', async t => {
  const b = buildRecordBatch([{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 3000 }, { value: 'c', timestamp: 2000 }], {
    baseOffset: 42, partitionLeaderEpoch: 7, producerId: 99, producerEpoch: 3, baseSequence: 11, isTransactional: true,
    compression: CompressionCodec.Gzip
  })
  t.equal(b.readBigInt64BE(0), 42n)
  t.equal(baseOffset(b), 42)
  t.equal(batchLength(b), b.length - 12)
  t.equal(batchSize(b), b.length)
  t.equal(partitionLeaderEpoch(b), 7)
  t.equal(magic(b), 2)
  t.equal(b[16], 2, 'magic at byte 16')
  t.equal(crc(b), computeCrc(b))
  t.equal(compressionCodec(b), CompressionCodec.Gzip)
  t.equal(attributes(b) & 0x07, 1)
  t.equal(timestampType(b), TimestampType.CreateTime)
  t.equal(isTransactional(b), true)
  t.equal(isControl(b), false)
  t.equal(lastOffsetDelta(b), 2)
  t.equal(lastOffset(b), 44)
  t.equal(baseTimestamp(b), 1000)
  t.equal(maxTimestamp(b), 3000)
  t.equal(producerId(b), 99)
  t.equal(producerEpoch(b), 3)
  t.equal(baseSequence(b), 11)
  t.equal(recordCount(b), 3)
  t.equal(b.readInt32BE(57), 3, 'recordCount at byte 57')
  t.ok(b.length > RECORD_BATCH_OVERHEAD)
  const h = readBatchHeader(b)
  t.match(h, { baseOffset: 42, magic: 2, compression: 1, isTransactional: true, recordCount: 3, maxTimestamp: 3000 })
})

t.test('views work at a non-zero position', async t => {
  const a = buildRecordBatch([{ value: 'x' }], { baseOffset: 5 })
  const b = buildRecordBatch([{ value: 'y' }, { value: 'z' }], { baseOffset: 9 })
  const both = Buffer.concat([a, b])
  t.equal(baseOffset(both, a.length), 9)
  t.equal(recordCount(both, a.length), 2)
  setBaseOffset(both, 100, a.length)
  t.equal(baseOffset(both, a.length), 100)
  t.equal(baseOffset(both, 0), 5, 'first batch untouched')
})

t.test('setBaseOffset and setPartitionLeaderEpoch leave the CRC valid', async t => {
  const b = buildRecordBatch([{ value: 'x' }])
  const before = crc(b)
  setBaseOffset(b, 123456789012)
  setPartitionLeaderEpoch(b, 5)
  t.equal(baseOffset(b), 123456789012)
  t.equal(partitionLeaderEpoch(b), 5)
  t.equal(crc(b), before)
  t.equal(computeCrc(b), before, 'baseOffset and epoch are outside the CRC')
  t.equal(validateBatches(b, 1 << 20).ok, true)
})

t.test('setMaxTimestamp sets LogAppendTime and recomputes the CRC', async t => {
  const b = buildRecordBatch([{ value: 'x', timestamp: 10 }])
  const before = crc(b)
  setMaxTimestamp(b, TimestampType.LogAppendTime, 5555)
  t.equal(maxTimestamp(b), 5555)
  t.equal(timestampType(b), TimestampType.LogAppendTime)
  t.not(crc(b), before)
  t.equal(crc(b), computeCrc(b))
  t.equal(validateBatches(b, 1 << 20).ok, true)
  setMaxTimestamp(b, TimestampType.CreateTime, 10)
  t.equal(timestampType(b), TimestampType.CreateTime)
  t.equal(crc(b), before, 'back to the original bytes')
})
