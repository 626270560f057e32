// Routing in a multi-broker cluster: a fake bootstrap broker (node 1) reports two real Samsa brokers as the
// leaders of a topic's partitions (node 2 leads partition 0, node 3 partition 1) and node 3 as the group
// coordinator. Produce, Fetch and ListOffsets must go to each partition's leader, group requests to the
// coordinator. Also: topic configs are altered with IncrementalAlterConfigs when the broker has it, with a
// read-modify-write AlterConfigs when it has only that, and refused clearly when it has neither.
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { Cluster, parseBrokers } from '../../src/client/cluster.js'
import { Producer } from '../../src/client/producer.js'
import { Fetcher } from '../../src/client/fetcher.js'
import { LATEST_TIMESTAMP, listOffsets } from '../../src/client/offsets.js'
import { commitOffsets, committedOffsets } from '../../src/client/groups.js'
import { alterTopicConfigs, createTopic } from '../../src/client/admin.js'
import { FakeBroker, metadataBody } from './fake-broker.js'

t.test('partition requests go to the leader, group requests to the coordinator', async t => {
  const two = await withBroker(t, { config: { 'node.id': 2 } })
  const three = await withBroker(t, { config: { 'node.id': 3, 'num.partitions': 2 } })
  for (const b of [two, three]) {
    const direct = new Cluster({ brokers: parseBrokers(b.brokers[0]!) })
    await createTopic(direct, { name: 'routed' }) // node 2: partition 0; node 3: partitions 0 and 1
    await direct.close()
  }
  const brokers = (fakePort: number): Array<{ nodeId: number, port: number }> => [{ nodeId: 1, port: fakePort }, { nodeId: 2, port: two.port }, { nodeId: 3, port: three.port }]
  let fake: FakeBroker | null = null
  fake = await FakeBroker.start(new Map<number, any>([
    [3, { max: 9, handle: () => metadataBody(brokers(fake!.port), [{ name: 'routed', leaders: [2, 3] }]) }],
    [10, { handle: () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 3, host: '127.0.0.1', port: three.port, coordinators: [{ key: 'g', nodeId: 3, host: '127.0.0.1', port: three.port, errorCode: 0, errorMessage: null }] }) }]
  ]))
  t.teardown(() => fake!.close())
  const cluster = new Cluster({ brokers: parseBrokers(fake.address) })
  t.teardown(() => cluster.close())

  const producer = new Producer(cluster, 'routed')
  const produced = await producer.send([
    { key: null, value: Buffer.from('to-p0-a'), partition: 0 },
    { key: null, value: Buffer.from('to-p1'), partition: 1 },
    { key: null, value: Buffer.from('to-p0-b'), partition: 0 }
  ])
  t.same(produced.map(p => [p.partition, p.baseOffset, p.count]), [[0, 0, 2], [1, 0, 1]])
  t.same((await fetchRecords(two.port, 'routed', 0)).records.map(r => r.valueString), ['to-p0-a', 'to-p0-b'], 'partition 0 written on node 2')
  t.same((await fetchRecords(three.port, 'routed', 1)).records.map(r => r.valueString), ['to-p1'], 'partition 1 written on node 3')
  t.equal((await fetchRecords(three.port, 'routed', 0)).records.length, 0, 'nothing of partition 0 on node 3')
  t.notOk(fake.received.some(r => r.apiKey === 0), 'no Produce reached the bootstrap broker')

  const ends = await listOffsets(cluster, 'routed', [0, 1], LATEST_TIMESTAMP)
  t.same([ends.get(0)!.offset, ends.get(1)!.offset], [2, 1], 'ListOffsets answered by each leader')

  const fetcher = new Fetcher(cluster, 'routed', { maxWaitMs: 50 })
  fetcher.assign(new Map([[0, 0], [1, 0]]))
  const got = await fetcher.poll()
  t.same(got.map(r => `${r.partition}@${r.offset}=${r.value!.toString()}`).sort(), ['0@0=to-p0-a', '0@1=to-p0-b', '1@0=to-p1'], 'fetched from both leaders (Fetch v12 by name: no topic id in metadata)')
  t.same([fetcher.positions.get(0), fetcher.positions.get(1)], [2, 1])

  const coordinator = await cluster.coordinator('g')
  t.equal(coordinator.nodeId, 3)
  t.equal(coordinator.conn.port, three.port)
  await commitOffsets(cluster, 'g', 'routed', new Map([[1, 1]]))
  const direct = new Cluster({ brokers: parseBrokers(three.brokers[0]!) })
  t.teardown(() => direct.close())
  t.same(await committedOffsets(direct, 'g', null), [{ topic: 'routed', partition: 1, offset: 1, metadata: '' }], 'the commit reached the coordinator')
  t.notOk(fake.received.some(r => r.apiKey === 8), 'no OffsetCommit reached the bootstrap broker')
})

t.test('alter configs: incremental, replace-all fallback, or a clear refusal', async t => {
  const describe = (): unknown => ({
    throttleTimeMs: 0,
    results: [{
      errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't',
      configs: [
        { name: 'retention.ms', value: '1000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: [], configType: 5, documentation: null },
        { name: 'max.message.bytes', value: '2000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: [], configType: 3, documentation: null },
        { name: 'cleanup.policy', value: 'delete', readOnly: false, isDefault: true, configSource: 5, isSensitive: false, synonyms: [], configType: 7, documentation: null }
      ]
    }]
  })
  const ok = (version: number, body: any): unknown => ({ throttleTimeMs: 0, responses: body.resources.map((r: any) => ({ errorCode: 0, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) })

  const incremental = await FakeBroker.start(new Map<number, any>([[44, { handle: ok }], [33, { handle: ok }], [32, { handle: describe }]]))
  t.teardown(() => incremental.close())
  let cluster = new Cluster({ brokers: parseBrokers(incremental.address) })
  t.equal(await alterTopicConfigs(cluster, 't', { set: { 'cleanup.policy': 'compact' }, delete: ['retention.ms'] }), 'incremental')
  await cluster.close()
  const inc = incremental.received.find(r => r.apiKey === 44)!
  t.same(inc.body.resources[0].configs, [
    { name: 'cleanup.policy', configOperation: 0, value: 'compact' },
    { name: 'retention.ms', configOperation: 1, value: null }
  ], 'SET and DELETE of single keys')

  const legacy = await FakeBroker.start(new Map<number, any>([[33, { handle: ok }], [32, { handle: describe }]]))
  t.teardown(() => legacy.close())
  cluster = new Cluster({ brokers: parseBrokers(legacy.address) })
  t.equal(await alterTopicConfigs(cluster, 't', { set: { 'cleanup.policy': 'compact' }, delete: ['retention.ms'] }), 'replace')
  await cluster.close()
  const full = legacy.received.find(r => r.apiKey === 33)!
  t.same(full.body.resources[0].configs, [
    { name: 'max.message.bytes', value: '2000' },
    { name: 'cleanup.policy', value: 'compact' }
  ], 'AlterConfigs gets the whole merged set: other overrides kept, the deleted one dropped')

  const neither = await FakeBroker.start(new Map<number, any>([[32, { handle: describe }]]))
  t.teardown(() => neither.close())
  cluster = new Cluster({ brokers: parseBrokers(neither.address) })
  await t.rejects(alterTopicConfigs(cluster, 't', { set: { a: 'b' }, delete: [] }), {
    name: 'UnsupportedApiError',
    message: `broker ${neither.address} does not support IncrementalAlterConfigs (api key 44) nor AlterConfigs (api key 33): topic configs cannot be changed on it`
  })
  await cluster.close()
})
