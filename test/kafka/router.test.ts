// The handler table: lazily loaded handlers declare the same versions as the table lists, and a request
// that arrives before they are loaded waits for them instead of failing.
import t from 'tap'
import { LAZY_HANDLERS, EAGER_HANDLERS } from '../../src/kafka/handlers/index.js'
import { Router } from '../../src/kafka/router.js'
import type { KafkaServices } from '../../src/kafka/services.js'
import { SocketServer } from '../../src/kafka/network/server.js'
import { silentLogger } from '../../src/logger.js'
import { Authorizer } from '../../src/core/security/acl/authorizer.js'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'

t.test('every lazy handler declares the versions the table advertises', async t => {
  const keys = new Set(EAGER_HANDLERS.map(h => h.apiKey))
  for (const l of LAZY_HANDLERS) {
    const h = await l.load()
    t.same([h.apiKey, h.minVersion, h.maxVersion], [l.apiKey, l.minVersion, l.maxVersion], `api key ${l.apiKey}`)
    t.notOk(keys.has(l.apiKey), `api key ${l.apiKey} listed once`)
    keys.add(l.apiKey)
    t.type(h.codec.decodeRequest, 'function')
  }
})

t.test('a request that arrives before the lazy handlers are loaded waits for them, then is answered', async t => {
  // The window is held open: the lazy load cannot start until `open()` is called.
  let open!: () => void
  const gate = new Promise<void>(resolve => { open = resolve })
  let loadStarted = false
  // every handler binds to the services it declares when it is added; FindCoordinator uses only these five,
  // the others' services are placeholders
  const used: Partial<Record<keyof KafkaServices, unknown>> = {
    authorizer: Authorizer.disabled(silentLogger),
    nodeId: 7,
    closing: false,
    groups: { status: 'active' },
    listener: { apis: () => router.advertised() },
    quotas: { anyEnabled: false }
  }
  const services = new Proxy(used, { has: () => true, get: (o, k) => (o as any)[k] ?? null }) as unknown as KafkaServices
  const router: Router = new Router(services, EAGER_HANDLERS, LAZY_HANDLERS, async () => { loadStarted = true; await gate })
  const server = new SocketServer({ host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, router, logger: silentLogger, listener: { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', advertised: { host: '127.0.0.1', port: 9 } } })
  const { port } = await server.listen()
  t.teardown(() => server.close())
  const c = await RawClient.connect(port)
  t.teardown(() => c.close())
  t.equal(router.route(10)?.codec, null, 'FindCoordinator is routed but not loaded yet')
  let answered = false
  const res = c.request(10, 1, { key: 'g', keyType: 0, coordinatorKeys: [] }).then(r => { answered = true; return r })
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(loadStarted, 'the request started the lazy load')
  t.notOk(answered, 'no answer while the handlers are not loaded (nor an error)')
  const c2 = await RawClient.connect(port) // a connection answers in order: ask on another one
  t.teardown(() => c2.close())
  const versions = await c2.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })
  t.ok(versions.apiKeys.some((k: any) => k.apiKey === 10 && k.maxVersion === 5), 'ApiVersions advertises the lazy APIs before they load')
  open()
  const r = await res
  t.equal(r.errorCode, 0)
  t.equal(r.nodeId, 7, 'answered by the lazily loaded FindCoordinator handler')
})

t.test('a group request sent right after start is answered (it waits for the lazy handlers)', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const res = await c.request(10, 1, { key: 'g', keyType: 0, coordinatorKeys: [] })
  t.equal(res.errorCode, 0)
  t.equal(res.nodeId, 1)
  const versions = await c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })
  t.ok(versions.apiKeys.some((k: any) => k.apiKey === 11 && k.maxVersion === 9), 'JoinGroup advertised')
})
