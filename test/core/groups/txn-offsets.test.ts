// Transactional offset commits (TxnOffsetCommit) in the group coordinator: pending until the transaction's
// marker, COMMIT/ABORT, requireStable, log order against ordinary commits, who may commit, the replay of
// transactional batches and markers, and deletion/expiration with offsets pending.
import t from 'tap'
import { ErrorCode } from '../../../src/protocol/errors.js'
import type { CommitRequest, TxnCommitRequest } from '../../../src/core/groups/offset-manager.js'
import { MemoryOffsetsLog } from '../../../src/core/groups/offsets-log.js'
import { offsetCommitRecord, parseRecord, type CoordinatorRecord } from '../../../src/core/groups/records.js'
import { controlRecordKey, parseControlRecordType } from '../../../src/protocol/records/control.js'
import { ManualClock } from '../../../src/core/groups/clock.js'
import { GroupCoordinator } from '../../../src/core/groups/coordinator.js'
import { silentLogger } from '../../../src/logger.js'
import { joinReq, settle, setup, stableGroup, syncReq, track, type Setup } from './setup.js'

const PID = 4000
const EPOCH = 2
const exists = (): number => ErrorCode.NONE

type Offsets = Array<[string, number, bigint, (string | null)?]>

function txnReq (o: Partial<TxnCommitRequest> & { offsets?: Offsets } = {}): TxnCommitRequest {
  const byTopic = new Map<string, TxnCommitRequest['topics'][number]>()
  for (const [topic, partition, offset, metadata] of o.offsets ?? [['t', 0, 5n, 'meta']]) {
    let e = byTopic.get(topic)
    if (e === undefined) byTopic.set(topic, e = { name: topic, partitions: [] })
    e.partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 7, committedMetadata: metadata ?? null })
  }
  const { offsets: _, ...rest } = o
  return {
    transactionalId: 'tx', groupId: 'g', producerId: PID, producerEpoch: EPOCH, generationId: -1, memberId: '', groupInstanceId: null, apiVersion: 3,
    topics: [...byTopic.values()],
    ...rest
  }
}

async function txnCodes (s: Setup, o: Parameters<typeof txnReq>[0] = {}, verify?: (p: number) => Promise<number>): Promise<number[]> {
  const r = await s.coord.txnCommitOffsets(txnReq(o), exists, verify)
  return r.flatMap(tp => tp.partitions.map(p => p.errorCode))
}

async function commit (s: Setup, groupId: string, offsets: Offsets): Promise<void> {
  const topics = offsets.map(([name, partitionIndex, committedOffset, metadata]) => ({
    name, partitions: [{ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: metadata ?? null }]
  }))
  const req: CommitRequest = { groupId, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, topics }
  const r = await s.coord.commitOffsets(req, exists)
  if (r.some(x => x.partitions.some(p => p.errorCode !== 0))) throw new Error(`commit failed: ${JSON.stringify(r)}`)
}

function fetched (s: Setup, groupId: string, topic: string, partition: number, requireStable = false) {
  return s.coord.fetchOffsets(groupId, [{ name: topic, partitionIndexes: [partition] }], requireStable).topics[0].partitions[0]
}

/** The transaction coordinator's side: the marker is durable in the group's partition, then reported. */
function marker (s: Setup, producerId: number, commit: boolean, groupId = 'g'): void {
  const partition = s.coord.partitionFor(groupId)
  s.log.appendMarker(partition, producerId, commit)
  s.coord.completeTransaction(partition, producerId, commit)
}

