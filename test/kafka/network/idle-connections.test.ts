// connections.max.idle.ms (Kafka's key): a connection with no bytes read or written for that long is closed, a
// busy one is not; a TCP connection that never sends its first byte is closed after the same time.
import t from 'tap'
import net from 'node:net'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

async function apiVersions (c: RawClient): Promise<number> {
  return (await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode
}

t.test('idle connections are closed after connections.max.idle.ms; busy ones stay', async t => {
  const b = await withBroker(t, { config: { 'connections.max.idle.ms': 400 } })
  const idle = await RawClient.connect(b.port)
  const busy = await RawClient.connect(b.port)
  t.teardown(() => { idle.close(); busy.close() })
  t.equal(await apiVersions(idle), 0)
  let idleClosedAt = -1
  const start = Date.now()
  void idle.closed.then(() => { idleClosedAt = Date.now() - start })
  let busyClosed = false
  void busy.closed.then(() => { busyClosed = true })
  // the busy one asks every 100 ms for 1.5 s
  for (let i = 0; i < 15; i++) {
    t.equal(await apiVersions(busy), 0, `busy request ${i}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.ok(idleClosedAt >= 350, `the idle connection was closed by the broker (after ${idleClosedAt} ms)`)
  t.notOk(busyClosed, 'the busy connection is open')

  // a connection that never sends a byte
  const silent = net.connect({ port: b.port, host: '127.0.0.1' })
  silent.on('error', () => {})
  const closed = new Promise<boolean>(resolve => {
    silent.once('close', () => resolve(true))
    setTimeout(() => resolve(false), 3000)
  })
  t.ok(await closed, 'a connection that sends nothing is closed too')
  silent.destroy()
})
