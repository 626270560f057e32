// SampledRate and the throttle formula against Kafka's Rate/SampledStat semantics, on an injected clock.
import t from 'tap'
import { SampledRate, throttleTimeMs } from '../../../src/core/quotas/rate.js'

t.test('a fresh rate is measured over at least (samples - 1) windows', async t => {
  const r = new SampledRate({ samples: 11, windowMs: 1000 })
  r.record(1000, 0)
  // 1000 bytes at t=0: window = 10 full windows (10 s) -> 100 B/s
  t.equal(r.windowSize(0), 10_000)
  t.equal(r.measure(0), 100)
  r.record(1000, 500)
  t.equal(r.windowSize(500), 10_500)
  t.equal(Math.round(r.measure(500)), Math.round(2000 / 10.5))
})

t.test('samples older than samples * window are obsolete', async t => {
  const r = new SampledRate({ samples: 2, windowMs: 1000 })
  r.record(500, 0)
  t.equal(r.measure(100), 500 / 1.1, '500 B over 100 ms plus the one full window assumed (1.1 s)')
  t.equal(r.measure(2000), 0, 'after 2 windows with no event the sample is reset')
})

t.test('samples rotate: at most samples + 1 are kept and old ones drop out of the sum', async t => {
  const r = new SampledRate({ samples: 3, windowMs: 100 })
  for (let i = 0; i < 10; i++) r.record(100, i * 100)
  // at 950 the samples whose last event is 300 ms (samples * window) or more ago are reset: 600 and before;
  // live: the ones started at 700, 800, 900
  t.equal(r.windowSize(950), 250, 'measured from the oldest live sample (700) to now')
  t.equal(r.measure(950), 300 / 0.25)
})

t.test('unrecording a value takes it back', async t => {
  const r = new SampledRate({ samples: 11, windowMs: 1000 })
  r.record(1000, 0)
  r.record(-1000, 10)
  t.equal(r.measure(20), 0)
})

t.test('throttle time: X = (O - T) / T * W, rounded', async t => {
  t.equal(throttleTimeMs(200, 100, 10_000), 10_000, 'twice the bound over 10 s: wait 10 s')
  t.equal(throttleTimeMs(110, 100, 10_000), 1000)
  t.equal(throttleTimeMs(100.004, 100, 1000), 0)
  // the formula brings the rate back to the bound: O * W / (W + X) = T
  const O = 173; const T = 50; const W = 10_500
  t.ok(Math.abs(O * W / (W + throttleTimeMs(O, T, W)) - T) < 0.01)
})
