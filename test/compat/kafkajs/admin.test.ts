// kafkajs 2.2.4 admin client against a real broker on loopback: topics, partitions, configs, offsets.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'

// kafkajs is CommonJS: not every export is visible to ESM named imports.
const { Kafka, logLevel, ConfigResourceTypes } = kafkajs

t.test('create, list, describe, grow and delete topics', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'admin-test', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())

  t.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), true, 'created')
  t.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false, 'already exists: false')
  t.equal(await admin.createTopics({ topics: [{ topic: 'defaults' }] }), true, 'partitions and replication omitted (-1): defaults')
  t.ok((await admin.listTopics()).includes('orders'))

  const meta = await admin.fetchTopicMetadata({ topics: ['orders', 'defaults'] })
  const byName = new Map(meta.topics.map(x => [x.name, x]))
  t.equal(byName.get('orders')?.partitions.length, 3)
  t.equal(byName.get('defaults')?.partitions.length, 1, 'num.partitions default')
  t.same(byName.get('orders')?.partitions.map(p => p.leader), [1, 1, 1], 'this node leads every partition')

  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] })
  t.equal((await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0].partitions.length, 5, 'grown to 5')
  await t.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] }), /INVALID_PARTITIONS|higher than the requested|partitions/i, 'never shrinks')

  t.ok(fs.existsSync(path.join(b.dataDir, 'orders-4')), 'partition directory exists')
  await admin.deleteTopics({ topics: ['orders'] })
  t.notOk((await admin.listTopics()).includes('orders'), 'deleted')
  t.notOk(fs.existsSync(path.join(b.dataDir, 'orders-0')), 'files removed')
})

/** kafkajs wraps per-topic errors in a KafkaJSAggregateError: the Kafka error type of the first one. */
async function errorType (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err: any) {
    return err.type ?? err.errors?.[0]?.type ?? err.message
  }
  return 'no error'
}

t.test('creation errors per topic', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'bad name!' }] })), 'INVALID_TOPIC_EXCEPTION')
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'x'.repeat(250) }] })), 'INVALID_TOPIC_EXCEPTION')
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'r3', replicationFactor: 3 }] })), 'INVALID_REPLICATION_FACTOR')
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] })), 'INVALID_PARTITIONS')
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })), 'INVALID_CONFIG')
  t.equal(await errorType(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'no.such.config', value: '1' }] }] })), 'INVALID_CONFIG')
  await t.rejects(admin.deleteTopics({ topics: ['never-existed'] }), /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/)
  t.same(await admin.listTopics(), [], 'nothing was created')
})

t.test('describeConfigs: every topic config with its default flag, overrides marked', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: 'compact' }] }] })
  const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg' }], includeSynonyms: true })
  const entries = res.resources[0].configEntries
  const byName = new Map(entries.map(e => [e.configName, e]))
  t.ok(entries.length >= 20, `all topic configs listed (${entries.length})`)
  t.equal(byName.get('retention.ms')?.configValue, '60000')
  t.equal(byName.get('retention.ms')?.isDefault, false)
  t.equal(byName.get('cleanup.policy')?.configValue, 'compact')
  t.equal(byName.get('segment.bytes')?.configValue, '1073741824')
  t.equal(byName.get('segment.bytes')?.isDefault, true)
  t.equal(byName.get('max.message.bytes')?.configValue, '1048588')

  const broker = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }], includeSynonyms: false })
  const bEntries = new Map(broker.resources[0].configEntries.map(e => [e.configName, e]))
  t.equal(bEntries.get('num.partitions')?.configValue, '1')
  t.equal(bEntries.get('auto.create.topics.enable')?.configValue, 'true')
})

t.test('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
  t.teardown(async () => { await admin.disconnect(); await producer.disconnect() })
  await admin.createTopics({ topics: [{ topic: 'times', numPartitions: 1 }] })
  const base = Date.now() - 100_000
  for (let i = 0; i < 5; i++) {
    await producer.send({ topic: 'times', messages: [{ value: `v${i}`, timestamp: String(base + i * 1000) }, { value: `w${i}`, timestamp: String(base + i * 1000 + 500) }] })
  }
  const offsets = await admin.fetchTopicOffsets('times')
  t.same(offsets.map(o => ({ partition: o.partition, low: o.low, high: o.high })), [{ partition: 0, low: '0', high: '10' }])
  const at = async (ts: number): Promise<string> => (await admin.fetchTopicOffsetsByTimestamp('times', ts))[0].offset
  t.equal(await at(base), '0', 'exact first timestamp')
  t.equal(await at(base + 2000), '4', 'exact timestamp in the middle')
  t.equal(await at(base + 2200), '5', 'between: first record at or after')
  t.equal(await at(base + 4500), '9', 'the last record')
  t.equal(await at(base + 999_999), '10', 'after every record: kafkajs reports the high watermark')
})
