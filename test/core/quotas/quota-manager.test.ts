// The quota manager: throttle times, the request cap, unrecord, max bytes in a window, sensor expiry.
import t from 'tap'
import { QuotaManager, INACTIVE_SENSOR_EXPIRATION_MS } from '../../../src/core/quotas/quota-manager.js'
import { CLIENT_ID, userClientKey, type QuotaEntity } from '../../../src/core/quotas/entity.js'

const W = { samples: 11, windowMs: 1000 }
const key = (e: QuotaEntity): string => userClientKey(undefined, e.find(c => c.type === CLIENT_ID)?.name)
const clientQuota = (clientId: string | null, value: number): { entity: QuotaEntity, value: number } => ({ entity: [{ type: CLIENT_ID, name: clientId }], value })

t.test('within the quota: 0; over it: Kafka\'s throttle time', async t => {
  const m = new QuotaManager('producer_byte_rate', W)
  m.setQuotas([clientQuota('c1', 100)], key)
  t.equal(m.record('ANONYMOUS', 'c1', 1000, 0), 0, '1000 B over 10 s = 100 B/s: at the bound')
  // 2000 B over a 10 s window = 200 B/s: (200 - 100) / 100 * 10000 = 10000 ms
  t.equal(m.record('ANONYMOUS', 'c1', 1000, 0), 10_000)
})

t.test('the request quota caps the throttle at one window', async t => {
  const m = new QuotaManager('request_percentage', W, 1000)
  m.setQuotas([clientQuota('c1', 1)], key)
  t.equal(m.record('u', 'c1', 1000, 0), 1000)
})

t.test('unrecord takes a throttled fetch\'s bytes back', async t => {
  const m = new QuotaManager('consumer_byte_rate', W)
  m.setQuotas([clientQuota('c1', 100)], key)
  t.ok(m.record('u', 'c1', 5000, 0) > 0)
  m.unrecord('u', 'c1', 5000, 0)
  t.equal(m.record('u', 'c1', 500, 1), 0)
})

t.test('max value in a window: bound * (samples - 1) * window seconds', async t => {
  const m = new QuotaManager('consumer_byte_rate', W)
  m.setQuotas([clientQuota('c1', 100)], key)
  t.equal(m.maxValueInWindow('u', 'c1', 0), 1000)
  t.equal(m.maxValueInWindow('u', 'other', 0), Infinity)
})

t.test('idle sensors expire after an hour; memory stays bounded with many client ids', async t => {
  const m = new QuotaManager('producer_byte_rate', W, Infinity, 1000)
  m.setQuotas([clientQuota(null, 100)], key)
  for (let i = 0; i < 5000; i++) m.record('u', `client-${i}`, 1, 0)
  t.ok(m.sensorCount <= 1000, `at most maxSensors (${m.sensorCount})`)
  m.record('u', 'late', 1, INACTIVE_SENSOR_EXPIRATION_MS + 1)
  t.equal(m.sensorCount, 1, 'idle ones dropped')
})
