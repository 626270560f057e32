// Idempotent produce: InitProducerId, sequence checks, deduplication of retries, epochs, state across restarts.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { metadataBody, produceBody } from '../../helpers/wire.js'

const { Kafka, logLevel, Partitioners } = kafkajs

async function initProducerId (c: RawClient, version = 4, transactionalId: string | null = null): Promise<any> {
  return await c.request(22, version, { transactionalId, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })
}

function batch (pid: number, epoch: number, seq: number, n: number, tag: string): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `${tag}-${seq + i}` })), { producerId: pid, producerEpoch: epoch, baseSequence: seq })
}

t.test('sequences, duplicates, epochs', async t => {
  const b = await withBroker(t, { fsync: 'always' })
  let c = await RawClient.connect(b.port)
  await c.request(3, 9, metadataBody(['idem']))
  const init = await initProducerId(c)
  t.equal(init.errorCode, 0)
  t.equal(init.producerEpoch, 0)
  const pid = Number(init.producerId)
  const second = await initProducerId(c, 1)
  t.not(Number(second.producerId), pid, 'every InitProducerId gets a fresh id')
  const send = async (buf: Buffer): Promise<any> => (await c.request(0, 9, produceBody('idem', 0, buf))).responses[0].partitionResponses[0]

  let r = await send(batch(pid, 0, 0, 10, 'a'))
  t.equal(r.errorCode, 0)
  t.equal(r.baseOffset, 0n)
  r = await send(batch(pid, 0, 0, 10, 'a'))
  t.equal(r.errorCode, 0, 'a retried batch is not an error')
  t.equal(r.baseOffset, 0n, 'and gets its original offset')
  r = await send(batch(pid, 0, 20, 5, 'a'))
  t.equal(r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a gap in sequences')
  t.match(r.errorMessage, /expected sequence 10, got 20/)
  r = await send(batch(pid, 0, 10, 5, 'a'))
  t.equal(r.baseOffset, 10n, 'the next sequence is appended')
  r = await send(batch(pid, 1, 5, 1, 'b'))
  t.equal(r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch must start at 0')
  r = await send(batch(pid, 1, 0, 1, 'b'))
  t.equal(r.errorCode, 0, 'epoch bump from 0')
  r = await send(batch(pid, 0, 15, 1, 'a'))
  t.equal(r.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the old epoch is fenced')
  t.equal((await fetchRecords(b.port, 'idem', 0)).records.length, 16, 'nothing stored twice')

  const txn = await initProducerId(c, 4, 'my-txn')
  t.equal(txn.errorCode, ErrorCode.NONE, 'a transactional id gets a producer id')
  t.ok(Number(txn.producerId) >= 0, 'from the same id space')

  // Clean restart: the snapshot keeps the last batch per producer, so its retry is still deduplicated.
  c.close()
  await b.restart()
  t.ok(fs.readdirSync(path.join(b.dataDir, 'idem-0')).some(f => f.endsWith('.snapshot')), 'a producer snapshot was written')
  c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  r = await send(batch(pid, 1, 0, 1, 'b'))
  t.equal(r.errorCode, 0)
  t.equal(r.baseOffset, 15n, 'retry after a clean restart: deduplicated from the snapshot')
  r = await send(batch(pid, 1, 1, 1, 'b'))
  t.equal(r.baseOffset, 16n)

  // Without a snapshot (lost, or an unclean stop before any clean one) the state is rebuilt from the log.
  c.close()
  await b.restart()
  for (const f of fs.readdirSync(path.join(b.dataDir, 'idem-0'))) if (f.endsWith('.snapshot')) fs.rmSync(path.join(b.dataDir, 'idem-0', f))
  await b.restart()
  for (const f of fs.readdirSync(path.join(b.dataDir, 'idem-0'))) if (f.endsWith('.snapshot')) fs.rmSync(path.join(b.dataDir, 'idem-0', f))
  c = await RawClient.connect(b.port)
  r = await send(batch(pid, 1, 1, 1, 'b'))
  t.equal(r.baseOffset, 16n, 'deduplicated from state rebuilt out of the log')
  r = await send(batch(pid, 1, 3, 1, 'b'))
  t.equal(r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'gaps still detected after the rebuild')
  t.equal((await fetchRecords(b.port, 'idem', 0)).records.length, 17)
  const ids = await initProducerId(c)
  t.ok(Number(ids.producerId) > Number(second.producerId), 'producer ids are never reused across restarts')
})

t.test('kafkajs idempotent producer', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'kidem', acks: -1, messages: [{ key: 'k', value: `v${i}` }, { key: 'k', value: `w${i}` }] })
  const got = await fetchRecords(b.port, 'kidem', 0)
  t.same(got.records.map(r => r.valueString), ['v0', 'w0', 'v1', 'w1', 'v2', 'w2', 'v3', 'w3', 'v4', 'w4'])
  t.ok(got.batches.every(x => x.readBigInt64BE(43) >= 0n), 'batches carry the producer id')
})

t.test('pipelined idempotent requests append in request order while producer state loads', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(3, 9, metadataBody(['fresh', 'warm']))
  const pid = Number((await initProducerId(c)).producerId)
  const two = (a: [string, Buffer], bb: [string, Buffer]): any => ({
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: a[0], partitionData: [{ index: 0, records: a[1] }] }, { name: bb[0], partitionData: [{ index: 0, records: bb[1] }] }]
  })
  // 'warm' has loaded producer state, 'fresh' does not: request 1 waits for 'fresh' to load; request 2,
  // sent in the same packet, must not append to 'warm' before request 1 does.
  t.equal((await c.request(0, 9, produceBody('warm', 0, batch(pid, 0, 0, 1, 'w')))).responses[0].partitionResponses[0].errorCode, 0)
  c.socket.cork()
  const r1 = c.request(0, 9, two(['fresh', batch(pid, 0, 0, 1, 'f')], ['warm', batch(pid, 0, 1, 1, 'w')]))
  const r2 = c.request(0, 9, produceBody('warm', 0, batch(pid, 0, 2, 1, 'w')))
  c.socket.uncork()
  const [a, bb] = await Promise.all([r1, r2])
  t.same(a.responses.map((x: any) => x.partitionResponses[0].errorCode), [0, 0], 'request 1: both partitions appended')
  t.equal(bb.responses[0].partitionResponses[0].errorCode, 0, 'request 2: in sequence, not OUT_OF_ORDER_SEQUENCE_NUMBER')
  const warm = await fetchRecords(b.port, 'warm', 0)
  t.same(warm.records.map(r => r.valueString), ['w-0', 'w-1', 'w-2'], 'stored in request order')
})

t.test('producer ids stay above the ids in adopted producer snapshots (a partition written by Kafka)', async t => {
  const { writeSnapshot } = await import('../../../src/storage/producers/snapshot.js')
  const { tempDir } = await import('../../helpers/broker.js')
  const dataDir = tempDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const dir = path.join(dataDir, 'adopted-0')
  fs.mkdirSync(dir)
  writeSnapshot(dir, 0, [{ producerId: 41, epoch: 0, batches: [{ firstSeq: 0, lastSeq: 9, firstOffset: 0, lastOffset: 9, timestamp: 0 }], currentTxnFirstOffset: -1, coordinatorEpoch: -1 }])
  const b = await withBroker(t, { dataDir })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const init = await initProducerId(c)
  t.ok(Number(init.producerId) > 41, `new producer id ${init.producerId} is above the adopted 41`)
})
