// Side by side with Apache Kafka 3.9 (one KRaft node from scripts/kafka/kafka.sh): the same produce request
// over the same producer_byte_rate gets the same throttle_time_ms from both (Kafka's sampled rate and throttle
// formula), as does the same fetch over the same consumer_byte_rate, and the throttled fetch gets the same
// answer (no partitions, error NONE, session id 0).
// Skips when Java, Maven or Maven Central are unavailable.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { fetchBody, metadataBody, produceBody } from '../../helpers/wire.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { ensureKafka, startKafka } from './lib/common.js'

t.setTimeout(5 * 60_000)

const kafka = await ensureKafka()
if (kafka.error !== undefined) t.fail(kafka.error)
const skip = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

const WINDOW = ['quota.window.num=2', 'quota.window.size.seconds=1']

async function connect (t: any, port: number, clientId: string): Promise<RawClient> {
  const c = await RawClient.connect(port)
  c.clientId = clientId
  t.teardown(() => c.close())
  return c
}

/** Sets the quotas and waits until the broker describes them (Kafka applies them from its metadata log). */
async function setQuotas (admin: RawClient, quotas: Array<[string, string, number]>): Promise<void> {
  const r = await admin.request(49, 1, {
    entries: quotas.map(([clientId, key, value]) => ({ entity: [{ entityType: 'client-id', entityName: clientId }], ops: [{ key, value, remove: false }] })),
    validateOnly: false
  })
  for (const e of r.entries) if (e.errorCode !== 0) throw new Error(`AlterClientQuotas: ${e.errorMessage as string}`)
  for (let i = 0; i < 100; i++) {
    const d = await admin.request(48, 1, { components: [{ entityType: 'client-id', matchType: 2, match: null }], strict: false })
    if (d.entries.length >= quotas.length) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await new Promise(resolve => setTimeout(resolve, 200))
}

/** Metadata with auto-create until the topic has a leader. */
async function ensureTopic (c: RawClient, topic: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const md = await c.request(3, 9, metadataBody([topic]))
    const tp = md.topics[0]
    if (tp.errorCode === 0 && tp.partitions.length > 0 && tp.partitions[0].leaderId >= 0) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`topic ${topic} has no leader`)
}

t.test('produce and fetch throttling: Samsa answers as Kafka does', { skip }, async t => {
  const k = await startKafka(t, WINDOW)
  const s = await withBroker(t, { config: { 'quota.window.num': 2, 'quota.window.size.seconds': 1 } })
  const batch = buildRecordBatch([{ value: Buffer.alloc(5000, 7) }], { timestamp: 1_700_000_000_000 })
  const results: Record<string, { produce: any, fetch: any }> = {}
  for (const [name, port] of [['kafka', k.port], ['samsa', s.port]] as const) {
    const admin = await connect(t, port, 'admin')
    await ensureTopic(admin, 'q')
    await setQuotas(admin, [['p1', 'producer_byte_rate', 2000], ['f1', 'consumer_byte_rate', 100]])
    const p = await connect(t, port, 'p1')
    const produce = await p.request(0, 9, produceBody('q', 0, batch))
    t.equal(produce.responses[0].partitionResponses[0].errorCode, 0, `${name}: the records are appended`)
    const f = await connect(t, port, 'f1')
    const fetch = await f.request(1, 11, fetchBody('q', 0, 0))
    results[name] = { produce, fetch }
  }
  const { kafka: kp, samsa: sp } = results
  t.ok(kp.produce.throttleTimeMs > 0, `Kafka throttles: ${kp.produce.throttleTimeMs as number} ms`)
  t.equal(sp.produce.throttleTimeMs, kp.produce.throttleTimeMs, 'the same throttle time for the same request and quota')
  t.ok(kp.fetch.throttleTimeMs > 0, `Kafka throttles the fetch: ${kp.fetch.throttleTimeMs as number} ms`)
  t.equal(sp.fetch.throttleTimeMs, kp.fetch.throttleTimeMs, 'the same throttle time for the same fetch response size and quota')
  for (const [name, r] of Object.entries(results)) {
    t.same([r.fetch.errorCode, r.fetch.sessionId, r.fetch.responses], [0, 0, []], `${name}: the throttled fetch has no partitions, error NONE, session id 0`)
  }
})
