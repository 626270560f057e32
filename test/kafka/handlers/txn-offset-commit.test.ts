// TxnOffsetCommit's handler (what each version passes to the coordinator, the transaction check, unknown
// partitions) and transactional offsets in a real broker's __consumer_offsets: the batch as written, a
// marker, and the replay of committed, aborted and open transactions after a restart.
import t from 'tap'
import { Authorizer } from '../../../src/core/security/acl/authorizer.js'
import { silentLogger } from '../../../src/logger.js'
import handler from '../../../src/kafka/handlers/28-txn-offset-commit.js'
import type { TxnOffsetCommitRequest } from '../../../src/protocol/generated/messages/txn-offset-commit-request.js'
import type { RequestContext } from '../../../src/kafka/network/connection.js'
import type { GroupCoordinator } from '../../../src/core/groups/coordinator.js'
import type { TxnCommitRequest } from '../../../src/core/groups/offset-manager.js'
import { OFFSETS_TOPIC, TopicOffsetsLog } from '../../../src/core/groups/offsets-log.js'
import { offsetCommitRecord } from '../../../src/core/groups/records.js'
import { controlRecordKey, controlRecordValue } from '../../../src/protocol/records/control.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { iterateBatches } from '../../../src/protocol/records/record.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { withBroker } from '../../helpers/broker.js'
import { setup } from '../../core/groups/setup.js'

const PID = 77
const EPOCH = 3

function request (o: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest {
  return {
    transactionalId: 'tx',
    groupId: 'g',
    producerId: BigInt(PID),
    producerEpoch: EPOCH,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 4, committedMetadata: 'm' }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: 4, committedMetadata: null }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: 4, committedMetadata: null }] }],
    ...o
  }
}

async function fakeBroker (verdict: { errorCode: number }) {
  const s = await setup()
  const checks: unknown[][] = []
  const broker = {
    authorizer: Authorizer.disabled(silentLogger),
    groups: s.coord,
    topics: { get: (name: string) => name === 't' ? { partitions: 2 } : undefined },
    checkTransactionPartition: async (...args: unknown[]) => {
      checks.push(args)
      return { errorCode: verdict.errorCode, message: null }
    }
  }
  const handle = async (version: number, req: TxnOffsetCommitRequest) =>
    await handler.handle(broker as unknown as Parameters<typeof handler.handle>[0], { apiVersion: version } as RequestContext, req)
  return { s, checks, handle }
}

t.test('declares key 28, versions 0-4', async t => {
  t.match(handler, { apiKey: 28, minVersion: 0, maxVersion: 4 })
})

t.test('every version: transaction check for the group\'s offsets partition, then the commit; unknown partitions answered as such', async t => {
  for (let v = 0; v <= 4; v++) {
    const verdict = { errorCode: 0 }
    const { s, checks, handle } = await fakeBroker(verdict)
    const r = await handle(v, request())
    t.same(r, {
      throttleTimeMs: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
        { name: 'nope', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }
      ]
    }, `v${v}`)
    t.same(checks, [['tx', PID, EPOCH, OFFSETS_TOPIC, s.coord.partitionFor('g'), v >= 3]], `v${v}: asks the transaction coordinator (fenced error from v3)`)
    t.same(s.log.records.map(x => x.txn), [{ producerId: PID, producerEpoch: EPOCH }], `v${v}: one transactional record`)
    t.ok(s.coord.hasPendingOffsets('g', 't', 0))
    s.coord.completeTransaction(s.coord.partitionFor('g'), PID, true)
    t.match(s.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0],
      { committedOffset: 10n, committedLeaderEpoch: v >= 2 ? 4 : -1, metadata: 'm' }, `v${v}: leader epoch from v2`)
  }
})

t.test('the transaction check\'s error goes on every known partition; nothing is written', async t => {
  const { s, handle } = await fakeBroker({ errorCode: ErrorCode.INVALID_TXN_STATE })
  const r = await handle(3, request())
  t.same(r?.topics.map(x => x.partitions.map(p => p.errorCode)), [[ErrorCode.INVALID_TXN_STATE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]])
  t.equal(s.log.records.length, 0)
})

t.test('v3+ member checks; v0-v2 carry no member (the decoded defaults are what the coordinator sees)', async t => {
  const { s, handle } = await fakeBroker({ errorCode: 0 })
  const one = { topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }] }
  t.same((await handle(3, request({ ...one, generationId: 5, memberId: 'who' })))?.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  t.same((await handle(2, request({ ...one, generationId: 5, memberId: 'who' })))?.topics[0].partitions[0].errorCode, 0, 'v2: generation and member ignored')
  t.equal(s.coord.describe('g').groupState, 'Empty', 'the group was created')
})

