// Committed offsets: who may commit when, what is stored and returned, durability, deletion, expiration,
// and the rebuild of groups and offsets from __consumer_offsets at start.
import t from 'tap'
import { ErrorCode } from '../../../src/protocol/errors.js'
import type { CommitRequest } from '../../../src/core/groups/offset-manager.js'
import { groupMetadataRecord, parseRecord } from '../../../src/core/groups/records.js'
import { MemoryOffsetsLog } from '../../../src/core/groups/offsets-log.js'
import { ManualClock } from '../../../src/core/groups/clock.js'
import { SESSION, heartbeat, joinNew, joinReq, settle, setup, stableGroup, subscription, syncReq, track, type Setup } from './setup.js'

const exists = (): number => ErrorCode.NONE

function commitReq (o: Partial<CommitRequest> & { offsets?: Array<[string, number, bigint, (string | null)?]> } = {}): CommitRequest {
  const byTopic = new Map<string, CommitRequest['topics'][number]>()
  for (const [topic, partition, offset, metadata] of o.offsets ?? [['t', 0, 5n, 'meta']]) {
    let e = byTopic.get(topic)
    if (e === undefined) byTopic.set(topic, e = { name: topic, partitions: [] })
    e.partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: metadata ?? null })
  }
  return { groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, topics: [...byTopic.values()], ...o }
}

async function commitCodes (s: Setup, o: Parameters<typeof commitReq>[0]): Promise<number[]> {
  const r = await s.coord.commitOffsets(commitReq(o), exists)
  return r.flatMap(tp => tp.partitions.map(p => p.errorCode))
}

t.test('a simple commit (generation -1) creates an Empty group; offsets, negative offsets and metadata round-trip', async t => {
  const s = await setup()
  t.same(await commitCodes(s, { offsets: [['t', 0, 5n, 'meta'], ['t', 1, -1n, null], ['u', 0, -2n, '']] }), [0, 0, 0])
  t.equal(s.coord.describe('g').groupState, 'Empty')
  const all = s.coord.fetchOffsets('g', null)
  t.equal(all.errorCode, 0)
  t.same(all.topics.map(x => x.name).sort(), ['t', 'u'], 'null topics = every offset of the group')
  const some = s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1, 2] }, { name: 'never', partitionIndexes: [0] }])
  t.same(some.topics, [
    { name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: 3, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }
    ] },
    { name: 'never', partitions: [{ partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }
  ], 'every requested partition answered; -1 and empty metadata where nothing is committed')
  t.equal(s.coord.fetchOffsets('g', [{ name: 'u', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -2n, 'kafkajs resetOffsets\' -2 comes back as is')
  t.same(s.coord.fetchOffsets('unknown-group', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -1n, 'unknown group: -1, no error')
  t.equal(s.coord.fetchOffsets('', null).errorCode, 0, 'the empty group id is allowed for offsets')
  const rec = parseRecord(s.log.records[0].key, s.log.records[0].value)
  t.match(rec, { type: 'offset', group: 'g', topic: 't', partition: 0, value: { offset: 5n, leaderEpoch: 3, metadata: 'meta', expireTimestamp: -1n } }, 'stored as an OffsetCommit record')
})

t.test('member commits: current generation accepted in Stable and PreparingRebalance (kafkajs commits before rejoining)', async t => {
  const s = await setup()
  const { ids: [a, b] } = await stableGroup(s, 2)
  t.same(await commitCodes(s, { generationId: 1, memberId: a }), [0], 'Stable')
  await joinNew(s.coord) // a new member: PreparingRebalance
  t.equal(heartbeat(s.coord, b, 1), ErrorCode.REBALANCE_IN_PROGRESS)
  t.same(await commitCodes(s, { generationId: 1, memberId: b, offsets: [['t', 1, 9n]] }), [0], 'the member of the generation being replaced may still commit')
  t.equal(s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [1] }]).topics[0].partitions[0].committedOffset, 9n)
  t.same(await commitCodes(s, { generationId: 0, memberId: b }), [ErrorCode.ILLEGAL_GENERATION])
  t.same(await commitCodes(s, { generationId: 1, memberId: 'stranger' }), [ErrorCode.UNKNOWN_MEMBER_ID])
  t.same(await commitCodes(s, { generationId: -1, memberId: '' }), [ErrorCode.UNKNOWN_MEMBER_ID], 'no simple commits into a group with members')
  s.coord.join(joinReq({ memberId: a })).catch(() => {})
  s.coord.join(joinReq({ memberId: b })).catch(() => {})
  await settle()
  t.equal(s.coord.describe('g').groupState, 'CompletingRebalance')
  t.same(await commitCodes(s, { generationId: 2, memberId: a }), [ErrorCode.REBALANCE_IN_PROGRESS], 'not while the assignment is being made')
  t.same(await commitCodes(s, { generationId: 1, memberId: a }), [ErrorCode.ILLEGAL_GENERATION], 'the old generation is gone once the join phase ended')
})

