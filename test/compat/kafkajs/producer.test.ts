// kafkajs 2.2.4 producer against a real broker: keyed records with headers, gzip and uncompressed,
// acks 0/1/-1, auto-created topics, data kept across a restart. Records are read back over the wire.
import t from 'tap'
import { Kafka, logLevel, CompressionTypes, Partitioners } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'

function client (brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'producer-test', logLevel: logLevel.NOTHING })
}

for (const fsync of ['always', 'never'] as const) {
  t.test(`keyed records with headers, every acks, gzip and none (fsync ${fsync})`, async t => {
    const b = await withBroker(t, { fsync })
    const producer = client(b.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    t.teardown(() => producer.disconnect())
    const sent: string[] = []
    let n = 0
    for (const acks of [-1, 1, 0]) {
      for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
        const messages = Array.from({ length: 20 }, () => {
          const i = n++
          sent.push(`value-${i}`)
          return { key: `key-${i}`, value: `value-${i}`, headers: { trace: `t-${i}`, empty: '' } }
        })
        const res = await producer.send({ topic: 'events', acks, compression, messages })
        if (acks !== 0) t.equal(res[0].errorCode, 0, `acks ${acks} compression ${compression}: no error`)
      }
    }
    // acks=0 has no response: wait until everything is readable.
    let got = await fetchRecords(b.port, 'events', 0)
    for (let i = 0; i < 50 && got.records.length < sent.length; i++) {
      await new Promise(resolve => setTimeout(resolve, 20))
      got = await fetchRecords(b.port, 'events', 0)
    }
    t.equal(got.records.length, sent.length, 'every record stored once')
    t.same(got.records.map(r => r.valueString), sent, 'in order')
    t.same(got.records.map(r => r.offset), sent.map((_, i) => i), 'dense offsets from 0')
    const r7 = got.records[7]
    t.equal(r7.keyString, 'key-7')
    t.same(r7.headers.map(h => [h.key, h.value?.toString()]), [['trace', 't-7'], ['empty', '']])
    t.equal(got.highWatermark, sent.length)
  })
}

t.test('a topic is auto-created on first produce (through Metadata)', async t => {
  const b = await withBroker(t, { config: { 'num.partitions': 2 } })
  const producer = client(b.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await producer.send({ topic: 'auto-created', messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }] })
  const topic = b.current.broker.core.topics.get('auto-created')
  t.ok(topic, 'created')
  t.equal(topic?.partitions, 2, 'with num.partitions')
})

t.test('unknown topic with auto-creation off: UNKNOWN_TOPIC_OR_PARTITION', async t => {
  const b = await withBroker(t, { config: { 'auto.create.topics.enable': false } })
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await t.rejects(producer.send({ topic: 'nope', messages: [{ value: 'x' }] }), /not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/)
})

t.test('a record larger than max.message.bytes is refused with MESSAGE_TOO_LARGE', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await Promise.all([admin.connect(), producer.connect()])
  t.teardown(async () => { await admin.disconnect(); await producer.disconnect() })
  await admin.createTopics({ topics: [{ topic: 'small', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] })
  await t.rejects(producer.send({ topic: 'small', messages: [{ value: Buffer.alloc(2000, 1) }] }), { type: 'MESSAGE_TOO_LARGE' } as object as Error) // a pattern object (tap's types only describe Error-like ones)
  await producer.send({ topic: 'small', messages: [{ value: Buffer.alloc(100, 1) }] })
  t.equal((await fetchRecords(b.port, 'small', 0)).records.length, 1, 'only the small one is stored')
})

t.test('data survives a restart (clean) and offsets continue', async t => {
  const b = await withBroker(t, { fsync: 'always' })
  let producer = client(b.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  await producer.send({ topic: 'durable', messages: Array.from({ length: 100 }, (_, i) => ({ key: String(i), value: `before-${i}` })) })
  await producer.disconnect()
  await b.restart()
  producer = client(b.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  const res = await producer.send({ topic: 'durable', messages: [{ key: 'x', value: 'after' }] })
  t.equal(res[0].baseOffset, '100', 'next offset after restart')
  const got = await fetchRecords(b.port, 'durable', 0)
  t.equal(got.records.length, 101)
  t.equal(got.records[0].valueString, 'before-0')
  t.equal(got.records[100].valueString, 'after')
})
