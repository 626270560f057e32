// The client connection: ApiVersions negotiation (min of both maxima; KIP-511 fallback when the broker does
// not know our ApiVersions version), APIs the broker lacks, answers matched by correlation id even out of
// order, request timeouts, and the bounded connect retry for unreachable brokers.
import t from 'tap'
import net from 'node:net'
import { withBroker } from '../helpers/broker.js'
import { Connection } from '../../src/client/connection.js'
import { Cluster, parseBrokers } from '../../src/client/cluster.js'
import { Fetch, ListGroups, Metadata, Produce } from '../../src/client/apis.js'
import { BrokerUnreachableError, ConnectionClosedError, UnsupportedApiError } from '../../src/client/errors.js'
import { FakeBroker, metadataBody } from './fake-broker.js'

t.test('negotiates min(our max, broker max) with Samsa', async t => {
  const b = await withBroker(t)
  const conn = await Connection.open('127.0.0.1', b.port)
  t.teardown(() => conn.close())
  t.equal(conn.brokerRange(Produce.key)!.max, 11)
  t.equal(conn.version(Produce), 11)
  t.equal(conn.version(Fetch), Math.min(Fetch.maxVersion, conn.brokerRange(Fetch.key)!.max))
  const md = await conn.request(Metadata, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
  t.equal(md.brokers[0]!.port, b.port, 'a request at the negotiated version decodes')
})

t.test('KIP-511: an older ApiVersions is retried at the broker\'s version; versions follow the broker', async t => {
  const fake = await FakeBroker.start(new Map([
    [3, { min: 1, max: 5, handle: () => metadataBody([{ nodeId: 1, port: 0 }], []) }]
  ]), { apiVersionsMax: 2 })
  t.teardown(() => fake.close())
  const conn = await Connection.open('127.0.0.1', fake.port)
  t.teardown(() => conn.close())
  t.same(fake.received.filter(r => r.apiKey === 18).map(r => r.version), [4, 2], 'v4 refused with a v0 body, then v2')
  t.equal(conn.version(Metadata), 5, 'the broker\'s max when below ours')
  await conn.request(Metadata, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
  t.equal(fake.received.at(-1)!.version, 5)
  t.throws(() => conn.version(Fetch), new UnsupportedApiError(fake.address, 1, 'Fetch', ': not listed in its ApiVersions'))
  t.throws(() => conn.version(Fetch), { message: `broker ${fake.address} does not support Fetch (api key 1): not listed in its ApiVersions` })
})

t.test('no overlapping version is an error naming both ranges', async t => {
  const fake = await FakeBroker.start(new Map([[0, { min: 0, max: 2, handle: () => undefined }]]))
  t.teardown(() => fake.close())
  const conn = await Connection.open('127.0.0.1', fake.port)
  t.teardown(() => conn.close())
  t.throws(() => conn.version(Produce), { message: `broker ${fake.address} does not support Produce (api key 0): it serves v0-2, this client v3-11` })
})

t.test('answers are matched by correlation id; a silent broker times out', async t => {
  let n = 0
  const fake = await FakeBroker.start(new Map([
    [16, { handle: () => ({ throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: `g${++n}`, protocolType: 'consumer', groupState: 'Empty', groupType: 'classic' }] }), delayMs: 0 }],
    [3, { handle: () => undefined }]
  ]))
  t.teardown(() => fake.close())
  const conn = await Connection.open('127.0.0.1', fake.port, { requestTimeoutMs: 300 })
  // The first answer is delayed so that the second overtakes it.
  fake.handlers.get(16)!.delayMs = 100
  const first = conn.request(ListGroups, { statesFilter: [], typesFilter: [] })
  fake.handlers.get(16)!.delayMs = 0
  const second = conn.request(ListGroups, { statesFilter: [], typesFilter: [] })
  const [a, b] = await Promise.all([first, second])
  t.equal(a.groups[0]!.groupId, 'g1')
  t.equal(b.groups[0]!.groupId, 'g2')
  const t0 = Date.now()
  await t.rejects(conn.request(Metadata, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    new ConnectionClosedError(`Metadata v12 request to ${fake.address} timed out after 300 ms`))
  t.ok(Date.now() - t0 < 2000)
  t.ok(conn.closed, 'a timed-out connection is closed')
})

t.test('unreachable brokers: bounded retry, then an error naming the address and the cause', async t => {
  // A port nobody listens on.
  const srv = net.createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>(resolve => srv.close(() => resolve()))
  const cluster = new Cluster({ brokers: parseBrokers(`127.0.0.1:${port}`), attempts: 3, retryBackoffMs: 20 })
  const t0 = Date.now()
  await t.rejects(cluster.any(), new BrokerUnreachableError(`127.0.0.1:${port}`, 3, 'ECONNREFUSED'))
  await t.rejects(cluster.any(), { message: `cannot reach broker 127.0.0.1:${port} after 3 attempts: ECONNREFUSED` })
  t.ok(Date.now() - t0 < 3000)

  // One dead and one live bootstrap address: the live one is used.
  const b = await withBroker(t)
  const two = new Cluster({ brokers: parseBrokers(`127.0.0.1:${port},${b.brokers[0]!}`), attempts: 1 })
  t.teardown(() => two.close())
  t.equal((await two.any()).port, b.port)

  t.throws(() => parseBrokers('host'), { message: "bad broker address 'host': expected host:port, e.g. 127.0.0.1:9092" })
  t.throws(() => parseBrokers('h:99999'), /bad broker address 'h:99999'/)
  t.same(parseBrokers('a:1, [::1]:2'), [{ host: 'a', port: 1 }, { host: '::1', port: 2 }])
})