t.test('pending offsets are invisible until the COMMIT marker; written as a transactional batch of the producer', async t => {
  const s = await setup()
  await commit(s, 'g', [['t', 0, 1n, 'old']])
  t.same(await txnCodes(s, { offsets: [['t', 0, 5n, 'meta'], ['t', 1, 6n, null]] }), [0, 0])
  t.match(fetched(s, 'g', 't', 0), { committedOffset: 1n, metadata: 'old' }, 'the committed offset is still answered')
  t.equal(fetched(s, 'g', 't', 1).committedOffset, -1n, 'a partition with only a pending offset has none')
  t.ok(s.coord.hasPendingOffsets('g', 't', 0))
  t.notOk(s.coord.hasPendingOffsets('g', 't', 2))
  const written = s.log.records.slice(-2)
  t.same(written.map(r => r.txn), [{ producerId: PID, producerEpoch: EPOCH }, { producerId: PID, producerEpoch: EPOCH }], 'transactional, for the producer')
  t.same(written.map(r => r.partition), [s.coord.partitionFor('g'), s.coord.partitionFor('g')], 'in the group\'s partition')
  t.match(parseRecord(written[0].key, written[0].value), { type: 'offset', group: 'g', topic: 't', partition: 0, value: { offset: 5n, leaderEpoch: 7, metadata: 'meta' } })

  s.coord.completeTransaction((s.coord.partitionFor('g') + 1) % 10, PID, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 1n, 'a marker in another partition does not complete the group\'s offsets')
  s.coord.completeTransaction(s.coord.partitionFor('g'), PID + 1, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 1n, 'nor does another producer\'s marker')

  marker(s, PID, true)
  t.match(fetched(s, 'g', 't', 0), { committedOffset: 5n, committedLeaderEpoch: 7, metadata: 'meta', errorCode: 0 })
  t.match(fetched(s, 'g', 't', 1), { committedOffset: 6n, metadata: '' }, 'null metadata stored as \'\'')
  t.notOk(s.coord.hasPendingOffsets('g', 't', 0), 'nothing pending any more')
  marker(s, PID, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 5n, 'a repeated marker changes nothing')
})

t.test('the ABORT marker drops the pending offsets; the committed ones stay', async t => {
  const s = await setup()
  await commit(s, 'g', [['t', 0, 1n]])
  await txnCodes(s, { offsets: [['t', 0, 5n], ['t', 1, 6n]] })
  marker(s, PID, false)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 1n)
  t.equal(fetched(s, 'g', 't', 1).committedOffset, -1n)
  t.notOk(s.coord.hasPendingOffsets('g', 't', 0))
  marker(s, PID, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 1n, 'a later COMMIT has nothing left to commit')
})

t.test('one producer, several groups in one partition, and two producers in one group', async t => {
  const s = await setup({}, new MemoryOffsetsLog(1))
  await txnCodes(s, { groupId: 'a', offsets: [['t', 0, 10n]] })
  await txnCodes(s, { groupId: 'b', offsets: [['t', 0, 20n]] })
  await txnCodes(s, { groupId: 'a', producerId: PID + 1, offsets: [['t', 1, 30n]] })
  marker(s, PID, true, 'a')
  t.equal(fetched(s, 'a', 't', 0).committedOffset, 10n)
  t.equal(fetched(s, 'b', 't', 0).committedOffset, 20n, 'every group of the partition with the producer\'s offsets')
  t.equal(fetched(s, 'a', 't', 1).committedOffset, -1n, 'the other producer\'s transaction is still open')
  t.ok(s.coord.hasPendingOffsets('a', 't', 1))
  marker(s, PID + 1, false, 'a')
  t.equal(fetched(s, 'a', 't', 1).committedOffset, -1n)
})

t.test('OffsetFetch requireStable: UNSTABLE_OFFSET_COMMIT for a pending partition (also while written), stable ones answered', async t => {
  const s = await setup()
  await commit(s, 'g', [['t', 0, 1n], ['t', 1, 2n]])
  s.log.hold = true
  const c = track(s.coord.txnCommitOffsets(txnReq({ offsets: [['t', 0, 5n]] }), exists))
  await settle()
  t.notOk(c.done, 'not answered before durable')
  t.equal(fetched(s, 'g', 't', 0, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT, 'unstable while the record is written')
  s.log.release()
  await settle()
  t.same(c.value?.[0].partitions[0].errorCode, 0)
  s.log.hold = false
  t.same(fetched(s, 'g', 't', 0, true), { partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT })
  t.match(fetched(s, 'g', 't', 1, true), { committedOffset: 2n, errorCode: 0 }, 'the other partition is stable')
  t.match(fetched(s, 'g', 't', 0, false), { committedOffset: 1n, errorCode: 0 }, 'without requireStable: the committed offset')
  const all = s.coord.fetchOffsets('g', null, true)
  t.same(all.topics[0].partitions.map(p => p.errorCode), [ErrorCode.UNSTABLE_OFFSET_COMMIT, 0], 'all offsets of the group: the pending one unstable')
  marker(s, PID, true)
  t.match(fetched(s, 'g', 't', 0, true), { committedOffset: 5n, errorCode: 0 })

  s.log.hold = true
  const plain = track(s.coord.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 9n, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] }, exists))
  await settle()
  t.equal(fetched(s, 'g', 't', 1, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT, 'an ordinary commit being written is unstable too (Kafka\'s pendingOffsetCommits)')
  s.log.release()
  await plain.promise
  t.match(fetched(s, 'g', 't', 1, true), { committedOffset: 9n, errorCode: 0 })
})