t.test('commit to an unknown group with a generation: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9', async t => {
  const s = await setup()
  t.same(await commitCodes(s, { generationId: 3, memberId: 'm', apiVersion: 8 }), [ErrorCode.ILLEGAL_GENERATION])
  t.same(await commitCodes(s, { generationId: 3, memberId: 'm', apiVersion: 9 }), [ErrorCode.GROUP_ID_NOT_FOUND])
})

t.test('static member commits: a stale member id for the instance is fenced', async t => {
  const s = await setup()
  const a = track(s.coord.join(joinReq({ groupInstanceId: 'i', requireKnownMemberId: false })))
  s.clock.advance(0)
  await settle()
  const id = a.value?.memberId as string
  await s.coord.sync({ ...syncReq(id, 1), groupInstanceId: 'i' })
  await settle()
  t.same(await commitCodes(s, { generationId: 1, memberId: id, groupInstanceId: 'i' }), [0])
  t.same(await commitCodes(s, { generationId: 1, memberId: 'old', groupInstanceId: 'i' }), [ErrorCode.FENCED_INSTANCE_ID])
})

t.test('per-partition errors: unknown partitions and metadata over offset.metadata.max.bytes', async t => {
  const s = await setup({ offsetMetadataMaxBytes: 10 })
  const r = await s.coord.commitOffsets(commitReq({ offsets: [['t', 0, 1n, 'short'], ['t', 1, 1n, 'x'.repeat(11)], ['gone', 0, 1n]] }),
    topic => topic === 'gone' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE)
  t.same(r, [
    { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }] },
    { name: 'gone', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }
  ])
  t.equal(s.log.records.length, 1, 'only the valid partition was written')
})

t.test('a commit is answered, and visible, only once durable; a failed write is COORDINATOR_NOT_AVAILABLE and invisible', async t => {
  const s = await setup()
  s.log.hold = true
  const c = track(s.coord.commitOffsets(commitReq({ offsets: [['t', 0, 42n]] }), exists))
  await settle()
  t.notOk(c.done, 'not answered before durable')
  t.equal(s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -1n, 'not visible yet')
  s.log.release()
  await settle()
  t.ok(c.done)
  t.equal(s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 42n)
  s.log.hold = false
  s.log.failNext = new Error('no space left on device')
  t.same(await commitCodes(s, { offsets: [['t', 0, 43n]] }), [ErrorCode.COORDINATOR_NOT_AVAILABLE])
  t.equal(s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 42n, 'the failed commit is not visible')
})

t.test('OffsetCommit v2-v4 retention sets an explicit expiry; expiration follows Kafka\'s rules', async t => {
  const s = await setup({ offsetsRetentionMs: 100_000, offsetsRetentionCheckIntervalMs: 10_000 })
  await commitCodes(s, { groupId: 'simple', offsets: [['t', 0, 1n]] })
  await commitCodes(s, { groupId: 'short', retentionTimeMs: 15_000, offsets: [['t', 0, 1n]] })
  const rec = parseRecord(s.log.records[1].key, s.log.records[1].value)
  t.match(rec, { type: 'offset', value: { expireTimestamp: BigInt(s.clock.now() + 15_000) } }, 'OffsetCommitValue v1 with the expire timestamp')
  const { ids: [m] } = await stableGroup(s, 1, { groupId: 'live', protocols: [{ name: 'range', metadata: subscription('t') }] })
  await commitCodes(s, { groupId: 'live', generationId: 1, memberId: m, offsets: [['t', 0, 1n], ['old-topic', 0, 1n]] })

  for (let i = 0; i < 4; i++) {
    s.clock.advance(5000)
    heartbeat(s.coord, m, 1, 'live')
    await settle()
  }
  t.equal(s.coord.fetchOffsets('short', null).topics.length, 0, 'expired at its explicit expire timestamp')
  t.equal(s.coord.describe('short').groupState, 'Dead', 'and the group, left empty, is gone')
  t.equal(s.coord.fetchOffsets('simple', null).topics.length, 1, 'not yet')

  for (let i = 0; i < 9; i++) {
    s.clock.advance(9000)
    heartbeat(s.coord, m, 1, 'live')
    await settle()
  }
  t.equal(s.coord.fetchOffsets('simple', null).topics.length, 0, 'a simple group\'s offset expires retention after its commit')
  t.same(s.coord.fetchOffsets('live', null).topics.map(x => x.name), ['t'], 'a Stable consumer group keeps the offsets of topics it subscribes to only')
  const tombstones = s.log.records.filter(r => r.value === null).map(r => parseRecord(r.key, r.value))
  t.ok(tombstones.some(r => r.type === 'group' && r.group === 'short'), 'group metadata tombstone written')
  t.ok(tombstones.some(r => r.type === 'offset' && r.group === 'live' && r.topic === 'old-topic'), 'offset tombstone written')
})

