// max.connections, max.connections.per.ip and its overrides (Kafka's keys): a connection over a limit is
// closed at once, with a WARN naming the limit; the connections already open keep working, and a slot freed
// by a closed connection can be taken again.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { createLogger } from '../../../src/logger.js'
import { Writable } from 'node:stream'
import { testCerts } from '../../helpers/tls-certs.js'

async function apiVersions (c: RawClient): Promise<number> {
  return (await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode
}

/** Connects and reports whether the broker closed the connection at once (before answering ApiVersions). */
async function refused (port: number): Promise<boolean> {
  const c = await RawClient.connect(port)
  try {
    await Promise.race([apiVersions(c), c.closed.then(() => { throw new Error('closed') })])
    return false
  } catch {
    return true
  } finally {
    c.close()
  }
}

function capture (): { logger: ReturnType<typeof createLogger>, lines: Array<{ level: number, msg: string }> } {
  const lines: Array<{ level: number, msg: string }> = []
  const dest = new Writable({ write (chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } })
  return { logger: createLogger('warn', dest as any), lines }
}

t.test('max.connections.per.ip: the extra connection is closed at once, the others keep working', async t => {
  const log = capture()
  const b = await withBroker(t, { config: { 'max.connections.per.ip': 2 }, logger: log.logger })
  const a = await RawClient.connect(b.port)
  const c = await RawClient.connect(b.port)
  t.teardown(() => { a.close(); c.close() })
  t.equal(await apiVersions(a), 0)
  t.ok(await refused(b.port), 'a third connection from 127.0.0.1 is closed')
  t.equal(await apiVersions(a), 0, 'the first still works')
  t.equal(await apiVersions(c), 0, 'the second still works')
  t.ok(log.lines.some(l => l.level === 40 && /refused.*max\.connections\.per\.ip \(2\) reached for 127\.0\.0\.1/.test(l.msg)), 'one WARN names the limit')
  c.close()
  await c.closed
  await new Promise(resolve => setTimeout(resolve, 50))
  t.notOk(await refused(b.port), 'a freed slot is taken again')
})

t.test('max.connections.per.ip.overrides raises the limit for one address', async t => {
  const b = await withBroker(t, { config: { 'max.connections.per.ip': 1, 'max.connections.per.ip.overrides': '127.0.0.1:3' } })
  const open = [await RawClient.connect(b.port), await RawClient.connect(b.port)]
  t.teardown(() => { for (const c of open) c.close() })
  for (const c of open) t.equal(await apiVersions(c), 0)
  const third = await RawClient.connect(b.port)
  open.push(third)
  t.equal(await apiVersions(third), 0, 'the third is allowed by the override')
  t.ok(await refused(b.port), 'the fourth is closed')
})

t.test('max.connections: the extra connection is closed at once, the others keep working', async t => {
  const b = await withBroker(t, { config: { 'max.connections': 2 } })
  const a = await RawClient.connect(b.port)
  const c = await RawClient.connect(b.port)
  t.teardown(() => { a.close(); c.close() })
  t.ok(await refused(b.port), 'a third connection is closed')
  t.equal(await apiVersions(a), 0)
  t.equal(await apiVersions(c), 0)
  t.equal(b.current.broker.networkLimits.quotas.total, 2, 'the refused connection is not counted')
})

t.test('limits count every listener together, a TLS connection from its TCP accept (before the handshake)', async t => {
  const certs = testCerts(t)
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.files.server,
      'max.connections': 2
    }
  })
  const sslPort = b.current.listeners[1].port
  const plain = await RawClient.connect(b.port)
  t.teardown(() => plain.close())
  const secure = await RawClient.connectTls(sslPort, { ca: certs.set.ca.certPem, servername: 'localhost' })
  t.teardown(() => secure.close())
  t.equal(await apiVersions(secure), 0)
  t.ok(await refused(b.port), 'a third connection on the PLAINTEXT listener is closed')
  await t.rejects(RawClient.connectTls(sslPort, { ca: certs.set.ca.certPem, servername: 'localhost' }), 'a third on the SSL listener is closed before its handshake')
  t.equal(await apiVersions(plain), 0)
  t.equal(await apiVersions(secure), 0)
})
