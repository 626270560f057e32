// The connection layer against a real broker: in-order pipelining, and every connection-fatal input closing
// only its own connection while the broker and other connections go on.
import t, { type Test } from 'tap'
import net from 'node:net'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

const metadataAll = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }

t.test('many pipelined requests are answered in order', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  // Interleave cheap and slow (auto-creating) requests: answers must still come back in request order.
  const order: number[] = []
  const all: Array<Promise<unknown>> = []
  for (let i = 0; i < 200; i++) {
    const p = i % 10 === 0
      ? c.request(3, 9, { topics: [{ name: `t${i}`, topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
      : c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })
    all.push(p.then(() => { order.push(i) }))
  }
  await Promise.all(all)
  t.same(order, Array.from({ length: 200 }, (_, i) => i))
})

async function expectClosed (t: Test, port: number, bytes: Buffer, what: string): Promise<void> {
  const s = net.connect({ port, host: '127.0.0.1' })
  await new Promise<void>(resolve => s.once('connect', () => resolve()))
  const closed = new Promise<void>(resolve => { s.on('close', () => resolve()); s.on('error', () => {}) })
  s.write(bytes)
  await closed
  t.pass(`${what}: connection closed`)
}

t.test('bad input closes only that connection', async t => {
  const b = await withBroker(t, { config: { 'socket.request.max.bytes': 1000 } })
  const bystander = await RawClient.connect(b.port)
  t.teardown(() => bystander.close())

  const big = Buffer.alloc(4)
  big.writeInt32BE(1001)
  await expectClosed(t, b.port, big, 'frame over socket.request.max.bytes')

  const unknownKey = Buffer.alloc(4 + 10)
  unknownKey.writeInt32BE(10, 0)
  unknownKey.writeInt16BE(999, 4)
  await expectClosed(t, b.port, unknownKey, 'unknown API key')

  const garbledHeader = Buffer.alloc(4 + 10)
  garbledHeader.writeInt32BE(10, 0)
  garbledHeader.writeInt16BE(3, 4) // Metadata
  garbledHeader.writeInt16BE(1, 6) // v1: header v1 with client id
  garbledHeader.writeInt32BE(7, 8)
  garbledHeader.writeInt16BE(500, 12) // client id length runs past the frame
  await expectClosed(t, b.port, garbledHeader, 'garbled header')

  const frame = RawClient.frame(3, 1, metadataAll, 1)
  const truncatedBody = Buffer.concat([frame.subarray(0, frame.length - 2)])
  truncatedBody.writeInt32BE(truncatedBody.length - 4, 0)
  await expectClosed(t, b.port, truncatedBody, 'unparsable body')

  const produceV12 = RawClient.frame(0, 11, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }, 1)
  produceV12.writeInt16BE(12, 6)
  await expectClosed(t, b.port, produceV12, 'unsupported Produce v12')

  const md = await bystander.request(3, 1, metadataAll)
  t.equal(md.brokers.length, 1, 'the other connection still works')
})

t.test('ApiVersions: exact ranges; an unsupported version gets error 35 and a v0 body', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const res = await c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })
  t.equal(res.errorCode, 0)
  const ranges = new Map(res.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]))
  t.same(ranges.get(0), [0, 11], 'Produce')
  t.same(ranges.get(1), [0, 17], 'Fetch')
  t.same(ranges.get(2), [0, 9], 'ListOffsets')
  t.same(ranges.get(3), [0, 12], 'Metadata')
  t.same(ranges.get(18), [0, 4], 'ApiVersions')

  // ApiVersions v99: the broker answers with header v0 and a v0 body carrying UNSUPPORTED_VERSION.
  const frame = Buffer.alloc(4 + 8 + 2 + 1)
  frame.writeInt32BE(11, 0)
  frame.writeInt16BE(18, 4)
  frame.writeInt16BE(99, 6)
  frame.writeInt32BE(4242, 8)
  frame.writeInt16BE(-1, 12) // null client id
  const s = net.connect({ port: b.port, host: '127.0.0.1' })
  t.teardown(() => s.destroy())
  const reply = await new Promise<Buffer>(resolve => {
    let acc = Buffer.alloc(0)
    s.on('data', d => {
      acc = Buffer.concat([acc, d])
      if (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) resolve(acc)
    })
    s.write(frame)
  })
  t.equal(reply.readInt32BE(4), 4242, 'correlation id')
  t.equal(reply.readInt16BE(8), 35, 'UNSUPPORTED_VERSION')
  t.ok(reply.readInt32BE(10) >= 9, 'v0 api keys array follows')
})
