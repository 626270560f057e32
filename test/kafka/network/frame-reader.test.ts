import t from 'tap'
import { FrameReader, FrameError } from '../../../src/kafka/network/frame-reader.js'

function frame (payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length)
  b.writeInt32BE(payload.length, 0)
  payload.copy(b, 4)
  return b
}

t.test('frames inside one chunk are yielded whole, in order, as views', async t => {
  const a = Buffer.from('0123456789')
  const b = Buffer.from('abcdefghijkl')
  const chunk = Buffer.concat([frame(a), frame(b)])
  const got: Buffer[] = []
  new FrameReader(1024).push(chunk, f => got.push(f))
  t.same(got.map(String), ['0123456789', 'abcdefghijkl'])
  t.equal(got[0].buffer, chunk.buffer, 'zero-copy view of the received chunk')
})

t.test('frames split at every byte boundary are reassembled', async t => {
  const payloads = [Buffer.from('first-frame!'), Buffer.from('second frame, longer than the first'), Buffer.from('3rd.....')]
  const stream = Buffer.concat(payloads.map(frame))
  for (let cut = 1; cut < stream.length; cut++) {
    const got: string[] = []
    const r = new FrameReader(1024)
    r.push(stream.subarray(0, cut), f => got.push(String(f)))
    r.push(stream.subarray(cut), f => got.push(String(f)))
    t.same(got, payloads.map(String), `cut at ${cut}`)
  }
  const got: string[] = []
  const r = new FrameReader(1024)
  for (let i = 0; i < stream.length; i++) r.push(stream.subarray(i, i + 1), f => got.push(String(f)))
  t.same(got, payloads.map(String), 'one byte at a time')
})

t.test('a frame above the limit is a FrameError naming socket.request.max.bytes', async t => {
  const r = new FrameReader(100)
  const b = Buffer.alloc(4)
  b.writeInt32BE(101)
  t.throws(() => r.push(b, () => {}), { name: 'FrameError', message: /101 bytes.*socket\.request\.max\.bytes \(100\)/ })
})

t.test('a negative or tiny size is a FrameError', async t => {
  for (const size of [-1, 0, 7]) {
    const b = Buffer.alloc(4)
    b.writeInt32BE(size)
    t.throws(() => new FrameReader(100).push(b, () => {}), FrameError, `size ${size}`)
  }
})

t.test('setLimits: SASL legacy tokens may be empty; a narrower maximum names its key', async t => {
  const r = new FrameReader(1024)
  r.setLimits(0, 16, 'sasl.server.max.receive.size')
  const got: Buffer[] = []
  const empty = Buffer.from([0, 0, 0, 0])
  const three = Buffer.from([0, 0, 0, 3, 1, 2, 3])
  r.push(Buffer.concat([empty, three]), f => got.push(Buffer.from(f)))
  r.push(Buffer.from([0, 0]), f => got.push(Buffer.from(f)))
  r.push(Buffer.from([0, 0]), f => got.push(Buffer.from(f)))
  t.same(got, [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(0)], 'an empty frame, fast path and split')
  const big = Buffer.alloc(4)
  big.writeInt32BE(17, 0)
  t.throws(() => r.push(big, () => {}), { name: 'FrameError', message: /larger than sasl.server.max.receive.size \(16\)/ })
})
