// Kafka's eight-level quota precedence (DefaultQuotaCallback) and which clients share one measurement.
import t from 'tap'
import { QuotaManager } from '../../../src/core/quotas/quota-manager.js'
import { CLIENT_ID, USER, userClientKey, type QuotaEntity } from '../../../src/core/quotas/entity.js'

const W = { samples: 11, windowMs: 1000 }

function key (e: QuotaEntity): string {
  const u = e.find(c => c.type === USER)
  const c = e.find(c => c.type === CLIENT_ID)
  return userClientKey(u?.name, c?.name)
}

function entity (user: string | null | undefined, clientId: string | null | undefined): QuotaEntity {
  const out: Array<{ type: typeof USER | typeof CLIENT_ID, name: string | null }> = []
  if (user !== undefined) out.push({ type: USER, name: user })
  if (clientId !== undefined) out.push({ type: CLIENT_ID, name: clientId })
  return out
}

const LEVELS: Array<[string | null | undefined, string | null | undefined]> = [
  ['alice', 'c1'], ['alice', null], ['alice', undefined], [null, 'c1'], [null, null], [null, undefined], [undefined, 'c1'], [undefined, null]
]

t.test('the most specific of the eight entities applies, in Kafka\'s order', async t => {
  for (let level = 0; level < LEVELS.length; level++) {
    const m = new QuotaManager('producer_byte_rate', W)
    // every level from this one down is set; the value names the level
    m.setQuotas(LEVELS.slice(level).map(([u, c], i) => ({ entity: entity(u, c), value: level + i + 1 })), key)
    t.equal(m.quotaFor('alice', 'c1'), level + 1, `level ${level + 1} (${JSON.stringify(LEVELS[level])}) wins over the ones below`)
  }
})

t.test('no matching entity: no quota', async t => {
  const m = new QuotaManager('producer_byte_rate', W)
  t.equal(m.enabled, false)
  m.setQuotas([{ entity: entity('bob', undefined), value: 5 }], key)
  t.equal(m.enabled, true)
  t.equal(m.quotaFor('alice', 'c1'), null)
  t.equal(m.quotaFor('bob', 'c1'), 5)
  t.equal(m.quotaFor('ANONYMOUS', 'c1'), null)
})

t.test('a user quota is shared by all client ids of the user; a client-id quota is per client id', async t => {
  const m = new QuotaManager('producer_byte_rate', W)
  m.setQuotas([{ entity: entity('alice', undefined), value: 100 }, { entity: entity(undefined, 'c9'), value: 100 }], key)
  // alice with two client ids: one measurement
  t.equal(m.record('alice', 'a', 1000, 0), 0)
  t.ok(m.record('alice', 'b', 1000, 0) > 0, 'the second client id of alice sees the first one\'s bytes')
  // client id c9 for two users that have no user quota
  t.equal(m.record('bob', 'c9', 1000, 0), 0)
  t.ok(m.record('carol', 'c9', 1000, 0) > 0, 'c9 is measured across users')
  t.equal(m.record('dave', 'other', 100_000, 0), 0, 'no quota for dave/other')
})

t.test('the default user quota applies to ANONYMOUS (PLAINTEXT clients), as in Kafka', async t => {
  const m = new QuotaManager('producer_byte_rate', W)
  m.setQuotas([{ entity: entity(null, undefined), value: 10 }], key)
  t.equal(m.quotaFor('ANONYMOUS', ''), 10)
})

t.test('a changed quota applies to existing sensors', async t => {
  const m = new QuotaManager('producer_byte_rate', W)
  m.setQuotas([{ entity: entity(undefined, 'c1'), value: 100 }], key)
  t.equal(m.record('u', 'c1', 500, 0), 0)
  m.setQuotas([{ entity: entity(undefined, 'c1'), value: 10 }], key)
  t.ok(m.record('u', 'c1', 1, 0) > 0)
  m.setQuotas([], key)
  t.equal(m.record('u', 'c1', 10_000, 0), 0, 'removed: no throttle')
  t.equal(m.enabled, true, 'enabled stays true until restart (Kafka)')
})
