// DescribeClientQuotas (48) and AlterClientQuotas (49) on the wire, v0 and v1: set, describe (strict and not),
// remove, validate_only, Kafka's per-entity errors, bad filters, and durability across a restart.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'

const op = (key: string, value: number, remove = false): any => ({ key, value, remove })
const ent = (...pairs: Array<[string, string | null]>): any[] => pairs.map(([entityType, entityName]) => ({ entityType, entityName }))

for (const version of [0, 1]) {
  t.test(`alter and describe, v${version}`, async t => {
    const b = await withBroker(t)
    let c = await RawClient.connect(b.port)
    t.teardown(() => c.close())
    const alter = await c.request(49, version, {
      entries: [
        { entity: ent(['client-id', 'c1']), ops: [op('producer_byte_rate', 1024)] },
        { entity: ent(['user', 'alice'], ['client-id', null]), ops: [op('consumer_byte_rate', 2048), op('request_percentage', 50)] },
        { entity: ent(['user', null]), ops: [op('producer_byte_rate', 1.5)] },
        { entity: ent(['topic', 'x']), ops: [op('producer_byte_rate', 1)] }
      ],
      validateOnly: false
    })
    t.same(alter.entries.map((e: any) => [e.errorCode, e.errorMessage]), [
      [0, null],
      [0, null],
      [ErrorCode.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.'],
      [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: topic']
    ])
    t.same(alter.entries[1].entity, ent(['user', 'alice'], ['client-id', null]), 'each entity answered with its components')

    const all = await c.request(48, version, { components: [], strict: false })
    t.equal(all.errorCode, 0)
    t.same(all.entries.map((e: any) => [e.entity, e.values]), [
      [ent(['client-id', 'c1']), [{ key: 'producer_byte_rate', value: 1024 }]],
      [ent(['user', 'alice'], ['client-id', null]), [{ key: 'consumer_byte_rate', value: 2048 }, { key: 'request_percentage', value: 50 }]]
    ])
    const strictUser = await c.request(48, version, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: true })
    t.same(strictUser.entries, [], 'strict: no entity is user alice alone')
    const anyUser = await c.request(48, version, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false })
    t.equal(anyUser.entries.length, 1, 'non-strict: user alice with the default client id')
    const defaultClient = await c.request(48, version, { components: [{ entityType: 'client-id', matchType: 1, match: null }], strict: false })
    t.equal(defaultClient.entries.length, 1)

    const bad = await c.request(48, version, { components: [{ entityType: 'group', matchType: 2, match: null }], strict: false })
    t.equal(bad.errorCode, ErrorCode.UNSUPPORTED_VERSION)
    t.equal(bad.errorMessage, 'Unsupported entity type group')
    t.equal(bad.entries, null)
    const bad2 = await c.request(48, version, { components: [{ entityType: 'user', matchType: 0, match: null }], strict: false })
    t.equal(bad2.errorCode, ErrorCode.INVALID_REQUEST)

    const dry = await c.request(49, version, { entries: [{ entity: ent(['client-id', 'c2']), ops: [op('producer_byte_rate', 5)] }], validateOnly: true })
    t.equal(dry.entries[0].errorCode, 0)
    const afterDry = await c.request(48, version, { components: [{ entityType: 'client-id', matchType: 0, match: 'c2' }], strict: false })
    t.same(afterDry.entries, [], 'validate_only changed nothing')

    const removed = await c.request(49, version, { entries: [{ entity: ent(['client-id', 'c1']), ops: [op('producer_byte_rate', 0, true)] }], validateOnly: false })
    t.equal(removed.entries[0].errorCode, 0, 'remove ignores the value')

    c.close()
    await b.restart()
    c = await RawClient.connect(b.port)
    const kept = await c.request(48, version, { components: [], strict: false })
    t.same(kept.entries.map((e: any) => e.entity), [ent(['user', 'alice'], ['client-id', null])], 'survives a restart; the removed one stays removed')
  })
}
