// The group APIs on the wire, version by version, against a real broker: what each version sends and gets,
// and __consumer_offsets itself (created compacted, records where Kafka puts them, survives a restart).
import t from 'tap'
import { RawClient } from '../../helpers/raw-client.js'
import { withBroker } from '../../helpers/broker.js'
import { metadataBody } from '../../helpers/wire.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { partitionForGroup } from '../../../src/core/groups/offsets-log.js'
import { parseRecord } from '../../../src/core/groups/records.js'
import { iterateBatches, iterateRecords } from '../../../src/protocol/records/record.js'

const GROUP_CONFIG = { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 5 }

async function createTopic (c: RawClient, name: string, partitions: number): Promise<void> {
  const r = await c.request(19, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
  if (r.topics[0].errorCode !== 0) throw new Error(`create ${name}: ${r.topics[0].errorCode}`)
}

function joinBody (o: Record<string, unknown> = {}): any {
  return {
    groupId: 'g', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('meta') }], reason: null, ...o
  }
}

function commitBody (group: string, generationId: number, memberId: string, topic: string, offsets: Array<[number, bigint, string | null]>): any {
  return {
    groupId: group, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: offsets.map(([p, o, m]) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: m })) }]
  }
}

t.test('ApiVersions advertises the group APIs with the version ranges implemented', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const r = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })
  const ranges = new Map<number, [number, number]>(r.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]))
  t.same(ranges.get(8), [0, 9], 'OffsetCommit')
  t.same(ranges.get(9), [0, 9], 'OffsetFetch')
  t.same(ranges.get(10), [0, 5], 'FindCoordinator')
  t.same(ranges.get(11), [0, 9], 'JoinGroup')
  t.same(ranges.get(12), [0, 4], 'Heartbeat')
  t.same(ranges.get(13), [0, 5], 'LeaveGroup')
  t.same(ranges.get(14), [0, 5], 'SyncGroup')
  t.same(ranges.get(15), [0, 5], 'DescribeGroups')
  t.same(ranges.get(16), [0, 4], 'ListGroups')
  t.same(ranges.get(42), [0, 2], 'DeleteGroups')
  t.same(ranges.get(47), [0, 0], 'OffsetDelete')
})

t.test('FindCoordinator: this node, for groups and transactions, one key or a batch', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const v0 = await c.request(10, 0, { key: 'g', keyType: 0, coordinatorKeys: [] })
  t.match(v0, { errorCode: 0, nodeId: b.current.broker.nodeId, host: '127.0.0.1', port: b.port })
  t.match(await c.request(10, 1, { key: 'txn', keyType: 1, coordinatorKeys: [] }), { errorCode: 0, port: b.port })
  t.match(await c.request(10, 3, { key: 'x', keyType: 7, coordinatorKeys: [] }), { errorCode: ErrorCode.INVALID_REQUEST })
  const v4 = await c.request(10, 4, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] })
  t.same(v4.coordinators.map((x: any) => [x.key, x.errorCode, x.port]), [['a', 0, b.port], ['b', 0, b.port]])
})