t.test('COMMIT keeps log order: a pending offset replaces only an older committed one', async t => {
  const s = await setup()
  await commit(s, 'g', [['t', 0, 1n]])
  await txnCodes(s, { offsets: [['t', 0, 10n], ['t', 1, 11n]] })
  await commit(s, 'g', [['t', 0, 20n]])
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 20n, 'the ordinary commit is visible at once')
  marker(s, PID, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 20n, 'written after the transactional one: it stays')
  t.equal(fetched(s, 'g', 't', 1).committedOffset, 11n)

  await txnCodes(s, { offsets: [['t', 0, 30n]] })
  marker(s, PID, true)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 30n, 'written after the ordinary one: it wins')

  const s2 = await setup({}, s.log, new ManualClock(s.clock.now()))
  t.equal(fetched(s2, 'g', 't', 0).committedOffset, 30n, 'the replay reaches the same state')
  t.equal(fetched(s2, 'g', 't', 1).committedOffset, 11n)
})

t.test('replay: committed, aborted and still-pending transactions come back as they were', async t => {
  const log = new MemoryOffsetsLog(10)
  const s = await setup({}, log)
  const p = s.coord.partitionFor('g')
  await commit(s, 'g', [['t', 0, 1n], ['t', 2, 2n]])
  await txnCodes(s, { producerId: 1, offsets: [['t', 0, 10n]] })
  await txnCodes(s, { producerId: 2, offsets: [['t', 1, 20n]] })
  await txnCodes(s, { producerId: 3, offsets: [['t', 2, 30n]] })
  marker(s, 1, true)
  marker(s, 2, false)
  await txnCodes(s, { producerId: 1, offsets: [['t', 3, 40n]] }) // the producer's next transaction, still open
  await txnCodes(s, { groupId: 'only-pending', producerId: 5, offsets: [['u', 0, 50n]] })
  s.coord.close()
  t.ok(log.records.some(r => r.marker !== undefined && parseControlRecordType(r.key) === 1), 'markers are control records')
  t.same(controlRecordKey(false), Buffer.from([0, 0, 0, 0]))

  const s2 = await setup({}, log, new ManualClock(s.clock.now()))
  t.equal(fetched(s2, 'g', 't', 0).committedOffset, 10n, 'committed transaction applied')
  t.equal(fetched(s2, 'g', 't', 1).committedOffset, -1n, 'aborted transaction dropped')
  t.equal(fetched(s2, 'g', 't', 2).committedOffset, 2n, 'open transaction: the committed offset is answered')
  t.equal(fetched(s2, 'g', 't', 2, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT, 'and it is still pending')
  t.equal(fetched(s2, 'g', 't', 3, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT, 'the producer\'s later transaction is still pending')
  t.equal(s2.coord.describe('only-pending').groupState, 'Empty', 'a group with only pending offsets is loaded (Empty)')

  s2.coord.completeTransaction(p, 3, true)
  t.equal(fetched(s2, 'g', 't', 2).committedOffset, 30n, 'a marker after the restart completes what the log left pending')
  s2.coord.completeTransaction(s2.coord.partitionFor('only-pending'), 5, true)
  t.equal(fetched(s2, 'only-pending', 'u', 0).committedOffset, 50n)
  t.equal(fetched(s2, 'g', 't', 3).committedOffset, -1n, 'producer 1\'s open transaction untouched by producer 3\'s marker')
})

t.test('replay of a hand-written log: transactional tombstones, ordinary tombstones cancel pending offsets, order', async t => {
  const log = new MemoryOffsetsLog(1)
  const s0 = await setup({}, log)
  // producer 7: two offsets, one taken back by a tombstone in its own transaction
  await log.append(0, [offsetRecord('g', 't', 0, 100n), offsetRecord('g', 't', 1, 101n)], 0, { producerId: 7, producerEpoch: 0 })
  await log.append(0, [{ key: offsetRecord('g', 't', 1, 0n).key, value: null }], 0, { producerId: 7, producerEpoch: 0 })
  // producer 8: an offset, then an ordinary tombstone of that partition (DeleteGroups), then COMMIT
  await log.append(0, [offsetRecord('g', 't', 2, 200n)], 0, { producerId: 8, producerEpoch: 0 })
  await log.append(0, [{ key: offsetRecord('g', 't', 2, 0n).key, value: null }], 0)
  // producer 9's offset, then a newer ordinary commit of the same partition, then COMMIT
  await log.append(0, [offsetRecord('g', 't', 3, 300n)], 0, { producerId: 9, producerEpoch: 0 })
  await log.append(0, [offsetRecord('g', 't', 3, 301n)], 0)
  log.appendMarker(0, 7, true)
  log.appendMarker(0, 8, true)
  log.appendMarker(0, 9, true)
  s0.coord.close()
  const s = await setup({}, log)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 100n)
  t.equal(fetched(s, 'g', 't', 1).committedOffset, -1n, 'the transaction\'s own tombstone removed its offset')
  t.equal(fetched(s, 'g', 't', 2).committedOffset, -1n, 'an ordinary tombstone cancels the pending offset')
  t.equal(fetched(s, 'g', 't', 3).committedOffset, 301n, 'the more recent ordinary commit wins over the older transactional one')
  t.notOk(s.coord.hasPendingOffsets('g', 't', 0))
})

t.test('who may commit: v0-v2 style needs no member; v3+ members are checked as OffsetCommit; groups are created', async t => {
  const s = await setup()
  const { ids: [a] } = await stableGroup(s, 1)
  t.same(await txnCodes(s, {}), [0], 'generation -1 without member id: accepted even though the group has members (unlike OffsetCommit)')
  t.same(await txnCodes(s, { generationId: 1, memberId: a }), [0], 'the current member and generation')
  t.same(await txnCodes(s, { generationId: 0, memberId: a }), [ErrorCode.ILLEGAL_GENERATION])
  t.same(await txnCodes(s, { generationId: 1, memberId: 'stranger' }), [ErrorCode.UNKNOWN_MEMBER_ID])
  t.same(await txnCodes(s, { generationId: -1, memberId: 'stranger' }), [ErrorCode.UNKNOWN_MEMBER_ID], 'a member id is checked even with generation -1')

  t.same(await txnCodes(s, { groupId: 'new', generationId: 3, memberId: 'm' }), [ErrorCode.UNKNOWN_MEMBER_ID], 'unknown group with a generation: created, then the member is unknown')
  t.equal(s.coord.describe('new').groupState, 'Empty')
  t.same(await txnCodes(s, { groupId: 'fresh' }), [0], 'unknown group, no generation: created and accepted')
  t.equal(s.coord.describe('fresh').groupState, 'Empty')

  // a rebalance in its assignment phase does not stop a transactional commit of the current generation
  s.coord.join(joinReq({ memberId: a })).catch(() => {})
  await settle()
  t.equal(s.coord.describe('g').groupState, 'CompletingRebalance')
  t.same(await txnCodes(s, { generationId: 2, memberId: a }), [0], 'CompletingRebalance: accepted (Kafka checks member and generation only)')

  const st = await setup()
  const j = track(st.coord.join(joinReq({ groupInstanceId: 'i', requireKnownMemberId: false })))
  st.clock.advance(0)
  await settle()
  const id = j.value?.memberId as string
  await st.coord.sync({ ...syncReq(id, 1), groupInstanceId: 'i' })
  t.same(await txnCodes(st, { generationId: 1, memberId: id, groupInstanceId: 'i' }), [0])
  t.same(await txnCodes(st, { generationId: 1, memberId: 'old', groupInstanceId: 'i' }), [ErrorCode.FENCED_INSTANCE_ID])
})

t.test('coordinator state, group id, unknown partitions, metadata size, failed writes', async t => {
  const log = new MemoryOffsetsLog(10)
  const loading = new GroupCoordinator({ log, logger: silentLogger })
  t.same((await loading.txnCommitOffsets(txnReq(), exists)).flatMap(x => x.partitions.map(p => p.errorCode)), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS])
  loading.close()
  t.same((await loading.txnCommitOffsets(txnReq(), exists)).flatMap(x => x.partitions.map(p => p.errorCode)), [ErrorCode.COORDINATOR_NOT_AVAILABLE])

  const s = await setup({ offsetMetadataMaxBytes: 10 })
  t.same(await txnCodes(s, { groupId: '' }), [ErrorCode.INVALID_GROUP_ID], 'TxnOffsetCommit needs a group id')
  const r = await s.coord.txnCommitOffsets(txnReq({ offsets: [['t', 0, 1n, 'short'], ['t', 1, 1n, 'x'.repeat(11)], ['gone', 0, 1n]] }),
    topic => topic === 'gone' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE)
  t.same(r, [
    { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }] },
    { name: 'gone', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }
  ])
  t.equal(s.log.records.length, 1, 'only the valid partition was written')
  t.notOk(s.coord.hasPendingOffsets('g', 't', 1))

  s.log.failNext = new Error('no space left on device')
  t.same(await txnCodes(s, { offsets: [['t', 5, 1n]] }), [ErrorCode.COORDINATOR_NOT_AVAILABLE])
  t.notOk(s.coord.hasPendingOffsets('g', 't', 5), 'a failed write leaves nothing pending')
  marker(s, PID, true)
  t.equal(fetched(s, 'g', 't', 5).committedOffset, -1n)
  t.equal(fetched(s, 'g', 't', 0).committedOffset, 1n, 'the earlier successful one was committed')
})

