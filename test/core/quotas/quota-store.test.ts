// The durable quota store: Kafka's validation of alterations, validate_only, describe filters (strict and not),
// and that quotas survive a restart.
import t from 'tap'
import { mkdtempSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClientQuotas } from '../../../src/core/quotas/client-quotas.js'

const W = { samples: 11, windowMs: 1000 }
const ipValid = async (name: string): Promise<boolean> => /^[0-9.]+$/.test(name)

const dirs: string[] = []
t.teardown(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

async function open (dataDir = mkdtempSync(join(tmpdir(), 'samsa-quotas-'))): Promise<{ q: ClientQuotas, dataDir: string }> {
  dirs.push(dataDir)
  return { q: await ClientQuotas.openWith({ dataDir, window: W, ipValid }), dataDir }
}

const client = (name: string | null): Array<{ entityType: string, entityName: string | null }> => [{ entityType: 'client-id', entityName: name }]
const user = (name: string | null): Array<{ entityType: string, entityName: string | null }> => [{ entityType: 'user', entityName: name }]

t.test('alter then describe; quotas survive a restart', async t => {
  const { q, dataDir } = await open()
  t.equal(q.anyEnabled, false)
  const r = await q.alter([
    { entity: client('c1'), ops: [{ key: 'producer_byte_rate', value: 1024 }] },
    { entity: [...user('alice'), ...client(null)], ops: [{ key: 'consumer_byte_rate', value: 2048 }, { key: 'request_percentage', value: 12.5 }] }
  ], false)
  t.same(r.map(x => x.error), [null, null])
  t.equal(q.anyEnabled, true)
  t.ok(existsSync(join(dataDir, 'samsa-client-quotas.msgpack')))
  const again = await ClientQuotas.openWith({ dataDir, window: W, ipValid })
  const all = again.describe([], false)
  t.ok(Array.isArray(all))
  t.same((all as any[]).map(e => [e.entity, Object.fromEntries(e.values)]), [
    [[{ type: 'client-id', name: 'c1' }], { producer_byte_rate: 1024 }],
    [[{ type: 'user', name: 'alice' }, { type: 'client-id', name: null }], { consumer_byte_rate: 2048, request_percentage: 12.5 }]
  ])
  t.equal(again.produce.quotaFor('ANONYMOUS', 'c1'), 1024)
  t.equal(again.fetch.quotaFor('alice', 'x'), 2048)
})

t.test('removing the last key removes the entity', async t => {
  const { q } = await open()
  await q.alter([{ entity: client('c1'), ops: [{ key: 'producer_byte_rate', value: 10 }] }], false)
  await q.alter([{ entity: client('c1'), ops: [{ key: 'producer_byte_rate', value: null }] }], false)
  t.same(q.describe([], false), [])
  t.equal(q.produce.quotaFor('u', 'c1'), null)
})

t.test('validate_only checks and changes nothing', async t => {
  const { q } = await open()
  const r = await q.alter([{ entity: client('c1'), ops: [{ key: 'producer_byte_rate', value: 10 }] }], true)
  t.same(r.map(x => x.error), [null])
  t.same(q.describe([], false), [])
  t.equal(q.anyEnabled, false)
})

t.test('Kafka\'s validation messages, each refusing only its entity', async t => {
  const { q } = await open()
  const cases: Array<[any, string]> = [
    [{ entity: [], ops: [] }, 'Invalid empty client quota entity'],
    [{ entity: [{ entityType: 'group', entityName: 'g' }], ops: [] }, 'Unhandled client quota entity type: group'],
    [{ entity: client(''), ops: [] }, 'Empty client-id not supported'],
    [{ entity: [...client('a'), ...client('b')], ops: [] }, 'Invalid client quota entity, duplicate entity entry client-id'],
    [{ entity: client('k1'), ops: [{ key: 'nope', value: 1 }] }, 'Invalid configuration key nope'],
    [{ entity: client('k2'), ops: [{ key: 'producer_byte_rate', value: 0 }] }, 'Quota producer_byte_rate must be greater than 0'],
    [{ entity: client('k3'), ops: [{ key: 'producer_byte_rate', value: 1.5 }] }, 'producer_byte_rate cannot be a fractional value.'],
    [{ entity: client('k4'), ops: [{ key: 'connection_creation_rate', value: 5 }] }, 'Invalid configuration key connection_creation_rate'],
    [{ entity: [{ entityType: 'ip', entityName: '1.2.3.4' }], ops: [{ key: 'producer_byte_rate', value: 5 }] }, 'Invalid configuration key producer_byte_rate'],
    [{ entity: [{ entityType: 'ip', entityName: 'no.such.host' }], ops: [{ key: 'connection_creation_rate', value: 5 }] }, 'no.such.host is not a valid IP or resolvable host.'],
    [{ entity: [{ entityType: 'ip', entityName: '1.2.3.4' }, ...user('u')], ops: [] }, 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'],
    [{ entity: [{ entityType: 'ip', entityName: '1.2.3.4' }], ops: [{ key: 'connection_creation_rate', value: 3e9 }] }, 'Proposed value for connection_creation_rate is too large for an INT.'],
    [{ entity: client('k5'), ops: [{ key: 'producer_byte_rate', value: 1 }, { key: 'producer_byte_rate', value: 2 }] }, 'Duplicate quota key producer_byte_rate']
  ]
  for (const [alteration, message] of cases) {
    const [r] = await q.alter([alteration, { entity: client('fine'), ops: [{ key: 'request_percentage', value: 50 }] }], false)
    t.ok(r.error?.startsWith(message), `${JSON.stringify(alteration)}: ${r.error ?? 'no error'}`)
  }
  t.same((q.describe([], false) as any[]).map(e => e.entity), [[{ type: 'client-id', name: 'fine' }]], 'only the valid entity was applied')
  const ok = await q.alter([
    { entity: [{ entityType: 'ip', entityName: '1.2.3.4' }], ops: [{ key: 'connection_creation_rate', value: 5 }] },
    { entity: [{ entityType: 'ip', entityName: null }], ops: [{ key: 'connection_creation_rate', value: 50 }] },
    { entity: user('u'), ops: [{ key: 'controller_mutation_rate', value: 0.5 }] }
  ], false)
  t.same(ok.map(x => x.error), [null, null, null], 'ip and controller mutation quotas are stored')
})

t.test('describe: exact, default, specified; strict; bad filters', async t => {
  const { q } = await open()
  await q.alter([
    { entity: user('alice'), ops: [{ key: 'producer_byte_rate', value: 1 }] },
    { entity: user(null), ops: [{ key: 'producer_byte_rate', value: 2 }] },
    { entity: [...user('alice'), ...client('c1')], ops: [{ key: 'producer_byte_rate', value: 3 }] },
    { entity: client('c1'), ops: [{ key: 'producer_byte_rate', value: 4 }] }
  ], false)
  const values = (r: any): number[] => (r as any[]).map(e => e.values.get('producer_byte_rate')).sort()
  t.same(values(q.describe([{ entityType: 'user', matchType: 0, match: 'alice' }], false)), [1, 3], 'non-strict: every entity with user alice')
  t.same(values(q.describe([{ entityType: 'user', matchType: 0, match: 'alice' }], true)), [1], 'strict: only user alice alone')
  t.same(values(q.describe([{ entityType: 'user', matchType: 1, match: null }], false)), [2], 'default user')
  t.same(values(q.describe([{ entityType: 'user', matchType: 2, match: null }], false)), [1, 2, 3], 'any user')
  t.same(values(q.describe([{ entityType: 'client-id', matchType: 2, match: null }], true)), [4], 'strict: client-id alone')
  t.same(q.describe([{ entityType: 'user', matchType: 0, match: null }], false), { code: 'INVALID_REQUEST', message: 'Request specified MATCH_TYPE_EXACT, but set match string to null.' })
  t.same(q.describe([{ entityType: 'user', matchType: 1, match: 'x' }], false), { code: 'INVALID_REQUEST', message: 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.' })
  t.same(q.describe([{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], false), { code: 'INVALID_REQUEST', message: 'Entity type user cannot appear more than once in the filter.' })
  t.same(q.describe([{ entityType: 'topic', matchType: 2, match: null }], false), { code: 'UNSUPPORTED_VERSION', message: 'Unsupported entity type topic' })
  t.same(q.describe([{ entityType: 'user', matchType: 7, match: null }], false), { code: 'INVALID_REQUEST', message: 'Unknown match type 7' })
  t.match(q.describe([{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], false), { code: 'INVALID_REQUEST' })
})
