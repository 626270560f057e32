// Transactional offsets on the wire, against a real broker: a producer's transaction (InitProducerId,
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn) commits a group's offsets; OffsetFetch with requireStable
// answers UNSTABLE_OFFSET_COMMIT while the transaction is open; abort leaves the committed offset.
import t from 'tap'
import { RawClient } from '../../helpers/raw-client.js'
import { withBroker } from '../../helpers/broker.js'
import { ErrorCode } from '../../../src/protocol/errors.js'

const CONFIG = { 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 3 }

async function createTopic (c: RawClient, name: string, partitions: number): Promise<void> {
  const r = await c.request(19, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
  if (r.topics[0].errorCode !== 0) throw new Error(`create ${name}: ${r.topics[0].errorCode}`)
}

function txnCommitBody (pid: bigint, epoch: number, partitions: Array<[number, bigint]>, o: Record<string, unknown> = {}): any {
  return {
    transactionalId: 'tx', groupId: 'g', producerId: pid, producerEpoch: epoch, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 't', partitions: partitions.map(([p, off]) => ({ partitionIndex: p, committedOffset: off, committedLeaderEpoch: -1, committedMetadata: 'txn' })) }],
    ...o
  }
}

async function fetchOffsets (c: RawClient, version: number, requireStable: boolean): Promise<Array<{ partitionIndex: number, committedOffset: bigint, errorCode: number }>> {
  if (version >= 8) {
    const r = await c.request(9, version, { groupId: '', topics: null, requireStable, groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }] })
    return r.groups[0].topics[0].partitions
  }
  const r = await c.request(9, version, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable, groups: [] })
  return r.topics[0].partitions
}

/** OffsetFetch v7 requireStable until no partition is unstable or loading (markers are written after EndTxn answers). */
async function untilStable (c: RawClient): Promise<Array<[bigint, number]>> {
  let r: Array<{ committedOffset: bigint, errorCode: number }> = []
  for (let i = 0; i < 250; i++) {
    r = await fetchOffsets(c, 7, true)
    if (r.every(p => p.errorCode === 0)) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return r.map(p => [p.committedOffset, p.errorCode])
}

t.test('TxnOffsetCommit inside a transaction: pending, unstable for requireStable, committed by EndTxn; abort drops', async t => {
  const b = await withBroker(t, { config: CONFIG })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await createTopic(c, 't', 2)
  const init = await c.request(22, 4, { transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })
  t.equal(init.errorCode, 0)
  const pid: bigint = init.producerId
  const epoch: number = init.producerEpoch

  const early = await c.request(28, 3, txnCommitBody(pid, epoch, [[0, 5n]]))
  t.not(early.topics[0].partitions[0].errorCode, 0, 'without AddOffsetsToTxn the offsets partition is not in the transaction')

  t.equal((await c.request(25, 3, { transactionalId: 'tx', producerId: pid, producerEpoch: epoch, groupId: 'g' })).errorCode, 0)
  const r = await c.request(28, 3, txnCommitBody(pid, epoch, [[0, 5n], [1, 6n]]))
  t.same(r.topics[0].partitions.map((p: any) => p.errorCode), [0, 0])
  t.same((await fetchOffsets(c, 7, false)).map(p => p.committedOffset), [-1n, -1n], 'not visible before the commit')
  t.same((await fetchOffsets(c, 7, true)).map(p => p.errorCode), [ErrorCode.UNSTABLE_OFFSET_COMMIT, ErrorCode.UNSTABLE_OFFSET_COMMIT], 'v7 requireStable')
  t.same((await fetchOffsets(c, 8, true)).map(p => p.errorCode), [ErrorCode.UNSTABLE_OFFSET_COMMIT, ErrorCode.UNSTABLE_OFFSET_COMMIT], 'v8 requireStable')
  t.same((await fetchOffsets(c, 6, true)).map(p => p.errorCode), [0, 0], 'before v7 there is no requireStable')

  t.equal((await c.request(26, 3, { transactionalId: 'tx', producerId: pid, producerEpoch: epoch, committed: true })).errorCode, 0)
  t.same(await untilStable(c), [[5n, 0], [6n, 0]], 'committed with the transaction')

  t.equal((await c.request(25, 3, { transactionalId: 'tx', producerId: pid, producerEpoch: epoch, groupId: 'g' })).errorCode, 0)
  t.same((await c.request(28, 3, txnCommitBody(pid, epoch, [[0, 50n]]))).topics[0].partitions[0].errorCode, 0)
  t.equal((await c.request(26, 3, { transactionalId: 'tx', producerId: pid, producerEpoch: epoch, committed: false })).errorCode, 0)
  t.same(await untilStable(c), [[5n, 0], [6n, 0]], 'the aborted offset is dropped')

  await b.restart()
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  t.same(await untilStable(c2), [[5n, 0], [6n, 0]], 'the same after a restart (loaded from __consumer_offsets)')
})
