// Produce and Fetch at the wire level: validation errors per partition, whole batches from the middle,
// size limits, long poll, out-of-range, topic ids, LogAppendTime.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { iterateBatches } from '../../../src/protocol/records/record.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { CompressionCodec, TimestampType, timestampType, maxTimestamp, CRC_OFFSET } from '../../../src/protocol/records/batch-header.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { produce, produceBody, fetchPartition, metadataBody } from '../../helpers/wire.js'

async function setup (t: any, opts = {}): Promise<{ c: RawClient, port: number, b: any }> {
  const b = await withBroker(t, opts)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(3, 9, metadataBody(['t']))
  return { c, port: b.port, b }
}

t.test('produce validation errors are per partition and store nothing', async t => {
  const { c, b } = await setup(t)
  await b.current.broker.core.topics.create('__consumer_offsets', 1, { 'cleanup.policy': 'compact' })
  const good = buildRecordBatch([{ value: 'ok' }])
  const corrupt = Buffer.from(good)
  corrupt.writeUInt32BE((corrupt.readUInt32BE(CRC_OFFSET) + 1) >>> 0, CRC_OFFSET)
  let r = (await c.request(0, 9, produceBody('t', 0, corrupt))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE, 'bad CRC')
  t.match(r.errorMessage, /CRC/)
  const badMagic = Buffer.from(good)
  badMagic.writeInt8(7, 16)
  r = (await c.request(0, 9, produceBody('t', 0, badMagic))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE, 'bad magic')
  r = (await c.request(0, 9, produceBody('t', 0, good.subarray(0, good.length - 3)))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE, 'truncated batch')
  r = (await c.request(0, 9, produceBody('t', 5, good))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition that does not exist')
  r = (await c.request(0, 9, produceBody('nope', 0, good))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic that does not exist (produce never auto-creates)')
  r = (await c.request(0, 9, produceBody('t', 0, good, 2))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.INVALID_REQUIRED_ACKS, 'acks=2')
  r = (await c.request(0, 9, produceBody('t', 0, Buffer.concat([good, good])))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.INVALID_RECORD, 'two batches in one partition')
  const txn = buildRecordBatch([{ value: 'x' }], { producerId: 5, producerEpoch: 0, baseSequence: 0, isTransactional: true })
  r = (await c.request(0, 9, produceBody('t', 0, txn))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.INVALID_TXN_STATE, 'a transactional batch without a transactional id is refused')
  r = (await c.request(0, 9, produceBody('__consumer_offsets', 0, good))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, 'clients cannot write to __consumer_offsets')
  const f = await fetchPartition(c, 't', 0, 0)
  t.equal(f.highWatermark, 0n, 'nothing stored')
  r = (await c.request(0, 9, produceBody('t', 0, good))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, 0)
  t.equal(r.baseOffset, 0n, 'the first good batch gets offset 0')
})

t.test('fetch returns whole batches starting with the one holding the offset', async t => {
  const { c } = await setup(t)
  for (let i = 0; i < 5; i++) {
    await produce(c, 't', 0, Array.from({ length: 10 }, (_, j) => ({ key: `k${i}`, value: `v${i * 10 + j}` })), { compression: i % 2 === 1 ? CompressionCodec.Gzip : CompressionCodec.None })
  }
  const mid = await fetchPartition(c, 't', 0, 25)
  t.equal(mid.errorCode, 0)
  t.equal(mid.highWatermark, 50n)
  t.equal(mid.lastStableOffset, 50n)
  t.equal(mid.logStartOffset, 0n)
  t.equal(mid.preferredReadReplica, -1)
  const batches = [...iterateBatches(mid.records)]
  t.same(batches.map(b => b.header.baseOffset), [20, 30, 40], 'the batch holding offset 25 first, then the rest')

  const small = await fetchPartition(c, 't', 0, 0, { partitionMaxBytes: 10 })
  t.equal([...iterateBatches(small.records)].length, 1, 'max bytes below one batch: still one whole batch')
  const end = await fetchPartition(c, 't', 0, 50)
  t.equal(end.errorCode, 0, 'at the log end: no error')
  t.equal(end.records.length, 0, 'and no data')
  t.equal((await fetchPartition(c, 't', 0, 51)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'past the log end')
  t.equal((await fetchPartition(c, 't', 0, -5)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'negative offset')
  t.equal((await fetchPartition(c, 'nope', 0, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const committed = await fetchPartition(c, 't', 0, 0, { isolationLevel: 1 })
  t.same(committed.abortedTransactions, [], 'read_committed: empty aborted list')
  t.equal((await fetchPartition(c, 't', 0, 0)).abortedTransactions, null, 'read_uncommitted: null, as Kafka')
})

t.test('response max bytes bounds the partitions after the first', async t => {
  const { c } = await setup(t)
  await c.request(3, 9, metadataBody(['u']))
  await produce(c, 't', 0, [{ value: Buffer.alloc(3000, 1) }])
  await produce(c, 'u', 0, [{ value: Buffer.alloc(3000, 2) }])
  const body = {
    clusterId: null, replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 100, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: ['t', 'u'].map(topic => ({ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] })),
    forgottenTopicsData: [], rackId: ''
  }
  const res = await c.request(1, 11, body)
  t.ok(res.responses[0].partitions[0].records.length > 3000, 'first partition: one batch although larger than maxBytes')
  t.equal(res.responses[1].partitions[0].records.length, 0, 'second partition: budget used up')
})

t.test('long poll: parks until data arrives, or returns after maxWait', async t => {
  const { c, port } = await setup(t)
  const started = Date.now()
  const empty = await fetchPartition(c, 't', 0, 0, { maxWaitMs: 300, minBytes: 1 })
  t.equal(empty.records.length, 0)
  t.ok(Date.now() - started >= 250, 'waited about maxWait')

  const waiting = fetchPartition(c, 't', 0, 0, { maxWaitMs: 10_000, minBytes: 1 })
  const producer = await RawClient.connect(port)
  t.teardown(() => producer.close())
  await new Promise(resolve => setTimeout(resolve, 100))
  const t0 = Date.now()
  await produce(producer, 't', 0, [{ value: 'wake up' }])
  const got = await waiting
  t.ok(got.records.length > 0, 'woken with the new batch')
  t.ok(Date.now() - t0 < 5000, 'well before maxWait')
})

t.test('fetch v13+ by topic id; unknown id is UNKNOWN_TOPIC_ID', async t => {
  const { c } = await setup(t)
  await produce(c, 't', 0, [{ value: 'a' }])
  const md = await c.request(3, 12, metadataBody(['t']))
  const topicId = md.topics[0].topicId
  t.not(topicId, '00000000-0000-0000-0000-000000000000')
  for (const v of [13, 15, 17]) {
    const p = await fetchPartition(c, 't', 0, 0, { topicId }, v)
    t.equal(p.errorCode, 0, `v${v}`)
    t.ok(p.records.length > 0)
  }
  const unknown = await fetchPartition(c, '', 0, 0, { topicId: '11111111-2222-3333-4444-555555555555' }, 13)
  t.equal(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_ID)
})

t.test('LogAppendTime topics: timestamps set by the broker, returned in the produce response', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const res = await c.request(19, 5, { topics: [{ name: 'lat', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }], timeoutMs: 1000, validateOnly: false })
  t.equal(res.topics[0].errorCode, 0)
  const before = Date.now()
  const p = await produce(c, 'lat', 0, [{ value: 'x', timestamp: 1000 }])
  t.ok(Number(p.logAppendTimeMs) >= before, 'log append time in the response')
  const f = await fetchPartition(c, 'lat', 0, 0)
  t.equal(timestampType(f.records), TimestampType.LogAppendTime)
  t.equal(maxTimestamp(f.records), Number(p.logAppendTimeMs))
})

t.test('concurrent fetches over pooled read buffers always return intact batches', async t => {
  const { c, port } = await setup(t)
  const { validateBatches } = await import('../../../src/protocol/records/validate.js')
  for (let i = 0; i < 60; i++) {
    await produce(c, 't', 0, Array.from({ length: 4 }, (_, j) => ({ key: `k${i}`, value: Buffer.alloc(30_000, (i * 4 + j) % 251) })))
  }
  const readers = await Promise.all(Array.from({ length: 4 }, async () => await RawClient.connect(port)))
  t.teardown(() => { for (const r of readers) r.close() })
  let checked = 0
  await Promise.all(readers.map(async (r, n) => {
    for (let round = 0; round < 5; round++) {
      let offset = (n * 7 + round * 13) % 40
      while (offset < 240) {
        const p = await fetchPartition(r, 't', 0, offset, { partitionMaxBytes: 300_000 + n * 50_000 })
        const valid = validateBatches(p.records, 1 << 24)
        if (!valid.ok) throw new Error(`corrupt fetch at offset ${offset}: ${valid.message}`)
        for (const b of iterateBatches(p.records)) {
          // The CRC covers every record byte: a buffer reused while still being sent would fail it.
          offset = b.header.baseOffset + b.header.lastOffsetDelta + 1
          checked++
        }
      }
    }
  }))
  t.ok(checked > 400, `every one of ${checked} fetched batches passed its CRC`)
})
