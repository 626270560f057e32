// DeleteRecords v0-v2 at the wire level and through kafkajs: the log start offset moves, reads below it get
// OFFSET_OUT_OF_RANGE, ListOffsets earliest follows it, segments below it go, it is checkpointed before the
// answer and survives a restart; -1, offsets above the HW, compacted topics, unknown partitions.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { LOG_START_OFFSET_CHECKPOINT_FILE } from '../../../src/storage/checkpoint-file.js'
import { fetchPartition, listOffsetsBody, produce } from '../../helpers/wire.js'

const { Kafka, logLevel } = kafkajs

function deleteBody (topic: string, partitions: Array<[number, number]>): any {
  return { topics: [{ name: topic, partitions: partitions.map(([p, o]) => ({ partitionIndex: p, offset: BigInt(o) })) }], timeoutMs: 5000 }
}

async function del (c: RawClient, version: number, topic: string, partition: number, offset: number): Promise<{ errorCode: number, lowWatermark: bigint }> {
  const r = await c.request(21, version, deleteBody(topic, [[partition, offset]]))
  return r.topics[0].partitions[0]
}

t.test('DeleteRecords moves the log start offset; fetch, ListOffsets and restarts follow it', async t => {
  const b = await withBroker(t)
  const topics = b.current.broker.core.topics
  await topics.create('t', 2, { 'segment.bytes': '1000', 'file.delete.delay.ms': '0' })
  await topics.create('slow', 1, { 'segment.bytes': '1000' })
  await topics.create('c', 1, { 'cleanup.policy': 'compact' })
  await topics.create('cd', 1, { 'cleanup.policy': 'compact,delete' })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  for (const topic of ['t', 'slow', 'c', 'cd']) {
    for (let i = 0; i < 20; i++) await produce(c, topic, 0, [{ key: `k${i}`, value: `v${i * 2}`.padEnd(40, '.') }, { key: `k${i}`, value: `v${i * 2 + 1}`.padEnd(40, '.') }])
  }
  const dir = path.join(b.dataDir, 't-0')
  const segmentsBefore = fs.readdirSync(dir).filter(f => f.endsWith('.log')).length

  let r = await del(c, 0, 't', 0, 13)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.NONE, 13n], 'v0: low watermark 13')
  t.match(fs.readFileSync(path.join(b.dataDir, LOG_START_OFFSET_CHECKPOINT_FILE), 'utf8'), /^t 0 13$/m, 'checkpointed before the answer')
  let f = await fetchPartition(c, 't', 0, 5)
  t.same([f.errorCode, f.logStartOffset], [ErrorCode.OFFSET_OUT_OF_RANGE, 13n], 'fetch below it: OFFSET_OUT_OF_RANGE, with the log start offset')
  f = await fetchPartition(c, 't', 0, 13)
  t.equal(f.errorCode, ErrorCode.NONE, 'fetch at it works')
  const earliest = (await c.request(2, 7, listOffsetsBody('t', 0, -2))).topics[0].partitions[0]
  t.equal(earliest.offset, 13n, 'ListOffsets earliest = 13')
  t.equal((await fetchRecords(b.port, 't', 0, 13)).records[0]!.offset, 13, 'consumers start at 13')
  t.ok(fs.readdirSync(dir).filter(f => f.endsWith('.log')).length < segmentsBefore, 'segments entirely below it are deleted')

  r = await del(c, 1, 't', 0, 5)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.NONE, 13n], 'v1: a lower offset changes nothing')
  r = await del(c, 2, 't', 0, 41)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.OFFSET_OUT_OF_RANGE, -1n], 'v2: above the high watermark (40)')
  r = await del(c, 2, 't', 0, -7)
  t.equal(r.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'offset < -1')
  r = await del(c, 2, 't', 1, -1)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.NONE, 0n], '-1 on an empty partition: the HW, 0')
  r = await del(c, 2, 't', 7, 1)
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  r = await del(c, 2, 'nope', 0, 1)
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  r = await del(c, 2, 'c', 0, 3)
  t.equal(r.errorCode, ErrorCode.POLICY_VIOLATION, 'cleanup.policy=compact: POLICY_VIOLATION, as Kafka')
  r = await del(c, 2, 'cd', 0, 3)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.NONE, 3n], 'cleanup.policy=compact,delete allows it')

  r = await del(c, 2, 'slow', 0, -1)
  t.same([r.errorCode, r.lowWatermark], [ErrorCode.NONE, 40n], '-1: up to the high watermark')
  t.ok(fs.readdirSync(path.join(b.dataDir, 'slow-0')).some(f => f.endsWith('.log.deleted')), 'file.delete.delay.ms (60 s by default): the files wait as .deleted')
  f = await fetchPartition(c, 'slow', 0, 39)
  t.equal(f.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)

  c.close()
  await b.restart()
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  t.equal((await c2.request(2, 7, listOffsetsBody('t', 0, -2))).topics[0].partitions[0].offset, 13n, 'after a restart: still 13')
  t.equal((await c2.request(2, 7, listOffsetsBody('cd', 0, -2))).topics[0].partitions[0].offset, 3n)
  t.equal((await fetchPartition(c2, 't', 0, 12)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  t.notOk(fs.readdirSync(path.join(b.dataDir, 'slow-0')).some(f => f.endsWith('.deleted')), '.deleted files are gone after the restart')
  t.equal((await produce(c2, 'slow', 0, [{ key: 'k', value: 'after' }])).baseOffset, 40n, 'appends continue at the log end')
})

t.test('kafkajs admin.deleteTopicRecords', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'delete-records', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  t.teardown(async () => { await producer.disconnect(); await admin.disconnect() })
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] })
  await producer.send({ topic: 'orders', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
  await admin.fetchTopicMetadata({ topics: ['orders'] }) // kafkajs looks the leader up in its metadata cache first
  await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '4' }] })
  const offsets = await admin.fetchTopicOffsets('orders')
  t.same([offsets[0]!.low, offsets[0]!.high], ['4', '10'], 'low watermark 4, high 10')
  await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '-1' }] })
  t.equal((await admin.fetchTopicOffsets('orders'))[0]!.low, '10', '-1 deletes everything up to the high watermark')
})
