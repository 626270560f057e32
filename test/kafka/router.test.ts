// The handler table: lazily loaded handlers declare the same versions as the table lists, and a request
// that arrives before they are loaded waits for them instead of failing.
import t from 'tap'
import { LAZY_HANDLERS, EAGER_HANDLERS } from '../../src/kafka/handlers/index.js'
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
