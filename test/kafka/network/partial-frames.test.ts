// Issue 11, finding 2: a client that announces a large frame and trickles its bytes, or abandons it, holds the
// frame's bytes only until request.read.timeout.ms; then its connection is closed and the request pool
// (queued.max.request.bytes) returns to zero. Neighbours are served throughout.
import t from 'tap'
import net from 'node:net'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

function prefix (size: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(size)
  return b
}

async function open (port: number): Promise<{ s: net.Socket, closed: Promise<number> }> {
  const s = net.connect({ port, host: '127.0.0.1' })
  s.on('error', () => {})
  await new Promise(resolve => s.once('connect', resolve))
  const start = Date.now()
  const closed = new Promise<number>(resolve => s.once('close', () => resolve(Date.now() - start)))
  return { s, closed }
}

async function within<T> (p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([p, new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), ms) })])
  clearTimeout(timer)
  return r
}

t.test('trickled and abandoned partial frames are closed after request.read.timeout.ms; the pool returns to zero', async t => {
  const b = await withBroker(t, { config: { 'request.read.timeout.ms': 500 } })
  const pool = b.current.broker.networkLimits.requestPool

  // announces 100 MiB and trickles 1 KiB every 50 ms: progressing, but never whole
  const trickler = await open(b.port)
  trickler.s.write(prefix(100 * 1024 * 1024))
  const trickle = setInterval(() => { if (!trickler.s.destroyed) trickler.s.write(Buffer.alloc(1024, 1)) }, 50)
  t.teardown(() => clearInterval(trickle))
  // announces 10 MiB, sends 64 KiB and goes silent
  const abandoned = await open(b.port)
  abandoned.s.write(Buffer.concat([prefix(10 * 1024 * 1024), Buffer.alloc(64 * 1024, 2)]))
  // three bytes of a size prefix, then nothing
  const prefixOnly = await open(b.port)
  prefixOnly.s.write(Buffer.from([0, 0, 1]))

  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(pool.used >= 110 * 1024 * 1024, `the announced sizes are reserved (${pool.used} bytes)`)
  const neighbour = await RawClient.connect(b.port)
  t.teardown(() => neighbour.close())
  t.equal((await neighbour.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0, 'a neighbour is served meanwhile')

  for (const [name, c] of [['trickler', trickler], ['abandoned', abandoned], ['prefix only', prefixOnly]] as const) {
    const ms = await within(c.closed, 5000)
    t.not(ms, 'timeout', `${name}: closed by the broker`)
    if (typeof ms === 'number') t.ok(ms >= 450, `${name}: not before the deadline (${ms} ms)`)
  }
  clearInterval(trickle)
  for (let i = 0; i < 50 && pool.used > 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(pool.used, 0, `every reserved byte is back in the pool (${pool.used})`)
  t.equal((await neighbour.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0, 'the neighbour still works')
})

t.test('ten abandoned 100 MiB frames: refused ones wait for room, all are closed, the pool returns to zero', async t => {
  const b = await withBroker(t, { config: { 'request.read.timeout.ms': 300 } })
  const pool = b.current.broker.networkLimits.requestPool
  const conns = []
  for (let i = 0; i < 10; i++) {
    const c = await open(b.port)
    c.s.write(Buffer.concat([prefix(100 * 1024 * 1024), Buffer.alloc(16 * 1024, 3)]))
    conns.push(c)
  }
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(pool.used <= 128 * 1024 * 1024 + 10 * 64 * 1024, `at most one 100 MiB reservation fits the default 128 MiB pool (${pool.used})`)
  // each waits its turn for the pool, then gets its own deadline: 10 x 300 ms at most, plus sweeps
  const results = await Promise.all(conns.map(async c => await within(c.closed, 15000)))
  t.notOk(results.includes('timeout'), 'all ten are closed')
  for (let i = 0; i < 50 && pool.used > 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(pool.used, 0, 'the pool is back to zero')
})
