// kafkajs 2.2.4 consumer against a real broker: consume from the beginning, seek (replay from an offset),
// and long polls that wake when data arrives.
import t from 'tap'
import { Kafka, logLevel, Partitioners, type EachMessagePayload } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'

function client (brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'consumer-test', logLevel: logLevel.NOTHING })
}

async function collect (kafka: Kafka, topic: string, count: number, opts: { seek?: { partition: number, offset: string }, groupId: string }): Promise<EachMessagePayload[]> {
  const consumer = kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got: EachMessagePayload[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${got.length}/${count} messages`)), 30_000)
      consumer.run({
        eachMessage: async payload => {
          got.push(payload)
          if (got.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        }
      }).catch(reject)
      if (opts.seek !== undefined) consumer.seek({ topic, ...opts.seek })
    })
  } finally {
    await consumer.disconnect()
  }
  return got
}

t.test('consume from the beginning, then replay from an offset with seek', async t => {
  const b = await withBroker(t)
  const kafka = client(b.brokers)
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'replay', numPartitions: 1 }] })
  await admin.disconnect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  for (let i = 0; i < 10; i++) {
    await producer.send({ topic: 'replay', messages: Array.from({ length: 10 }, (_, j) => ({ key: `k${i * 10 + j}`, value: `v${i * 10 + j}`, headers: { n: String(i * 10 + j) } })) })
  }
  const all = await collect(kafka, 'replay', 100, { groupId: 'g-all' })
  t.same(all.map(m => m.message.value?.toString()), Array.from({ length: 100 }, (_, i) => `v${i}`), 'all 100 in order')
  t.same(all.map(m => m.message.offset), Array.from({ length: 100 }, (_, i) => String(i)))
  t.equal(all[42].message.key?.toString(), 'k42')
  t.equal(all[42].message.headers?.n?.toString(), '42')

  const fromMiddle = await collect(kafka, 'replay', 10, { groupId: 'g-seek', seek: { partition: 0, offset: '55' } })
  t.equal(fromMiddle[0].message.offset, '55', 'seek to the middle of a batch starts exactly there')
  t.same(fromMiddle.map(m => m.message.value?.toString()), Array.from({ length: 10 }, (_, i) => `v${55 + i}`))
})

t.test('a waiting consumer receives a record produced later (long poll wakes up)', async t => {
  const b = await withBroker(t)
  const kafka = client(b.brokers)
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await producer.send({ topic: 'live', messages: [{ value: 'first' }] })
  const consumer = kafka.consumer({ groupId: 'live-g', maxWaitTimeInMs: 5000 })
  await consumer.connect()
  t.teardown(() => consumer.disconnect())
  await consumer.subscribe({ topic: 'live', fromBeginning: true })
  const got: string[] = []
  let sentAt = 0
  let latency = -1
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no record')), 30_000)
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(String(message.value))
        if (got.length === 1) {
          setTimeout(() => {
            sentAt = Date.now()
            producer.send({ topic: 'live', messages: [{ value: 'second' }] }).catch(reject)
          }, 500)
        } else {
          latency = Date.now() - sentAt
          clearTimeout(timer)
          resolve()
        }
      }
    }).catch(reject)
  })
  t.same(got, ['first', 'second'])
  // maxWait is 5 s: a consumer that only saw the record after its poll timed out would take seconds.
  t.ok(latency < 4000, `delivered by the parked fetch, not by the next poll (${latency} ms)`)
})
