// Fetch memory (fetch.max.memory.bytes, connection.max.queued.response.bytes): a connection that pipelines
// fetches and never reads holds at most its own bound of the broker's fetch memory; when that memory is used up
// another client's Fetch is answered without records after its max wait (offsets as usual) instead of waiting
// for ever; once the stalled connections close, the broker's fetch memory and request pool are back at zero.
import t from 'tap'
import net from 'node:net'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { fetchBody, metadataBody, produce } from '../../helpers/wire.js'

const MiB = 1024 * 1024

async function stalledFetcher (port: number, n: number): Promise<net.Socket> {
  const s = net.connect({ port, host: '127.0.0.1' })
  s.on('error', () => {})
  s.pause()
  await new Promise(resolve => s.once('connect', resolve))
  const frames = []
  for (let i = 0; i < n; i++) frames.push(RawClient.frame(1, 11, fetchBody('t', 0, 0, { maxBytes: 10 * MiB, partitionMaxBytes: 10 * MiB }), i + 1))
  s.write(Buffer.concat(frames))
  return s
}

async function until (cond: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !cond(); waited += 20) await new Promise(resolve => setTimeout(resolve, 20))
  return cond()
}

t.test('stalled fetchers hold at most their bound; the memory comes back when they close', async t => {
  const b = await withBroker(t, { config: { 'connection.max.queued.response.bytes': 2 * MiB, 'fetch.max.memory.bytes': 5 * MiB } })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(3, 12, metadataBody(['t']))
  await new Promise(resolve => setTimeout(resolve, 100))
  const value = Buffer.alloc(60 * 1024, 1)
  for (let i = 0; i < 200; i++) t.equal((await produce(c, 't', 0, [{ value }])).errorCode, 0)
  const { fetchMemory, requestPool } = b.current.broker.networkLimits

  const stalled = [await stalledFetcher(b.port, 200), await stalledFetcher(b.port, 200)]
  t.teardown(() => { for (const s of stalled) s.destroy() })
  await new Promise(resolve => setTimeout(resolve, 500))
  t.ok(fetchMemory.used > 0, `the stalled fetchers hold fetch memory (${fetchMemory.used})`)
  t.ok(fetchMemory.used <= 5 * MiB, `within fetch.max.memory.bytes (${fetchMemory.used})`)
  const conns = [...b.current.broker.connections()]
  for (const conn of conns) t.ok(conn.queuedResponseBytes <= 2 * MiB + 64 * 1024, `connection ${conn.id}: ${conn.queuedResponseBytes} queued bytes`)

  // the budget is used up (2 x 2 MiB of 5 MiB, plus read-ahead): a third client's Fetch answers, if need be without records
  const res = await c.request(1, 11, fetchBody('t', 0, 0, { maxWaitMs: 300, maxBytes: 10 * MiB, partitionMaxBytes: 10 * MiB }))
  const p = res.responses[0].partitions[0]
  t.equal(p.errorCode, 0)
  t.equal(p.highWatermark, 200n, 'the offsets are answered')

  for (const s of stalled) s.destroy()
  t.ok(await until(() => fetchMemory.used === 0, 5000), `fetch memory back at zero (${fetchMemory.used})`)
  t.ok(await until(() => requestPool.used === 0, 5000), `request pool back at zero (${requestPool.used})`)
  const again = await c.request(1, 11, fetchBody('t', 0, 0, { maxWaitMs: 300, maxBytes: 10 * MiB, partitionMaxBytes: 10 * MiB }))
  t.ok(again.responses[0].partitions[0].records.length > 0, 'records again once the memory is back')
})