t.test('v0 clients: JoinGroup without MEMBER_ID_REQUIRED, SyncGroup, Heartbeat, OffsetCommit v0/v1/v2, OffsetFetch v1, LeaveGroup', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await createTopic(c, 'old', 2)
  const join = await c.request(11, 0, joinBody())
  t.match(join, { errorCode: 0, generationId: 1, protocolName: 'range' })
  t.equal(join.leader, join.memberId)
  t.same(join.members[0].metadata, Buffer.from('meta'))
  const sync = await c.request(14, 0, { groupId: 'g', generationId: 1, memberId: join.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: join.memberId, assignment: Buffer.from('mine') }] })
  t.same(sync.assignment, Buffer.from('mine'))
  t.equal((await c.request(12, 0, { groupId: 'g', generationId: 1, memberId: join.memberId, groupInstanceId: null })).errorCode, 0)
  t.equal((await c.request(12, 0, { groupId: 'g', generationId: 2, memberId: join.memberId, groupInstanceId: null })).errorCode, ErrorCode.ILLEGAL_GENERATION)
  const v2 = await c.request(8, 2, commitBody('g', 1, join.memberId, 'old', [[0, 11n, 'v2']]))
  t.equal(v2.topics[0].partitions[0].errorCode, 0)
  const v0 = await c.request(8, 0, commitBody('simple', -1, '', 'old', [[1, 3n, null]]))
  t.equal(v0.topics[0].partitions[0].errorCode, 0, 'v0 commits go to __consumer_offsets too')
  const v1 = await c.request(8, 1, commitBody('g', 1, join.memberId, 'missing-topic', [[0, 1n, null]]))
  t.equal(v1.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const f = await c.request(9, 1, { groupId: 'g', topics: [{ name: 'old', partitionIndexes: [0, 1] }], groups: [], requireStable: false })
  t.same(f.topics[0].partitions.map((p: any) => [p.committedOffset, p.metadata]), [[11n, 'v2'], [-1n, '']])
  const leave = await c.request(13, 0, { groupId: 'g', memberId: join.memberId, members: [] })
  t.equal(leave.errorCode, 0)
  const again = await c.request(13, 1, { groupId: 'g', memberId: join.memberId, members: [] })
  t.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'v0-v2 carry the member\'s error at the top level')
  t.equal((await c.request(11, 1, joinBody({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID)
  t.equal((await c.request(11, 1, joinBody({ sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT)
})

t.test('flexible clients: MEMBER_ID_REQUIRED, JoinGroup v9, SyncGroup v5, Heartbeat v4, batched LeaveGroup v5', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const first = await c.request(11, 9, joinBody({ reason: 'starting' }))
  t.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED)
  t.match(first.memberId, /^raw-test-/, 'member id starts with the client id')
  const join = await c.request(11, 9, joinBody({ memberId: first.memberId }))
  t.match(join, { errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', skipAssignment: false, leader: first.memberId })
  const bad = await c.request(14, 5, { groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] })
  t.equal(bad.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  const sync = await c.request(14, 5, { groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: Buffer.from('x') }] })
  t.match(sync, { errorCode: 0, protocolType: 'consumer', protocolName: 'range' })
  t.equal((await c.request(12, 4, { groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: null })).errorCode, 0)
  const d = await c.request(15, 5, { groups: ['g', 'nope'], includeAuthorizedOperations: true })
  t.match(d.groups[0], { groupId: 'g', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range', members: [{ memberId: first.memberId, clientId: 'raw-test', clientHost: '/127.0.0.1' }] })
  t.not(d.groups[0].authorizedOperations, -2147483648)
  t.match(d.groups[1], { groupId: 'nope', groupState: 'Dead', errorCode: 0 })
  const l = await c.request(16, 4, { statesFilter: ['stable'], typesFilter: [] })
  t.same(l.groups.map((g: any) => [g.groupId, g.groupState]), [['g', 'Stable']])
  t.same((await c.request(16, 4, { statesFilter: ['Empty'], typesFilter: [] })).groups, [])
  const leave = await c.request(13, 5, { groupId: 'g', memberId: '', members: [{ memberId: first.memberId, groupInstanceId: null, reason: 'done' }, { memberId: 'stranger', groupInstanceId: null, reason: null }] })
  t.same(leave.members.map((m: any) => [m.memberId, m.errorCode]), [[first.memberId, 0], ['stranger', ErrorCode.UNKNOWN_MEMBER_ID]])
  const after = await c.request(15, 0, { groups: ['g'], includeAuthorizedOperations: false })
  t.equal(after.groups[0].groupState, 'Empty')
  const del = await c.request(42, 2, { groupsNames: ['g', 'g', 'nope'] })
  t.same(del.results.map((r: any) => [r.groupId, r.errorCode]), [['g', 0], ['nope', ErrorCode.GROUP_ID_NOT_FOUND]])
})

t.test('OffsetFetch v7 (null = all), v8 (several groups); OffsetDelete; __consumer_offsets is compacted and internal', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await createTopic(c, 'tp', 3)
  const commit = await c.request(8, 8, commitBody('a', -1, '', 'tp', [[0, 5n, 'meta'], [2, -2n, null], [7, 1n, null]]))
  t.same(commit.topics[0].partitions.map((p: any) => p.errorCode), [0, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])
  await c.request(8, 9, commitBody('b', -1, '', 'tp', [[1, 9n, null]]))
  const all = await c.request(9, 7, { groupId: 'a', topics: null, groups: [], requireStable: true })
  t.same(all.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset]).sort(), [[0, 5n], [2, -2n]])
  const multi = await c.request(9, 8, { groupId: '', topics: null, requireStable: false, groups: [
    { groupId: 'a', memberId: null, memberEpoch: -1, topics: [{ name: 'tp', partitionIndexes: [0, 1] }] },
    { groupId: 'b', memberId: null, memberEpoch: -1, topics: null }
  ] })
  t.same(multi.groups.map((g: any) => [g.groupId, g.errorCode, g.topics[0].partitions.map((p: any) => p.committedOffset)]), [['a', 0, [5n, -1n]], ['b', 0, [9n]]])

  const del = await c.request(47, 0, { groupId: 'a', topics: [{ name: 'tp', partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] })
  t.same(del.topics[0].partitions.map((p: any) => [p.partitionIndex, p.errorCode]), [[0, 0]], 'partitions without an offset are left out')
  t.equal((await c.request(47, 0, { groupId: 'zzz', topics: [] })).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

  const broker = b.current.broker
  const topic = broker.core.topics.get('__consumer_offsets')
  t.equal(topic?.partitions, 5, 'offsets.topic.num.partitions')
  t.equal(topic?.configs['cleanup.policy'], 'compact')
  const meta = await c.request(3, 1, metadataBody(null))
  t.equal(meta.topics.find((x: any) => x.name === '__consumer_offsets')?.isInternal, true)
  const log = broker.core.topics.log('__consumer_offsets', partitionForGroup('a', 5))
  const read = await log!.read(0, 1 << 20, { minOneBatch: true, maxOffset: log!.logEndOffset })
  const records = read.batches.flatMap(buf => [...iterateBatches(buf)].flatMap(({ pos }) => [...iterateRecords(buf, pos)]))
  t.match(records.map(r => parseRecord(r.key, r.value)), [
    { type: 'offset', group: 'a', topic: 'tp', partition: 0, value: { offset: 5n, metadata: 'meta' } },
    { type: 'offset', group: 'a', topic: 'tp', partition: 2, value: { offset: -2n } },
    { type: 'offset', group: 'a', topic: 'tp', partition: 0, value: null }
  ], 'group a\'s commits and tombstone in partition abs(hash("a")) % 5')
})

t.test('committed offsets and groups survive a restart', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  let c = await RawClient.connect(b.port)
  await createTopic(c, 'keep', 1)
  const join = await c.request(11, 5, joinBody({ groupInstanceId: 'static-1' }))
  await c.request(14, 3, { groupId: 'g', generationId: join.generationId, memberId: join.memberId, groupInstanceId: 'static-1', protocolType: null, protocolName: null, assignments: [{ memberId: join.memberId, assignment: Buffer.from('A') }] })
  await c.request(8, 7, { ...commitBody('g', join.generationId, join.memberId, 'keep', [[0, 77n, 'before restart']]), groupInstanceId: 'static-1' })
  c.close()
  await b.restart()
  c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  let f: any
  for (let i = 0; i < 50; i++) {
    f = await c.request(9, 4, { groupId: 'g', topics: [{ name: 'keep', partitionIndexes: [0] }], groups: [], requireStable: false })
    if (f.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.match(f.topics[0].partitions[0], { committedOffset: 77n, metadata: 'before restart' })
  const d = await c.request(15, 4, { groups: ['g'], includeAuthorizedOperations: false })
  t.match(d.groups[0], { groupState: 'Stable', members: [{ memberId: join.memberId, groupInstanceId: 'static-1' }] }, 'the static member is restored')
  t.equal((await c.request(12, 3, { groupId: 'g', generationId: join.generationId, memberId: join.memberId, groupInstanceId: 'static-1' })).errorCode, 0, 'and may carry on heartbeating')
})

t.test('DeleteTopics removes the group offsets of the topic', async t => {
  const b = await withBroker(t, { config: GROUP_CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await createTopic(c, 'doomed', 1)
  await c.request(8, 8, commitBody('g', -1, '', 'doomed', [[0, 3n, null]]))
  const del = await c.request(20, 4, { topicNames: ['doomed'], topics: [], timeoutMs: 5000 })
  t.equal(del.responses[0].errorCode, 0)
  await createTopic(c, 'doomed', 1)
  const f = await c.request(9, 4, { groupId: 'g', topics: [{ name: 'doomed', partitionIndexes: [0] }], groups: [], requireStable: false })
  t.equal(f.topics[0].partitions[0].committedOffset, -1n, 'a recreated topic does not inherit the old offsets')
})
