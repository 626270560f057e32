// log.partitions.max (issue 11, finding 1): CreateTopics, CreatePartitions and Metadata auto-creation that would
// take the broker past the limit are refused with POLICY_VIOLATION naming it, before anything is created (no
// directory, no registry entry), validateOnly included; concurrent creations cannot pass it together. Before
// the limit any count was accepted: 100,000 partitions in one request exhausted the broker's descriptors.
import t from 'tap'
import { readdirSync } from 'node:fs'
import { ErrorCode } from '../../src/protocol/errors.js'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { metadataBody } from '../helpers/wire.js'

const create = (name: string, numPartitions: number): any => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })

t.test('CreateTopics, CreatePartitions and auto-creation stop at log.partitions.max', async t => {
  const b = await withBroker(t, { config: { 'log.partitions.max': 10 } })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const dirs = (prefix: string): string[] => readdirSync(b.dataDir).filter(f => f.startsWith(prefix + '-'))

  let res = await c.request(19, 7, { topics: [create('a', 6)], timeoutMs: 5000, validateOnly: false })
  t.equal(res.topics[0].errorCode, 0, 'within the limit')

  res = await c.request(19, 7, { topics: [create('b', 5)], timeoutMs: 5000, validateOnly: true })
  t.equal(res.topics[0].errorCode, ErrorCode.POLICY_VIOLATION, 'validateOnly is refused too')
  res = await c.request(19, 7, { topics: [create('b', 5)], timeoutMs: 5000, validateOnly: false })
  t.equal(res.topics[0].errorCode, ErrorCode.POLICY_VIOLATION)
  t.match(res.topics[0].errorMessage, /would bring the broker to 11 partitions, above its limit log\.partitions\.max=10 \(6 exist\)/)
  t.same(dirs('b'), [], 'nothing created')

  res = await c.request(19, 7, { topics: [create('c', 3), create('d', 3)], timeoutMs: 5000, validateOnly: false })
  t.same(res.topics.map((x: any) => x.errorCode), [0, ErrorCode.POLICY_VIOLATION], 'the first fits, the second does not')
  t.same(dirs('d'), [])

  const grow = await c.request(37, 3, { topics: [{ name: 'a', count: 8, assignments: null }], timeoutMs: 5000, validateOnly: false })
  t.equal(grow.results[0].errorCode, ErrorCode.POLICY_VIOLATION, 'CreatePartitions past the limit')
  t.match(grow.results[0].errorMessage, /growing topic 'a' from 6 to 8 partitions .*log\.partitions\.max=10/)
  t.same(dirs('a').length, 6, 'no partition added')

  let md = await c.request(3, 9, metadataBody(['e']))
  t.equal(md.topics[0].errorCode, 0, 'auto-creation of a 1-partition topic reaches exactly 10')
  md = await c.request(3, 9, metadataBody(['f']))
  t.equal(md.topics[0].errorCode, ErrorCode.POLICY_VIOLATION, 'the next auto-creation is refused')
  t.same(dirs('f'), [])

  const del = await c.request(20, 6, { topics: [{ name: 'a', topicId: '00000000-0000-0000-0000-000000000000' }], topicNames: [], timeoutMs: 5000 })
  t.equal(del.responses[0].errorCode, 0)
  // two connections creating at once: 4 + 4 > 6 free, so exactly one of them passes
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  const [x, y] = await Promise.all([
    c.request(19, 7, { topics: [create('x', 4)], timeoutMs: 5000, validateOnly: false }),
    c2.request(19, 7, { topics: [create('y', 4)], timeoutMs: 5000, validateOnly: false })
  ])
  t.same([x.topics[0].errorCode, y.topics[0].errorCode].sort(), [0, ErrorCode.POLICY_VIOLATION], 'concurrent creations cannot pass the limit together')
  t.equal(dirs('x').length + dirs('y').length, 4)
})
