// The fetch read-buffer pool: capacity classes, reuse, bounds.
import t from 'tap'
import { acquireReadBuffer, releaseReadBuffer, pooledFreeBytes, MIN_POOLED, MAX_FREE_BYTES } from '../../src/storage/read-buffers.js'

t.test('small reads are not pooled; large ones come in power-of-two classes and are reused', async t => {
  const small = acquireReadBuffer(1000)
  t.equal(small.length, 1000)
  const before = pooledFreeBytes()
  releaseReadBuffer(small)
  t.equal(pooledFreeBytes(), before, 'a small buffer is not kept')
  const a = acquireReadBuffer(MIN_POOLED + 1)
  t.equal(a.length, MIN_POOLED * 2, 'rounded up to the next power of two')
  releaseReadBuffer(a)
  t.equal(pooledFreeBytes(), before + MIN_POOLED * 2)
  const b = acquireReadBuffer(MIN_POOLED + 100)
  t.equal(b, a, 'the same buffer is handed out again')
  t.equal(pooledFreeBytes(), before)
  releaseReadBuffer(b.subarray(0, 10))
  t.equal(pooledFreeBytes(), before, 'a view (not a pooled buffer) is refused')
})

t.test('the free lists are bounded', async t => {
  const bufs = Array.from({ length: 20 }, () => acquireReadBuffer(8 * 1024 * 1024))
  for (const b of bufs) releaseReadBuffer(b)
  t.ok(pooledFreeBytes() <= MAX_FREE_BYTES, `${pooledFreeBytes()} <= ${MAX_FREE_BYTES}`)
})
