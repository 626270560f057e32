// Client-provoked WARN lines are rate-limited per kind of reason (src/kafka/network/warn-limiter.ts), on an
// injected clock; and end to end, a client sending 200 bad frames gets its connections closed but writes only a
// handful of WARN lines, the last naming how many were suppressed.
import t from 'tap'
import net from 'node:net'
import { Writable } from 'node:stream'
import { WarnLimiter } from '../../../src/kafka/network/warn-limiter.js'
import { createLogger } from '../../../src/logger.js'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

t.test('kinds: the reason up to its first colon, numbers folded', async t => {
  t.equal(WarnLimiter.kindOf('request frame size -5 is below the minimum of 8 bytes'), 'request frame size # is below the minimum of # bytes')
  t.equal(WarnLimiter.kindOf('request frame size -7 is below the minimum of 8 bytes'), WarnLimiter.kindOf('request frame size -5 is below the minimum of 8 bytes'))
  t.equal(WarnLimiter.kindOf('unparsable Produce v9 request (correlation id 12): short read'), 'unparsable Produce v# request (correlation id #)')
  t.not(WarnLimiter.kindOf('unknown API key 999 (version 0)'), WarnLimiter.kindOf('garbled request header for Fetch v4: x'))
})

t.test('burst per window, suppressed lines counted and reported with the next line written', async t => {
  let now = 1000
  const l = new WarnLimiter(3, 10_000, () => now)
  const a = 'request frame size -5 is below the minimum of 8 bytes'
  t.same([1, 2, 3].map(() => l.decide(a)), [{ log: true, suppressed: 0 }, { log: true, suppressed: 0 }, { log: true, suppressed: 0 }])
  for (let i = 0; i < 10; i++) t.equal(l.decide(a).log, false)
  t.same(l.decide('unknown API key 7 (version 0)'), { log: true, suppressed: 0 }, 'another kind has its own budget')
  now += 9_999
  t.equal(l.decide(a).log, false, 'still the same window')
  now += 1
  t.same(l.decide(a), { log: true, suppressed: 11 }, 'the next window: written, naming the 11 suppressed')
  t.same(l.decide(a), { log: true, suppressed: 0 })
})

t.test('the table of kinds is bounded', async t => {
  const l = new WarnLimiter(1, 10_000, () => 0, 4)
  for (let i = 0; i < 4; i++) l.decide(`kind ${String.fromCharCode(97 + i)}`)
  t.equal(l.decide('kind a').log, false, 'kind a used its budget')
  l.decide('kind e') // the fifth kind starts the table over
  t.equal(l.decide('kind a').log, true, 'forgotten, so allowed again')
})

t.test('a client sending 200 bad frames: every connection closed, a handful of WARN lines', async t => {
  const lines: any[] = []
  const stream = new Writable({ write (chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } })
  const b = await withBroker(t, { logger: createLogger('warn', stream) })
  for (let i = 0; i < 200; i++) {
    const s = net.connect({ port: b.port, host: '127.0.0.1' })
    s.on('error', () => {})
    const closed = new Promise(resolve => s.once('close', resolve))
    const frame = Buffer.alloc(4)
    frame.writeInt32BE(-5 - (i % 3))
    s.once('connect', () => s.write(frame))
    await closed
  }
  const warns = lines.filter(l => /closing connection: request frame size/.test(l.msg))
  t.ok(warns.length >= 1 && warns.length <= 10, `${warns.length} WARN lines for 200 bad frames`)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  t.equal((await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0, 'a good client is served')
})
