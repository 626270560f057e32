import t from 'tap'
import { ConnectionReaper } from '../../../src/kafka/network/connection-reaper.js'
import { ConnectionQuotas, parseIpOverrides } from '../../../src/kafka/network/connection-quotas.js'

interface Fake { name: string, lastActivity: number, partialSince: number }

t.test('idle and partial-frame deadlines on an injected clock', async t => {
  const reaper = new ConnectionReaper({ idleMs: 1000, requestReadTimeoutMs: 300 })
  t.equal(reaper.intervalMs, 75, 'sweeps every quarter of the smaller limit')
  let now = 10000
  const active: Fake = { name: 'active', lastActivity: now, partialSince: -1 }
  const trickler: Fake = { name: 'trickler', lastActivity: now, partialSince: now }
  const paused: Fake = { name: 'paused', lastActivity: now, partialSince: -1 }
  const all = [active, trickler, paused]
  const closed: string[] = []
  const sweep = (): void => reaper.sweep(all, now, (c, reason) => { closed.push(`${c.name}: ${reason}`); all.splice(all.indexOf(c), 1) })

  now += 299
  trickler.lastActivity = now // bytes keep coming: not idle, but the frame is not whole
  sweep()
  t.same(closed, [])
  now += 1
  sweep()
  t.same(closed, ['trickler: request not received whole within request.read.timeout.ms (300 ms)'])
  now += 600
  active.lastActivity = now
  sweep()
  t.equal(closed.length, 1, 'a paused partial frame does not count (partialSince -1), idle not yet reached')
  now += 100
  sweep()
  t.same(closed.slice(1), ['paused: idle for connections.max.idle.ms (1000 ms)'])
  now += 899
  sweep()
  t.equal(closed.length, 2)
  now += 1
  sweep()
  t.same(closed.slice(2), ['active: idle for connections.max.idle.ms (1000 ms)'])
})

t.test('sweep interval stays between 10 ms and 1 s', async t => {
  t.equal(new ConnectionReaper({ idleMs: 600000, requestReadTimeoutMs: 60000 }).intervalMs, 1000)
  t.equal(new ConnectionReaper({ idleMs: 5, requestReadTimeoutMs: 5 }).intervalMs, 10)
})

t.test('connection quotas: per IP, overrides, total; released on close', async t => {
  const q = new ConnectionQuotas({ maxConnections: 4, maxPerIp: 2, overrides: parseIpOverrides('10.0.0.9:3, [::1]:0') })
  t.equal(q.tryAcquire('127.0.0.1'), null)
  t.equal(q.tryAcquire('::ffff:127.0.0.1'), null, 'IPv4-mapped counts as the IPv4 address')
  t.match(q.tryAcquire('127.0.0.1'), /max\.connections\.per\.ip \(2\) reached for 127\.0\.0\.1/)
  t.match(q.tryAcquire('::1'), /max\.connections\.per\.ip\.overrides \(0\)/)
  t.equal(q.tryAcquire('10.0.0.9'), null)
  t.equal(q.tryAcquire('10.0.0.9'), null)
  t.match(q.tryAcquire('10.0.0.9'), /max\.connections \(4\) reached/, 'the total is reached first')
  q.release('127.0.0.1')
  t.equal(q.tryAcquire('10.0.0.9'), null, 'the override allows a third from 10.0.0.9')
  t.equal(q.total, 4)
  t.equal(q.countOf('127.0.0.1'), 1)
  t.throws(() => parseIpOverrides('127.0.0.1'), /not ip:count/)
})
