import t from 'tap'
import { RequestPool } from '../../../src/kafka/network/request-pool.js'
import { FrameReader } from '../../../src/kafka/network/frame-reader.js'

function prefix (size: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(size)
  return b
}

t.test('reservations fit the limit; one larger than the limit only when the pool is empty', async t => {
  const p = new RequestPool(100)
  t.ok(p.tryReserve(60))
  t.notOk(p.tryReserve(50), 'over the limit: refused')
  t.equal(p.used, 60, 'a refusal reserves nothing')
  t.ok(p.tryReserve(40))
  t.ok(p.exhausted)
  p.release(100)
  t.equal(p.used, 0)
  t.ok(p.tryReserve(500), 'empty pool: a reservation larger than the limit is granted (else it could never be)')
  t.notOk(p.tryReserve(1))
  p.take(10)
  t.equal(p.used, 510, 'take() charges bytes already in memory, never refused')
  p.release(510)
})

t.test('waiters are woken in order when bytes are released, and can be cancelled', async t => {
  const p = new RequestPool(100)
  p.tryReserve(100)
  const woken: string[] = []
  const a = (): void => { woken.push('a') }
  const b = (): void => { woken.push('b') }
  const c = (): void => { woken.push('c') }
  p.waitForRoom(a)
  p.waitForRoom(b)
  p.waitForRoom(c)
  p.cancel(b)
  p.release(50)
  t.same(woken, ['a', 'c'])
  t.equal(p.waiting, 0)
})

t.test('frame reader: a partial frame reserves its announced size, its buffer grows with the bytes', async t => {
  const p = new RequestPool(1 << 30)
  const r = new FrameReader(200 * 1024 * 1024, p)
  const frames: Buffer[] = []
  const mem = process.memoryUsage().arrayBuffers
  r.push(prefix(100 * 1024 * 1024), f => frames.push(f))
  r.push(Buffer.alloc(1000, 1), f => frames.push(f))
  t.equal(p.used, 100 * 1024 * 1024, 'the announced 100 MiB is reserved in the pool')
  t.ok(r.partial)
  t.equal(r.partialBytes, 1000)
  for (let i = 0; i < 100; i++) r.push(Buffer.alloc(1000, 1), f => frames.push(f))
  t.ok(process.memoryUsage().arrayBuffers - mem < 8 * 1024 * 1024, 'not allocated from the announced size')
  r.dispose()
  t.equal(p.used, 0, 'dispose() returns the reservation')
  t.notOk(r.partial)
})

t.test('frame reader: refused by a full pool it blocks, keeps the bytes, and resumes in order', async t => {
  const p = new RequestPool(100)
  p.tryReserve(90)
  const r = new FrameReader(1000, p)
  const got: string[] = []
  const onFrame = (f: Buffer): void => { got.push(f.toString()) }
  const small = Buffer.concat([prefix(8), Buffer.from('complete')])
  // a whole frame inside a chunk is taken at once; the next one spans chunks and needs 50 bytes reserved
  r.push(Buffer.concat([small, prefix(50), Buffer.from('x'.repeat(20))]), onFrame)
  t.same(got, ['complete'])
  t.equal(p.used, 98)
  t.ok(r.blocked, 'the 50-byte frame does not fit: blocked')
  r.push(Buffer.from('y'.repeat(30)), onFrame)
  r.push(small, onFrame)
  t.same(got, ['complete'], 'nothing more is yielded while blocked')
  t.notOk(r.resume(onFrame), 'still no room')
  p.release(90)
  t.ok(r.resume(onFrame), 'room: resumes')
  t.same(got, ['complete', 'x'.repeat(20) + 'y'.repeat(30), 'complete'], 'the kept bytes yield their frames in order')
  t.equal(p.used, 8 + 50 + 8, 'every yielded frame is charged (released by the connection once handled)')
})

t.test('frame reader: disposed from inside onFrame (the connection closed), it reserves nothing more', async t => {
  const p = new RequestPool(1 << 30)
  const r = new FrameReader(1 << 20, p)
  const got: Buffer[] = []
  const chunk = Buffer.concat([prefix(8), Buffer.from('12345678'), prefix(8), Buffer.from('abcdefgh'), prefix(1000), Buffer.alloc(10)])
  r.push(chunk, f => { got.push(f); r.dispose() })
  t.equal(got.length, 1, 'no frame after the close')
  t.equal(p.used, 8, 'only the yielded frame is charged (its connection releases it); the partial frame reserved nothing')
  r.push(Buffer.concat([prefix(8), Buffer.from('zzzzzzzz')]), f => got.push(f))
  t.equal(got.length, 1)
})
