// kafkajs 2.2.4 under client quotas: a producer over producer_byte_rate is slowed down (throttled answers and a
// muted connection) but every record is stored, while a producer with another client id finishes first; a
// consumer over consumer_byte_rate (throttled, empty fetch answers) still reads everything in order.
// Windows are small (quota.window.num=2 of 1 s).
import t from 'tap'
import { Kafka, logLevel } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { RawClient } from '../../helpers/raw-client.js'

const CONFIG = { 'quota.window.num': '2', 'quota.window.size.seconds': '1' }

async function setQuota (port: number, clientId: string, key: string, value: number): Promise<void> {
  const c = await RawClient.connect(port)
  try {
    const r = await c.request(49, 1, { entries: [{ entity: [{ entityType: 'client-id', entityName: clientId }], ops: [{ key, value, remove: false }] }], validateOnly: false })
    if (r.entries[0].errorCode !== 0) throw new Error(r.entries[0].errorMessage)
  } finally {
    c.close()
  }
}

t.test('a throttled producer is slowed, not broken; another client id is not slowed', async t => {
  const b = await withBroker(t, { config: CONFIG })
  await setQuota(b.port, 'kjs-slow', 'producer_byte_rate', 3000)
  const mk = (clientId: string): ReturnType<Kafka['producer']> => new Kafka({ brokers: b.brokers, clientId, logLevel: logLevel.NOTHING }).producer()
  const slow = mk('kjs-slow')
  const fast = mk('kjs-fast')
  await Promise.all([slow.connect(), fast.connect()])
  t.teardown(async () => { await slow.disconnect(); await fast.disconnect() })
  const value = 'x'.repeat(4000)
  const finished: string[] = []
  const run = async (p: typeof slow, topic: string, name: string): Promise<void> => {
    for (let i = 0; i < 4; i++) await p.send({ topic, acks: -1, messages: [{ value: `${i}:${value}` }] })
    finished.push(name)
  }
  await Promise.all([run(slow, 'slow-topic', 'slow'), run(fast, 'fast-topic', 'fast')])
  t.same(finished, ['fast', 'slow'], 'the unthrottled producer finishes first')
  t.equal((await fetchRecords(b.port, 'slow-topic', 0)).records.length, 4, 'every throttled record is stored')
  t.equal((await fetchRecords(b.port, 'fast-topic', 0)).records.length, 4)
})

t.test('a throttled consumer still reads everything in order', async t => {
  const b = await withBroker(t, { config: CONFIG })
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'kjs-reader', logLevel: logLevel.NOTHING })
  const producer = new Kafka({ brokers: b.brokers, clientId: 'writer', logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
  const sent = Array.from({ length: 20 }, (_, i) => `${i}:${'y'.repeat(1000)}`)
  // one batch per record: a fetch is capped at what the quota allows in one window (8000 B), and a single
  // batch larger than that (all 20 KB in one send) can only be answered whole
  for (const value of sent) await producer.send({ topic: 'q', messages: [{ value }] })
  await producer.disconnect()
  await setQuota(b.port, 'kjs-reader', 'consumer_byte_rate', 8000)
  const fetchQuota = b.current.broker.core.quotas.fetch
  const record = fetchQuota.record.bind(fetchQuota)
  let throttled = 0
  fetchQuota.record = (...args) => {
    const ms = record(...args)
    if (ms > 0) throttled++
    return ms
  }
  const consumer = kafka.consumer({ groupId: 'g-quota', maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.teardown(() => consumer.disconnect())
  await consumer.subscribe({ topic: 'q', fromBeginning: true })
  const got: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${sent.length} records in 30 s`)), 30_000)
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value?.toString() ?? '')
        if (got.length === sent.length) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  t.same(got, sent, 'every record, in order')
  t.ok(throttled > 0, `its fetches were throttled (${throttled} times)`)
})