t.test('the transaction check runs after the coordinator checks and before the member checks; its error goes on every partition', async t => {
  const s = await setup()
  const asked: number[] = []
  const verify = (code: number) => async (p: number): Promise<number> => { asked.push(p); return code }
  t.same(await txnCodes(s, { offsets: [['t', 0, 1n], ['t', 1, 1n]] }, verify(ErrorCode.INVALID_TXN_STATE)), [ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE])
  t.same(asked, [s.coord.partitionFor('g')], 'asked about the group\'s __consumer_offsets partition')
  t.equal(s.log.records.length, 0, 'nothing written')
  t.equal(s.coord.describe('g').groupState, 'Empty', 'the group was created before the check, as Kafka does')
  t.same(await txnCodes(s, {}, verify(ErrorCode.PRODUCER_FENCED)), [ErrorCode.PRODUCER_FENCED])
  t.same(await txnCodes(s, {}, verify(ErrorCode.NETWORK_EXCEPTION)), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS], 'NETWORK_EXCEPTION becomes retriable COORDINATOR_LOAD_IN_PROGRESS')
  t.same(await txnCodes(s, {}, async () => { throw new Error('boom') }), [ErrorCode.COORDINATOR_NOT_AVAILABLE])
  t.same(await txnCodes(s, { generationId: 4, memberId: 'x' }, verify(ErrorCode.INVALID_PRODUCER_ID_MAPPING)), [ErrorCode.INVALID_PRODUCER_ID_MAPPING], 'the transaction error comes first')

  asked.length = 0
  const r = await s.coord.txnCommitOffsets(txnReq({ offsets: [['gone', 0, 1n]] }), () => ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, verify(0))
  t.same(r[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  t.same(asked, [], 'nothing to commit: no transaction check')
  t.same(await txnCodes(s, {}, verify(0)), [0])
  t.equal(s.log.records.length, 1)
})

t.test('DeleteGroups with pending offsets: tombstones for them too; a later COMMIT brings nothing back, now or after a restart', async t => {
  const s = await setup()
  await commit(s, 'g', [['t', 0, 1n]])
  await txnCodes(s, { offsets: [['t', 0, 5n], ['t', 1, 6n]] })
  t.same(await s.coord.deleteGroups(['g']), [{ groupId: 'g', errorCode: 0 }], 'Empty with pending offsets: deleted, as Kafka')
  const tail = s.log.records.slice(-3).map(r => parseRecord(r.key, r.value))
  t.match(tail, [{ type: 'offset', topic: 't', partition: 0, value: null }, { type: 'offset', topic: 't', partition: 1, value: null }, { type: 'group', value: null }])
  t.notOk(s.coord.hasPendingOffsets('g', 't', 1))
  marker(s, PID, true)
  t.equal(s.coord.fetchOffsets('g', null).topics.length, 0)
  t.equal(s.coord.describe('g').groupState, 'Dead')
  s.coord.close()
  const s2 = await setup({}, s.log, new ManualClock(s.clock.now()))
  t.equal(s2.coord.fetchOffsets('g', null).topics.length, 0, 'the replay agrees')
})

t.test('a deleted topic takes its pending offsets along (tombstones); the group with offsets pending elsewhere stays', async t => {
  const s = await setup()
  await txnCodes(s, { offsets: [['t', 0, 5n], ['keep', 0, 6n]] })
  await s.coord.onTopicDeleted('t')
  t.notOk(s.coord.hasPendingOffsets('g', 't', 0))
  t.ok(s.coord.hasPendingOffsets('g', 'keep', 0))
  t.equal(s.coord.describe('g').groupState, 'Empty')
  marker(s, PID, true)
  t.same(s.coord.fetchOffsets('g', null).topics.map(x => x.name), ['keep'])
  s.coord.close()
  const s2 = await setup({}, s.log, new ManualClock(s.clock.now()))
  t.same(s2.coord.fetchOffsets('g', null).topics.map(x => x.name), ['keep'], 'after a restart too')

  const s3 = await setup()
  await txnCodes(s3, { groupId: 'only', offsets: [['t', 0, 5n]] })
  await s3.coord.onTopicDeleted('t')
  t.equal(s3.coord.describe('only').groupState, 'Dead', 'an Empty group left with nothing at all is gone')
})

t.test('expiration spares offsets with a pending transactional offset and Empty groups holding pending offsets', async t => {
  const s = await setup({ offsetsRetentionMs: 100_000, offsetsRetentionCheckIntervalMs: 10_000 })
  await commit(s, 'simple', [['t', 0, 1n], ['t', 1, 1n]])
  await txnCodes(s, { groupId: 'simple', offsets: [['t', 0, 2n]] })
  await txnCodes(s, { groupId: 'txn-only', offsets: [['t', 0, 2n]] })
  for (let i = 0; i < 12; i++) {
    s.clock.advance(10_000)
    await settle()
  }
  t.same(s.coord.fetchOffsets('simple', null).topics[0].partitions.map(p => p.partitionIndex), [0], 'the partition with a pending offset did not expire')
  t.equal(s.coord.describe('txn-only').groupState, 'Empty', 'a group with only pending offsets is kept')
  marker(s, PID, false, 'simple')
  marker(s, PID, false, 'txn-only')
  for (let i = 0; i < 2; i++) {
    s.clock.advance(10_000)
    await settle()
  }
  t.equal(s.coord.fetchOffsets('simple', null).topics.length, 0, 'once the transaction is over it expires')
  t.equal(s.coord.describe('txn-only').groupState, 'Dead')
})

t.test('a marker reported while loading is applied once the load ends', async t => {
  const log = new MemoryOffsetsLog(10)
  const s = await setup({}, log)
  await txnCodes(s, { offsets: [['t', 0, 5n]] })
  s.coord.close()
  const s2 = new GroupCoordinator({ log, logger: silentLogger, clock: new ManualClock() })
  s2.completeTransaction(s2.partitionFor('g'), PID, true) // before load(): status loading
  await s2.load()
  t.equal(s2.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 5n)
  s2.close()
  s2.completeTransaction(s2.partitionFor('g'), PID, false) // after close: ignored, no throw
})

/** The record OffsetCommit/TxnOffsetCommit writes. */
function offsetRecord (group: string, topic: string, partition: number, offset: bigint): CoordinatorRecord {
  return offsetCommitRecord(group, topic, partition, { offset, leaderEpoch: -1, metadata: '', commitTimestamp: 0n, expireTimestamp: -1n })
}