t.test('the offsets of an Empty group expire retention after it became empty', async t => {
  const s = await setup({ offsetsRetentionMs: 100_000, offsetsRetentionCheckIntervalMs: 10_000 })
  const { ids: [m] } = await stableGroup(s, 1)
  await commitCodes(s, { generationId: 1, memberId: m })
  s.clock.advance(50_000 - 1)
  s.coord.leave('g', [{ memberId: m, groupInstanceId: null, reason: null }])
  await settle()
  t.equal(s.coord.describe('g').groupState, 'Empty')
  s.clock.advance(90_000)
  await settle()
  t.equal(s.coord.fetchOffsets('g', null).topics.length, 1, 'the commit is older than the retention, the emptiness is not')
  s.clock.advance(20_000)
  await settle()
  t.equal(s.coord.fetchOffsets('g', null).topics.length, 0)
  t.equal(s.coord.describe('g').groupState, 'Dead')
})

t.test('DeleteGroups: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, and tombstones for an Empty group', async t => {
  const s = await setup()
  await commitCodes(s, { groupId: 'idle', offsets: [['t', 0, 1n], ['t', 1, 2n]] })
  await stableGroup(s, 1, { groupId: 'busy' })
  const r = await s.coord.deleteGroups(['idle', 'busy', 'nope'])
  t.same(r, [{ groupId: 'idle', errorCode: 0 }, { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP }, { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }])
  t.equal(s.coord.describe('idle').groupState, 'Dead')
  t.equal(s.coord.fetchOffsets('idle', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -1n)
  const tail = s.log.records.slice(-3).map(x => parseRecord(x.key, x.value))
  t.match(tail, [{ type: 'offset', value: null }, { type: 'offset', value: null }, { type: 'group', group: 'idle', value: null }], 'offset and group tombstones')
  t.same(await s.coord.deleteGroups(['idle']), [{ groupId: 'idle', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }], 'deleted twice')
  t.same(s.coord.list().groups.map(g => g.groupId), ['busy'])
})

t.test('OffsetDelete: only topics the group does not consume', async t => {
  const s = await setup()
  const { ids: [m] } = await stableGroup(s, 1, { protocols: [{ name: 'range', metadata: subscription('t') }] })
  await commitCodes(s, { generationId: 1, memberId: m, offsets: [['t', 0, 1n], ['other', 0, 1n]] })
  const r = await s.coord.deleteOffsets('g', [{ name: 't', partitions: [0] }, { name: 'other', partitions: [0, 1] }], exists)
  t.same(r, {
    errorCode: 0,
    topics: [
      { name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] },
      { name: 'other', partitions: [{ partitionIndex: 0, errorCode: 0 }] }
    ]
  }, 'subscribed topic refused; a partition without offset left out')
  t.same(s.coord.fetchOffsets('g', null).topics.map(x => x.name), ['t'])
  t.equal((await s.coord.deleteOffsets('nope', [], exists)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
  t.equal((await s.coord.deleteOffsets('', [], exists)).errorCode, ErrorCode.INVALID_GROUP_ID)
  await stableGroup(s, 1, { groupId: 'connect', protocolType: 'connect', protocols: [{ name: 'v1', metadata: Buffer.from('x') }] })
  t.equal((await s.coord.deleteOffsets('connect', [], exists)).errorCode, ErrorCode.NON_EMPTY_GROUP, 'a non-consumer group with members')
})

t.test('ListGroups and DescribeGroups', async t => {
  const s = await setup()
  await stableGroup(s, 2, { groupId: 'stable' })
  await commitCodes(s, { groupId: 'simple' })
  await joinNew(s.coord, { groupId: 'joining' })
  t.same(s.coord.list().groups.map(g => [g.groupId, g.groupState, g.protocolType]).sort(), [
    ['joining', 'PreparingRebalance', 'consumer'], ['simple', 'Empty', ''], ['stable', 'Stable', 'consumer']
  ])
  t.same(s.coord.list(['stable', 'EMPTY']).groups.map(g => g.groupId).sort(), ['simple', 'stable'], 'states filter is case-insensitive')
  const d = s.coord.describe('stable')
  t.match(d, { errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' })
  t.same(d.members.map(m => m.memberAssignment.toString()), ['a-0', 'a-1'])
  t.same(d.members[0].memberMetadata, subscription('t'))
  t.equal(d.members[0].clientHost, '/127.0.0.1')
  const j = s.coord.describe('joining')
  t.equal(j.protocolData, '', 'no protocol outside Stable')
  t.equal(j.members[0].memberMetadata.length, 0, 'no metadata outside Stable')
  t.match(s.coord.describe('unknown'), { errorCode: 0, groupState: 'Dead', members: [] }, 'unknown group: Dead, no error')
})

t.test('restart: groups and offsets are rebuilt from the log; restored members must heartbeat within their session', async t => {
  const log = new MemoryOffsetsLog(10)
  const s = await setup({}, log)
  const { ids: [a, b] } = await stableGroup(s, 2)
  await commitCodes(s, { generationId: 1, memberId: a, offsets: [['t', 0, 10n, 'x']] })
  await commitCodes(s, { groupId: 'simple', offsets: [['t', 0, 7n]] })
  await commitCodes(s, { groupId: 'deleted', offsets: [['t', 0, 7n]] })
  await s.coord.deleteGroups(['deleted'])
  await commitCodes(s, { groupId: 'simple', offsets: [['t', 0, 8n]] })
  s.coord.close()

  const s2 = await setup({}, log, new ManualClock(s.clock.now()))
  t.same(s2.coord.list().groups.map(g => [g.groupId, g.groupState]).sort(), [['g', 'Stable'], ['simple', 'Empty']])
  t.equal(s2.coord.fetchOffsets('simple', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 8n, 'the last commit wins')
  t.match(s2.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0], { committedOffset: 10n, metadata: 'x' })
  t.equal(s2.coord.fetchOffsets('deleted', null).topics.length, 0, 'tombstones are honoured')
  const d = s2.coord.describe('g')
  t.same(d.members.map(m => m.memberAssignment.toString()), ['a-0', 'a-1'], 'assignments restored')
  t.equal(heartbeat(s2.coord, a, 1), ErrorCode.NONE, 'a member of the restored generation keeps going')
  const sync = await s2.coord.sync(syncReq(a, 1))
  t.same(sync.assignment, Buffer.from('a-0'))
  s2.clock.advance(SESSION / 2)
  t.equal(heartbeat(s2.coord, a, 1), ErrorCode.NONE)
  s2.clock.advance(SESSION / 2)
  t.equal(s2.coord.describe('g').groupState, 'PreparingRebalance', 'b, silent since the restart, expired')
  t.equal(heartbeat(s2.coord, b, 1), ErrorCode.UNKNOWN_MEMBER_ID)
})

t.test('loading skips records it does not understand', async t => {
  const log = new MemoryOffsetsLog(10)
  log.records.push({ partition: 0, key: Buffer.from([0, 9, 1, 2]), value: Buffer.from('x'), timestamp: 0 })
  log.records.push({ partition: 0, key: Buffer.from([0, 1, 0]), value: null, timestamp: 0 })
  const member = (memberId: string) => ({ memberId, groupInstanceId: 'same', clientId: 'c', clientHost: 'h', rebalanceTimeout: 1, sessionTimeout: 1, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) })
  const bad = groupMetadataRecord('twins', { protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'a', currentStateTimestamp: 0n, members: [member('a'), member('b')] })
  log.records.push({ partition: 0, key: bad.key, value: bad.value, timestamp: 0 })
  const s = await setup({}, log)
  t.equal(s.coord.status, 'active', 'a group record that cannot be restored does not stop the load')
  t.same(s.coord.list().groups, [])
})

t.test('a deleted topic takes its committed offsets along (tombstones); an Empty group left without offsets is gone', async t => {
  const s = await setup()
  await commitCodes(s, { groupId: 'both', offsets: [['t', 0, 1n], ['keep', 0, 2n]] })
  await commitCodes(s, { groupId: 'only', offsets: [['t', 0, 1n], ['t', 1, 1n]] })
  await s.coord.onTopicDeleted('t')
  t.same(s.coord.fetchOffsets('both', null).topics.map(x => x.name), ['keep'])
  t.equal(s.coord.describe('both').groupState, 'Empty')
  t.equal(s.coord.describe('only').groupState, 'Dead')
  const tombstones = s.log.records.filter(r => r.value === null).map(r => parseRecord(r.key, r.value))
  t.equal(tombstones.filter(r => r.type === 'offset').length, 3)
  t.ok(tombstones.some(r => r.type === 'group' && r.group === 'only'))
})