function txnReq (o: Partial<TxnCommitRequest> & { partition: number, offset: bigint }): TxnCommitRequest {
  const { partition, offset, ...rest } = o
  return {
    transactionalId: 'tx', groupId: 'g', producerId: PID, producerEpoch: EPOCH, generationId: -1, memberId: '', groupInstanceId: null, apiVersion: 3,
    topics: [{ name: 't', partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
    ...rest
  }
}

t.test('a real __consumer_offsets: transactional batch, markers, and the replay after a restart', async t => {
  const b = await withBroker(t, { config: { 'offsets.topic.num.partitions': 3 } })
  let groups: GroupCoordinator = await b.current.broker.core.groups.get()
  await groups.load()
  const exists = (): number => ErrorCode.NONE
  const p = groups.partitionFor('g')
  const writeMarker = async (producerId: number, commit: boolean): Promise<void> => {
    const log = b.current.broker.core.topics.log(OFFSETS_TOPIC, p)
    if (log === undefined) throw new Error('no __consumer_offsets partition')
    const batch = buildRecordBatch([{ key: controlRecordKey(commit), value: controlRecordValue(0) }],
      { producerId, producerEpoch: EPOCH, baseSequence: -1, isTransactional: true, isControl: true, timestamp: Date.now() })
    await log.append([batch], Date.now()).durable
    groups.completeTransaction(p, producerId, commit)
  }
  const offsetOf = (partition: number, requireStable = false) =>
    groups.fetchOffsets('g', [{ name: 't', partitionIndexes: [partition] }], requireStable).topics[0].partitions[0]

  t.same((await groups.txnCommitOffsets(txnReq({ partition: 0, offset: 5n }), exists)).flatMap(x => x.partitions.map(q => q.errorCode)), [0])
  const log = b.current.broker.core.topics.log(OFFSETS_TOPIC, p)
  const { batches } = await log!.read(0, 1 << 20, { minOneBatch: true, maxOffset: log!.logEndOffset })
  const headers = batches.flatMap(buf => [...iterateBatches(buf)].map(x => x.header))
  t.match(headers, [{ isTransactional: true, isControl: false, producerId: PID, producerEpoch: EPOCH, baseSequence: -1, recordCount: 1 }], 'a transactional batch of the producer')
  t.equal(offsetOf(0).committedOffset, -1n)
  await writeMarker(PID, true)
  t.equal(offsetOf(0).committedOffset, 5n)

  await groups.txnCommitOffsets(txnReq({ partition: 1, offset: 7n, producerId: PID + 1 }), exists)
  await writeMarker(PID + 1, false)
  await groups.txnCommitOffsets(txnReq({ partition: 0, offset: 9n, producerId: PID + 2 }), exists)
  t.equal(offsetOf(0, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT)

  await b.restart()
  groups = await b.current.broker.core.groups.get()
  await groups.load()
  t.equal(offsetOf(0).committedOffset, 5n, 'committed transaction replayed')
  t.equal(offsetOf(1).committedOffset, -1n, 'aborted transaction dropped')
  t.equal(offsetOf(0, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT, 'open transaction still pending')
  await writeMarker(PID + 2, true)
  t.equal(offsetOf(0).committedOffset, 9n, 'and completed by a marker after the restart')
})

t.test('with the broker\'s producer states, a transactional append opens the producer\'s transaction in the partition', async t => {
  const b = await withBroker(t, { config: { 'offsets.topic.num.partitions': 2 } })
  const log = new TopicOffsetsLog(b.current.broker.core.topics, 2)
  /** What the partition's producer state recorded: [producerId, epoch, batch, transaction open] per batch. */
  const recorded = (): unknown[][] => [...(b.current.broker.core.topics.log(OFFSETS_TOPIC, 1)?.producerState.loaded?.producers.values() ?? [])]
    .flatMap(e => e.batches.map(batch => [e.producerId, e.epoch, batch, e.currentTxnFirstOffset >= 0]))
  const rec = offsetCommitRecord('g', 't', 0, { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 0n, expireTimestamp: -1n })
  await log.append(1, [rec], 1000)
  t.same(recorded(), [], 'an ordinary append is no producer\'s')
  await log.append(1, [rec, rec], 2000, { producerId: PID, producerEpoch: EPOCH })
  t.same(recorded(), [[PID, EPOCH, { firstSeq: -1, lastSeq: -1, firstOffset: 1, lastOffset: 2, timestamp: 2000 }, true]])
  const seen: Array<[number, number | null]> = []
  const markers: Array<[number, number, boolean]> = []
  const p1 = b.current.broker.core.topics.log(OFFSETS_TOPIC, 1)
  await p1!.append([buildRecordBatch([{ key: controlRecordKey(false), value: controlRecordValue(0) }],
    { producerId: PID, producerEpoch: EPOCH, baseSequence: -1, isTransactional: true, isControl: true, timestamp: 3000 })], 3000).durable
  await log.replay((partition, _k, _v, _ts, txn) => { seen.push([partition, txn?.producerId ?? null]) }, (partition, producerId, commit) => { markers.push([partition, producerId, commit]) })
  t.same(seen, [[1, null], [1, PID], [1, PID]], 'records with their batch\'s transactional producer')
  t.same(markers, [[1, PID, false]], 'the ABORT marker')
})
