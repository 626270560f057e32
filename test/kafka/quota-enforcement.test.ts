// Client quotas enforced as Kafka (KIP-219): a client over its quota gets throttle_time_ms in its answer and its
// connection is muted for that long (nothing more is read from it), while another client keeps being answered
// at once; a throttled fetch is answered empty; request_percentage throttles other APIs' answers.
// Windows are small (quota.window.num=2 of 1 s) so mutes last about a second.
import t from 'tap'
import { withBroker, type TestBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchBody, metadataBody, produceBody } from '../helpers/wire.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'

const CONFIG = { 'quota.window.num': '2', 'quota.window.size.seconds': '1' }

async function setup (t: any, entity: Array<[string, string | null]>, key: string, value: number): Promise<{ b: TestBroker, admin: RawClient }> {
  const b = await withBroker(t, { config: CONFIG })
  const admin = await RawClient.connect(b.port)
  admin.clientId = 'admin'
  t.teardown(() => admin.close())
  await admin.request(3, 9, metadataBody(['t']))
  const r = await admin.request(49, 1, { entries: [{ entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })), ops: [{ key, value, remove: false }] }], validateOnly: false })
  t.equal(r.entries[0].errorCode, 0, `quota ${key}=${value} set`)
  return { b, admin }
}

async function client (t: any, b: TestBroker, clientId: string): Promise<RawClient> {
  const c = await RawClient.connect(b.port)
  c.clientId = clientId
  t.teardown(() => c.close())
  return c
}

/** 'answered' if the promise settles within ms, else 'pending'. */
async function within (p: Promise<unknown>, ms: number): Promise<'answered' | 'pending'> {
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([p.then(() => 'answered' as const), new Promise<'pending'>(resolve => { timer = setTimeout(() => resolve('pending'), ms) })])
  clearTimeout(timer)
  return r
}

const big = buildRecordBatch([{ value: Buffer.alloc(4000, 1) }])

t.test('a producer over producer_byte_rate is throttled and muted; another client id is not', async t => {
  const { b } = await setup(t, [['client-id', 'slow']], 'producer_byte_rate', 2000)
  const slow = await client(t, b, 'slow')
  const fast = await client(t, b, 'fast')
  const first = await slow.request(0, 9, produceBody('t', 0, big))
  t.equal(first.responses[0].partitionResponses[0].errorCode, 0, 'the records are appended')
  t.ok(first.throttleTimeMs > 0, `throttle_time_ms ${first.throttleTimeMs as number} > 0`)
  const started = Date.now()
  const next = slow.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })
  t.equal(await within(next, 200), 'pending', 'the throttled connection is muted: its next request is not read')
  const other = await fast.request(0, 9, produceBody('t', 0, big))
  t.equal(other.throttleTimeMs, 0, 'another client id is not throttled')
  t.equal(await within(fast.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }), 1000), 'answered', 'and is answered at once')
  await next
  t.ok(Date.now() - started >= first.throttleTimeMs - 250, 'the muted request is answered once the throttle time is over')
})

t.test('a throttled fetch is answered empty with the throttle time, and muted', async t => {
  const { b, admin } = await setup(t, [['client-id', 'reader']], 'consumer_byte_rate', 100)
  await admin.request(0, 9, produceBody('t', 0, big))
  const reader = await client(t, b, 'reader')
  const res = await reader.request(1, 11, fetchBody('t', 0, 0))
  t.ok(res.throttleTimeMs > 0, `throttle_time_ms ${res.throttleTimeMs as number}`)
  t.equal(res.errorCode, 0)
  t.same(res.responses, [], 'no partitions: Kafka\'s throttled fetch response')
  t.equal(await within(reader.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }), 200), 'pending', 'muted')
  const other = await admin.request(1, 11, fetchBody('t', 0, 0))
  t.equal(other.throttleTimeMs, 0)
  t.equal(other.responses[0].partitions[0].errorCode, 0, 'another client still reads')
  t.ok(other.responses[0].partitions[0].records.length > 4000)
})

t.test('the default user quota applies to unauthenticated (ANONYMOUS) clients, as in Kafka', async t => {
  const { b } = await setup(t, [['user', null]], 'producer_byte_rate', 1000)
  const c = await client(t, b, 'any')
  const r = await c.request(0, 9, produceBody('t', 0, big))
  t.ok(r.throttleTimeMs > 0)
})

t.test('request_percentage throttles answers that carry throttle_time_ms', async t => {
  const { b } = await setup(t, [['client-id', 'busy']], 'request_percentage', 0.000001)
  const c = await client(t, b, 'busy')
  const r = await c.request(3, 9, metadataBody(['t']))
  t.ok(r.throttleTimeMs > 0 && r.throttleTimeMs <= 1000, `throttle_time_ms ${r.throttleTimeMs as number}, at most one window`)
})

t.test('without quotas nothing is throttled', async t => {
  const b = await withBroker(t, { config: CONFIG })
  const c = await client(t, b, 'x')
  await c.request(3, 9, metadataBody(['t']))
  for (let i = 0; i < 5; i++) t.equal((await c.request(0, 9, produceBody('t', 0, big))).throttleTimeMs, 0)
})
