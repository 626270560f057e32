// Transaction coordinator (Kafka's TransactionCoordinator / TransactionMetadata state machine) on an in-memory
// __transaction_state, a fake marker writer and an injected clock; and the __transaction_state record format.
import t from 'tap'
import { silentLogger } from '../../../src/logger.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { TransactionCoordinator, type TransactionsConfig } from '../../../src/core/transactions/coordinator.js'
import { MemoryTxnStateLog, partitionForTransactionalId } from '../../../src/core/transactions/state-log.js'
import { TxnState, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, type TxnLogValue, type TxnStateId } from '../../../src/core/transactions/records.js'

interface MarkerCall { topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean }

interface Setup {
  c: TransactionCoordinator
  log: MemoryTxnStateLog
  /** Markers written (successfully). */
  markers: MarkerCall[]
  /** Marker writes attempted, failed ones included. */
  attempts: MarkerCall[]
  /** When set, every marker write fails with it. */
  failMarkers: Error | null
  clock: { now: number }
  pids: number[]
}

async function setup (opts: { log?: MemoryTxnStateLog, config?: Partial<TransactionsConfig>, load?: boolean, nextPid?: number } = {}): Promise<Setup> {
  const s: Setup = {
    log: opts.log ?? new MemoryTxnStateLog(),
    markers: [],
    attempts: [],
    failMarkers: null,
    clock: { now: 1_000_000 },
    pids: [],
    c: null as unknown as TransactionCoordinator
  }
  let nextPid = opts.nextPid ?? 1000
  s.c = new TransactionCoordinator({
    log: s.log,
    writeMarker: async (topic, partition, producerId, producerEpoch, commit) => {
      const call = { topic, partition, producerId, producerEpoch, commit }
      s.attempts.push(call)
      if (s.failMarkers !== null) throw s.failMarkers
      s.markers.push(call)
    },
    allocateProducerId: () => { const p = nextPid++; s.pids.push(p); return p },
    partitionExists: (topic) => topic !== 'missing',
    config: opts.config,
    logger: silentLogger,
    now: () => s.clock.now,
    timers: false
  })
  if (opts.load !== false) await s.c.load()
  return s
}

const NONE = { producerId: -1, producerEpoch: -1 }
const parts = (...tp: Array<[string, number[]]>): Map<string, number[]> => new Map(tp)

/** The decoded values written for `id`, oldest first (null: tombstone). */
function history (log: MemoryTxnStateLog, id: string): Array<TxnLogValue | null> {
  return log.records.filter(r => decodeTxnKey(r.key) === id).map(r => r.value === null ? null : decodeTxnValue(r.value))
}

function states (log: MemoryTxnStateLog, id: string): string[] {
  const names = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']
  return history(log, id).map(v => v === null ? 'tombstone' : `${names[v.state]}@${v.producerEpoch}`)
}

/** Lets queued work (serially(), voided promises) run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}

/** InitProducerId + AddPartitions: an Ongoing transaction on `tp`. */
async function ongoing (s: Setup, id: string, tp = parts(['t', [0, 1]])): Promise<{ producerId: number, producerEpoch: number }> {
  const init = await s.c.initProducerId(id, 60_000, NONE, true)
  if (init.errorCode !== 0) throw new Error(`init ${init.errorCode}`)
  const add = await s.c.addPartitions(id, init.producerId, init.producerEpoch, tp, true)
  if (add.errorCode !== 0) throw new Error(`add ${add.errorCode}`)
  return { producerId: init.producerId, producerEpoch: init.producerEpoch }
}

// ---- life cycle ----

t.test('requests before load() are COORDINATOR_LOAD_IN_PROGRESS, after close() COORDINATOR_NOT_AVAILABLE', async t => {
  const s = await setup({ load: false })
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  t.equal((await s.c.endTxn('a', 1, 0, true, true)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  await s.c.load()
  t.equal(s.c.status, 'active')
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.NONE)
  s.c.close()
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  t.equal((await s.c.addPartitions('a', 1000, 0, parts(['t', [0]]), true)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
})

// ---- InitProducerId ----

t.test('InitProducerId: request checks (empty id, timeout outside (0, transaction.max.timeout.ms])', async t => {
  const s = await setup({ config: { maxTimeoutMs: 5000 } })
  t.equal((await s.c.initProducerId('', 1000, NONE, true)).errorCode, ErrorCode.INVALID_REQUEST)
  t.equal((await s.c.initProducerId('a', 0, NONE, true)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  t.equal((await s.c.initProducerId('a', 5001, NONE, true)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  t.equal((await s.c.initProducerId('a', 5000, { producerId: 1000, producerEpoch: -1 }, true)).errorCode, ErrorCode.INVALID_REQUEST, 'a producer id without an epoch (KafkaApis)')
  t.equal((await s.c.initProducerId('a', 5000, { producerId: -1, producerEpoch: 0 }, true)).errorCode, ErrorCode.INVALID_REQUEST, 'an epoch without a producer id')
  t.same(await s.c.initProducerId('a', 5000, NONE, true), { errorCode: ErrorCode.NONE, message: null, producerId: 1000, producerEpoch: 0 })
  t.equal(s.log.records.length, 1, 'refused requests write nothing')
})

t.test('InitProducerId: a new id gets a new producer id at epoch 0 (Empty, durable); each later call bumps the epoch', async t => {
  const s = await setup()
  const a = await s.c.initProducerId('a', 30_000, NONE, true)
  t.same([a.errorCode, a.producerId, a.producerEpoch], [0, 1000, 0])
  const rec = s.log.records[0]!
  t.equal(rec.partition, partitionForTransactionalId('a', 50), 'written to the id\'s __transaction_state partition')
  t.same(decodeTxnValue(rec.value!), { producerId: 1000, producerEpoch: 0, transactionTimeoutMs: 30_000, state: TxnState.Empty, partitions: new Map(), lastUpdateTimestamp: 1_000_000, startTimestamp: -1 })
  s.clock.now += 5
  const b = await s.c.initProducerId('a', 20_000, NONE, true)
  t.same([b.producerId, b.producerEpoch], [1000, 1], 'same producer id, epoch + 1 (fences the older instance)')
  t.equal(s.c.get('a')!.timeoutMs, 20_000, 'the new timeout is taken')
  t.equal(s.c.get('a')!.lastUpdateTimestamp, 1_000_005)
  const other = await s.c.initProducerId('b', 30_000, NONE, true)
  t.equal(other.producerId, 1001, 'another id, another producer id')
  t.same(states(s.log, 'a'), ['Empty@0', 'Empty@1'])
})

t.test('InitProducerId: an exhausted epoch (>= 32766) gives a new producer id at epoch 0', async t => {
  const log = new MemoryTxnStateLog()
  await log.append(partitionForTransactionalId('x', 50), encodeTxnKey('x'), encodeTxnValue({ producerId: 7, producerEpoch: 32765, transactionTimeoutMs: 1000, state: TxnState.CompleteCommit, partitions: new Map(), lastUpdateTimestamp: 1, startTimestamp: 1 }))
  const s = await setup({ log })
  const a = await s.c.initProducerId('x', 1000, NONE, true)
  t.same([a.producerId, a.producerEpoch], [7, 32766], '32765 + 1')
  const b = await s.c.initProducerId('x', 1000, NONE, true)
  t.same([b.producerId, b.producerEpoch], [1000, 0], 'epoch 32766 is exhausted: producer id rotated')
  t.same(s.pids, [1000])
})

t.test('InitProducerId with the expected producer id and epoch (KIP-360): bump, retry answered again, others fenced', async t => {
  const s = await setup()
  const first = await s.c.initProducerId('a', 1000, NONE, true)
  const bump = await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 0 }, true)
  t.same([bump.errorCode, bump.producerId, bump.producerEpoch], [0, first.producerId, 1])
  const n = s.log.records.length
  const retry = await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 0 }, true)
  t.same([retry.errorCode, retry.producerId, retry.producerEpoch], [0, first.producerId, 1], 'a retry of the bump gets the same epoch, not another bump')
  t.equal(s.log.records.length, n, 'nothing to write for it')
  const stale = await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 5 }, true)
  t.same([stale.errorCode, stale.producerId, stale.producerEpoch], [ErrorCode.PRODUCER_FENCED, -1, -1])
  t.equal((await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 5 }, false)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'v3 does not know PRODUCER_FENCED')
  t.equal((await s.c.initProducerId('a', 1000, { producerId: 4242, producerEpoch: 1 }, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'another producer id')
  t.equal(s.c.get('a')!.producerEpoch, 1, 'refusals change nothing')
  // a retry still recognised after a transaction completed at the new epoch (Kafka: Empty or Complete*)
  await s.c.addPartitions('a', first.producerId, 1, parts(['t', [0]]), true)
  await s.c.endTxn('a', first.producerId, 1, true, true)
  const late = await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 0 }, true)
  t.same([late.errorCode, late.producerEpoch], [0, 1])
  t.equal(s.c.get('a')!.state, TxnState.Empty)
  // a new instance (no expected id) fences: the old bump can no longer be retried
  await s.c.initProducerId('a', 1000, NONE, true)
  t.equal((await s.c.initProducerId('a', 1000, { producerId: first.producerId, producerEpoch: 0 }, true)).errorCode, ErrorCode.PRODUCER_FENCED)
})

t.test('InitProducerId KIP-360 at an exhausted epoch rotates the producer id, and a retry names the old id', async t => {
  const log = new MemoryTxnStateLog()
  await log.append(partitionForTransactionalId('x', 50), encodeTxnKey('x'), encodeTxnValue({ producerId: 7, producerEpoch: 32766, transactionTimeoutMs: 1000, state: TxnState.CompleteAbort, partitions: new Map(), lastUpdateTimestamp: 1, startTimestamp: 1 }))
  const s = await setup({ log })
  const r = await s.c.initProducerId('x', 1000, { producerId: 7, producerEpoch: 32766 }, true)
  t.same([r.errorCode, r.producerId, r.producerEpoch], [0, 1000, 0])
  const retry = await s.c.initProducerId('x', 1000, { producerId: 7, producerEpoch: 32766 }, true)
  t.same([retry.errorCode, retry.producerId, retry.producerEpoch], [0, 1000, 0], 'the lost answer is given again (Kafka: lastProducerId + exhausted epoch)')
  t.same(s.pids, [1000], 'no second rotation')
  t.equal((await s.c.initProducerId('x', 1000, { producerId: 7, producerEpoch: 3 }, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'the old id at another epoch is fenced')
})

t.test('InitProducerId while a transaction is Ongoing aborts it with epoch + 1 (markers), then bumps again', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a', parts(['t', [0, 1]], ['u', [3]]))
  const r = await s.c.initProducerId('a', 1000, NONE, true)
  t.same([r.errorCode, r.producerId, r.producerEpoch], [0, p.producerId, 2])
  t.same(s.markers.map(m => [m.topic, m.partition, m.producerEpoch, m.commit]).sort(), [['t', 0, 1, false], ['t', 1, 1, false], ['u', 3, 1, false]],
    'abort markers at epoch + 1 in every partition: the old producer is fenced there too')
  t.same(states(s.log, 'a'), ['Empty@0', 'Ongoing@0', 'PrepareAbort@1', 'CompleteAbort@1', 'Empty@2'])
  t.equal((await s.c.endTxn('a', p.producerId, 0, true, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'the old instance is fenced')
})

t.test('InitProducerId while the fencing abort cannot write its markers: CONCURRENT_TRANSACTIONS, then done on retry', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a')
  s.failMarkers = new Error('partition offline')
  const r = await s.c.initProducerId('a', 1000, NONE, true)
  t.equal(r.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS)
  t.equal(s.c.get('a')!.state, TxnState.PrepareAbort)
  t.equal(s.c.get('a')!.producerEpoch, p.producerEpoch + 1, 'the fencing epoch is durable')
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'still failing')
  s.failMarkers = null
  const ok = await s.c.initProducerId('a', 1000, NONE, true)
  t.same([ok.errorCode, ok.producerEpoch], [0, 2], 'epoch bumped once for the fence, once for the new producer')
  t.ok(s.markers.every(m => m.producerEpoch === 1 && !m.commit))
})

t.test('InitProducerId: a failed __transaction_state write is COORDINATOR_NOT_AVAILABLE and changes nothing', async t => {
  const s = await setup()
  s.log.failNext = new Error('disk full')
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  t.equal(s.c.get('a'), undefined)
  await s.c.initProducerId('a', 1000, NONE, true)
  s.log.failNext = new Error('disk full')
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  t.equal(s.c.get('a')!.producerEpoch, 0)
})

t.test('concurrent InitProducerId calls for one id run one at a time', async t => {
  const s = await setup()
  const rs = await Promise.all([1, 2, 3].map(async () => await s.c.initProducerId('a', 1000, NONE, true)))
  t.same(rs.map(r => r.producerEpoch).sort(), [0, 1, 2])
  t.same(new Set(rs.map(r => r.producerId)).size, 1)
})

// ---- AddPartitionsToTxn ----

t.test('AddPartitions: producer checks (unknown id / other producer id -> INVALID_PRODUCER_ID_MAPPING, other epoch -> fenced)', async t => {
  const s = await setup()
  const p = await s.c.initProducerId('a', 1000, NONE, true)
  const tp = parts(['t', [0]])
  t.equal((await s.c.addPartitions('', p.producerId, 0, tp, true)).errorCode, ErrorCode.INVALID_REQUEST)
  t.equal((await s.c.addPartitions('nope', p.producerId, 0, tp, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  t.equal((await s.c.addPartitions('a', p.producerId + 1, 0, tp, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  t.equal((await s.c.addPartitions('a', p.producerId, 1, tp, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'a newer epoch too (Kafka: !=)')
  t.equal((await s.c.addPartitions('a', p.producerId, 1, tp, false)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH)
  t.equal(s.c.get('a')!.state, TxnState.Empty)
})

t.test('AddPartitions opens a transaction (start time = now), adds to it, and writes nothing when nothing is new', async t => {
  const s = await setup()
  const p = await s.c.initProducerId('a', 1000, NONE, true)
  s.clock.now = 2_000_000
  t.equal((await s.c.addPartitions('a', p.producerId, 0, parts(['t', [1, 0]]), true)).errorCode, 0)
  let m = s.c.get('a')!
  t.equal(m.state, TxnState.Ongoing)
  t.equal(m.startTimestamp, 2_000_000)
  t.same([...m.partitions.get('t')!].sort(), [0, 1])
  t.same(history(s.log, 'a').at(-1)!.partitions, new Map([['t', [0, 1]]]), 'partitions written sorted')
  s.clock.now = 2_000_500
  await s.c.addPartitions('a', p.producerId, 0, parts(['t', [2]], ['u', [0]]), true)
  m = s.c.get('a')!
  t.equal(m.startTimestamp, 2_000_000, 'adding keeps the start time')
  t.equal(m.lastUpdateTimestamp, 2_000_500)
  t.same([...m.partitions].map(([k, v]) => [k, [...v].sort()]), [['t', [0, 1, 2]], ['u', [0]]])
  const n = s.log.records.length
  t.equal((await s.c.addPartitions('a', p.producerId, 0, parts(['t', [0, 2]]), true)).errorCode, 0)
  t.equal(s.log.records.length, n, 'a subset of the partitions: NONE without a write (Kafka\'s shortcut)')
  t.same(s.c.openPartitions().sort(), [['t', 0], ['t', 1], ['t', 2], ['u', 0]])
  t.equal(s.c.checkPartition('a', p.producerId, 0, 'u', 0, true).errorCode, 0)
  t.equal(s.c.checkPartition('a', p.producerId, 0, 'u', 1, true).errorCode, ErrorCode.INVALID_TXN_STATE, 'a partition not added')
  t.equal(s.c.checkPartition('a', p.producerId, 1, 'u', 0, true).errorCode, ErrorCode.PRODUCER_FENCED)
})

t.test('AddPartitions with an unknown partition: UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the others, nothing added', async t => {
  const s = await setup()
  const p = await s.c.initProducerId('a', 1000, NONE, true)
  const r = await s.c.addPartitions('a', p.producerId, 0, parts(['t', [0]], ['missing', [4]]), true)
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  t.same(r.partitionErrors, new Map<string, Map<number, number>>([['t', new Map([[0, ErrorCode.OPERATION_NOT_ATTEMPTED]])], ['missing', new Map([[4, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]])]]))
  t.equal(s.c.get('a')!.state, TxnState.Empty)
})

t.test('AddPartitions after a completed transaction opens a new one with only the new partitions', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a', parts(['t', [0]]))
  await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)
  s.clock.now += 100
  await s.c.addPartitions('a', p.producerId, p.producerEpoch, parts(['u', [1]]), true)
  const m = s.c.get('a')!
  t.equal(m.state, TxnState.Ongoing)
  t.same([...m.partitions.keys()], ['u'])
  t.equal(m.startTimestamp, s.clock.now)
})

// ---- EndTxn ----

t.test('EndTxn commit: PrepareCommit, commit markers at the producer\'s epoch to every partition, then CompleteCommit', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a', parts(['t', [0, 1]], ['__consumer_offsets', [7]]))
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, 0)
  t.same(s.markers.map(m => `${m.topic}-${m.partition}:${m.producerId}/${m.producerEpoch}:${m.commit ? 'C' : 'A'}`).sort(),
    ['__consumer_offsets-7:1000/0:C', 't-0:1000/0:C', 't-1:1000/0:C'])
  t.same(states(s.log, 'a'), ['Empty@0', 'Ongoing@0', 'PrepareCommit@0', 'CompleteCommit@0'])
  t.same(history(s.log, 'a').at(-2)!.partitions.size, 2, 'PrepareCommit names the partitions (a restart can finish it)')
  t.same(s.c.get('a')!.partitions.size, 0, 'CompleteCommit holds none')
  t.same(s.c.openPartitions(), [])
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, 0, 'a retried commit: NONE')
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, false, true)).errorCode, ErrorCode.INVALID_TXN_STATE, 'abort after commit')
  t.equal(s.markers.length, 3, 'no marker written twice')
})

t.test('EndTxn abort: abort markers, CompleteAbort; commit after it is INVALID_TXN_STATE, abort retry NONE', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a', parts(['t', [0]]))
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, false, true)).errorCode, 0)
  t.same(s.markers, [{ topic: 't', partition: 0, producerId: p.producerId, producerEpoch: p.producerEpoch, commit: false }])
  t.same(states(s.log, 'a'), ['Empty@0', 'Ongoing@0', 'PrepareAbort@0', 'CompleteAbort@0'], 'a producer\'s own abort does not bump the epoch')
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, false, true)).errorCode, 0)
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, ErrorCode.INVALID_TXN_STATE)
})

t.test('EndTxn with no transaction (Empty) is INVALID_TXN_STATE; producer checks as AddPartitions', async t => {
  const s = await setup()
  const p = await s.c.initProducerId('a', 1000, NONE, true)
  t.equal((await s.c.endTxn('a', p.producerId, 0, true, true)).errorCode, ErrorCode.INVALID_TXN_STATE)
  t.equal((await s.c.endTxn('a', p.producerId, 0, false, true)).errorCode, ErrorCode.INVALID_TXN_STATE)
  t.equal((await s.c.endTxn('', p.producerId, 0, true, true)).errorCode, ErrorCode.INVALID_REQUEST)
  t.equal((await s.c.endTxn('zzz', p.producerId, 0, true, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  t.equal((await s.c.endTxn('a', 99, 0, true, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  await s.c.initProducerId('a', 1000, NONE, true)
  t.equal((await s.c.endTxn('a', p.producerId, 0, true, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'v2+: PRODUCER_FENCED')
  t.equal((await s.c.endTxn('a', p.producerId, 0, true, false)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'v0-1: INVALID_PRODUCER_EPOCH')
})

t.test('a marker that cannot be written keeps the transaction in Prepare*: EndTxn still NONE, then CONCURRENT_TRANSACTIONS until abortTimedOut retries it', async t => {
  const s = await setup()
  const p = await ongoing(s, 'a', parts(['t', [0, 1]]))
  s.failMarkers = new Error('t-1 offline')
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, 0, 'the outcome is decided and durable')
  t.equal(s.c.get('a')!.state, TxnState.PrepareCommit)
  t.same(s.c.openPartitions().sort(), [['t', 0], ['t', 1]], 'its partitions are still open (their LSO is held)')
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'a retried commit while the markers still fail')
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, false, true)).errorCode, ErrorCode.INVALID_TXN_STATE, 'abort of a transaction being committed')
  t.equal((await s.c.addPartitions('a', p.producerId, p.producerEpoch, parts(['t', [2]]), true)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS)
  t.equal((await s.c.initProducerId('a', 1000, NONE, true)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS)
  t.equal(s.c.get('a')!.producerEpoch, p.producerEpoch, 'nothing bumped meanwhile')
  s.failMarkers = null
  const attempts = s.attempts.length
  t.equal(await s.c.abortTimedOut(), 0, 'no transaction timed out')
  await settle()
  t.ok(s.attempts.length > attempts, 'abortTimedOut retried the markers')
  t.equal(s.c.get('a')!.state, TxnState.CompleteCommit)
  t.ok(s.markers.length >= 2 && s.markers.every(m => m.commit))
  t.equal((await s.c.endTxn('a', p.producerId, p.producerEpoch, true, true)).errorCode, 0)
})

// ---- timeouts and expiration ----

t.test('abortTimedOut aborts an Ongoing transaction once start + timeout < now, fencing its producer (epoch + 1)', async t => {
  const s = await setup()
  const init = await s.c.initProducerId('a', 5000, NONE, true)
  await s.c.addPartitions('a', init.producerId, 0, parts(['t', [0]]), true)
  const start = s.clock.now
  s.clock.now = start + 5000
  t.equal(await s.c.abortTimedOut(), 0, 'start + timeout == now: not yet (Kafka: <)')
  t.equal(s.c.get('a')!.state, TxnState.Ongoing)
  s.clock.now = start + 5001
  t.equal(await s.c.abortTimedOut(), 1)
  t.equal(s.c.get('a')!.state, TxnState.CompleteAbort)
  t.equal(s.c.get('a')!.producerEpoch, 1)
  t.same(s.markers, [{ topic: 't', partition: 0, producerId: init.producerId, producerEpoch: 1, commit: false }])
  t.equal((await s.c.endTxn('a', init.producerId, 0, true, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'the producer learns it was fenced')
  t.equal((await s.c.addPartitions('a', init.producerId, 0, parts(['t', [0]]), true)).errorCode, ErrorCode.PRODUCER_FENCED)
  t.equal((await s.c.initProducerId('a', 5000, { producerId: init.producerId, producerEpoch: 0 }, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'nor can it bump its way back (KIP-360)')
  const again = await s.c.initProducerId('a', 5000, NONE, true)
  t.same([again.errorCode, again.producerEpoch], [0, 2], 'a new instance gets epoch + 1 over the fencing epoch')
  t.equal(await s.c.abortTimedOut(), 0, 'Empty is never timed out')
})

t.test('a timed-out transaction at epoch 32766 is fenced with 32767; the next InitProducerId rotates the producer id', async t => {
  const log = new MemoryTxnStateLog()
  await log.append(partitionForTransactionalId('x', 50), encodeTxnKey('x'), encodeTxnValue({ producerId: 7, producerEpoch: 32766, transactionTimeoutMs: 1000, state: TxnState.Ongoing, partitions: new Map([['t', [0]]]), lastUpdateTimestamp: 1, startTimestamp: 1 }))
  const s = await setup({ log })
  t.equal(await s.c.abortTimedOut(), 1)
  t.same(s.markers, [{ topic: 't', partition: 0, producerId: 7, producerEpoch: 32767, commit: false }], 'Kafka\'s prepareFenceProducerEpoch bumps up to Short.MaxValue')
  t.equal((await s.c.endTxn('x', 7, 32766, false, true)).errorCode, ErrorCode.PRODUCER_FENCED)
  const r = await s.c.initProducerId('x', 1000, NONE, true)
  t.same([r.errorCode, r.producerId, r.producerEpoch], [0, 1000, 0])
})

t.test('removeExpired writes a tombstone for ids idle (Empty / Complete*) for transactional.id.expiration.ms, never for an open transaction', async t => {
  const s = await setup({ config: { idExpirationMs: 10_000 } })
  await s.c.initProducerId('idle', 1000, NONE, true)
  const busy = await ongoing(s, 'busy')
  t.ok(busy)
  s.clock.now += 9_999
  t.equal(await s.c.removeExpired(), 0)
  s.clock.now += 1
  t.equal(await s.c.removeExpired(), 1, 'idle for exactly the expiration: removed (Kafka: lastUpdate <= now - expiration)')
  t.equal(s.c.get('idle'), undefined)
  t.ok(s.c.get('busy'))
  t.same(history(s.log, 'idle').at(-1), null, 'a tombstone')
  const fresh = await s.c.initProducerId('idle', 1000, NONE, true)
  t.same([fresh.producerEpoch, fresh.producerId !== 1000], [0, true], 'the id starts over with a new producer id')
})

t.test('removeExpired keeps an id whose tombstone cannot be written', async t => {
  const s = await setup({ config: { idExpirationMs: 10 } })
  await s.c.initProducerId('a', 1000, NONE, true)
  s.clock.now += 100
  s.log.failNext = new Error('offline')
  t.equal(await s.c.removeExpired(), 0)
  t.ok(s.c.get('a'))
})

// ---- load ----

t.test('load() replays __transaction_state: the last record per id wins, tombstones remove, bad records are skipped', async t => {
  const s = await setup()
  const a = await ongoing(s, 'a', parts(['t', [0, 2]]))
  const b = await ongoing(s, 'b')
  await s.c.endTxn('b', b.producerId, b.producerEpoch, false, true)
  await s.c.initProducerId('gone', 1000, NONE, true)
  await s.log.append(partitionForTransactionalId('gone', 50), encodeTxnKey('gone'), null)
  s.log.records.push({ partition: 0, key: Buffer.from([0, 9, 0, 0]), value: Buffer.from([1]) })
  s.log.records.push({ partition: 0, key: encodeTxnKey('junk'), value: Buffer.from([0, 0, 1]) })
  const again = await setup({ log: s.log, nextPid: 5000 })
  const m = again.c.get('a')!
  t.same([m.producerId, m.producerEpoch, m.state, m.timeoutMs, m.startTimestamp], [a.producerId, a.producerEpoch, TxnState.Ongoing, 60_000, 1_000_000])
  t.same([...m.partitions.get('t')!], [0, 2])
  t.equal(again.c.get('b')!.state, TxnState.CompleteAbort)
  t.equal(again.c.get('gone'), undefined, 'tombstoned')
  t.equal(again.c.get('junk'), undefined, 'undecodable value skipped')
  t.same(again.c.openPartitions(), [['t', 0], ['t', 2]], 'the open transaction\'s partitions, whose producer state the broker loads')
  t.same(again.markers, [], 'nothing to complete')
  // the reloaded Ongoing transaction is still usable by its producer, and times out as before
  t.equal(again.c.checkPartition('a', a.producerId, a.producerEpoch, 't', 2, true).errorCode, 0)
  again.clock.now = 1_000_000 + 60_001
  t.equal(await again.c.abortTimedOut(), 1)
  t.equal(again.c.get('a')!.producerEpoch, a.producerEpoch + 1)
})

t.test('load() completes transactions left in PrepareCommit / PrepareAbort (markers written again, Complete* recorded)', async t => {
  const s = await setup()
  const a = await ongoing(s, 'a', parts(['t', [0]]))
  const b = await ongoing(s, 'b', parts(['u', [1]]))
  s.failMarkers = new Error('crash before the markers')
  await s.c.endTxn('a', a.producerId, a.producerEpoch, true, true)
  await s.c.endTxn('b', b.producerId, b.producerEpoch, false, true)
  t.same([s.c.get('a')!.state, s.c.get('b')!.state], [TxnState.PrepareCommit, TxnState.PrepareAbort])
  s.c.close()
  const again = await setup({ log: s.log })
  await settle()
  t.same(again.markers.map(m => `${m.topic}-${m.partition}:${m.commit ? 'C' : 'A'}@${m.producerEpoch}`).sort(), ['t-0:C@0', 'u-1:A@0'])
  t.same([again.c.get('a')!.state, again.c.get('b')!.state], [TxnState.CompleteCommit, TxnState.CompleteAbort])
  t.same(again.c.openPartitions(), [])
})

// ---- records ----

t.test('__transaction_state key and value v0 round trip, byte layout of Kafka TransactionLogKey/Value v0', async t => {
  const key = encodeTxnKey('tx-é')
  t.same([...key], [0, 0, 0, 5, ...Buffer.from('tx-é')], 'version 0, int16 length, UTF-8')
  t.equal(decodeTxnKey(key), 'tx-é')
  const v: TxnLogValue = { producerId: 2 ** 40, producerEpoch: 3, transactionTimeoutMs: 60_000, state: TxnState.PrepareCommit, partitions: new Map([['t', [0, 5]], ['__consumer_offsets', [12]]]), lastUpdateTimestamp: 1_700_000_000_123, startTimestamp: 1_700_000_000_000 }
  const buf = encodeTxnValue(v)
  t.equal(buf.readInt16BE(0), 0, 'version 0')
  t.equal(buf.readBigInt64BE(2), BigInt(2 ** 40))
  t.equal(buf.readInt16BE(10), 3)
  t.equal(buf.readInt32BE(12), 60_000)
  t.equal(buf.readInt8(16), 2, 'status: PrepareCommit')
  t.equal(buf.readInt32BE(17), 2, 'int32 topic count')
  t.equal(buf.readInt16BE(21), 1, 'int16 topic name length')
  t.equal(buf.readInt32BE(24), 2, 'int32 partition count')
  t.same([buf.readInt32BE(28), buf.readInt32BE(32)], [0, 5])
  t.equal(buf.readBigInt64BE(buf.length - 16), 1_700_000_000_123n, 'last update, then start timestamp at the end')
  t.equal(buf.readBigInt64BE(buf.length - 8), 1_700_000_000_000n)
  t.same(decodeTxnValue(buf), v)
  for (const state of [0, 1, 2, 3, 4, 5] as TxnStateId[]) t.equal(decodeTxnValue(encodeTxnValue({ ...v, state })).state, state)
  const empty = encodeTxnValue({ ...v, state: TxnState.Empty, partitions: new Map(), startTimestamp: -1 })
  t.equal(empty.readInt32BE(17), -1, 'Empty: a null partition array, as Kafka writes it')
  t.equal(empty.length, 17 + 4 + 16)
  t.same(decodeTxnValue(empty).partitions, new Map())
  t.equal(encodeTxnValue({ ...v, state: TxnState.CompleteCommit, partitions: new Map() }).readInt32BE(17), 0, 'Complete*: an empty array')
  t.throws(() => decodeTxnKey(Buffer.from([0, 1, 0, 0])), /key version 1/)
  t.throws(() => decodeTxnValue(Buffer.concat([Buffer.from([0, 2]), buf.subarray(2)])), /value version 2/)
  const badState = Buffer.from(buf)
  badState.writeInt8(9, 16)
  t.throws(() => decodeTxnValue(badState), /transaction status 9/)
})

t.test('a v1 (flexible, Kafka 4.x) value decodes, tagged fields skipped', async t => {
  const uv = (n: number): number[] => { const out: number[] = []; while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7 } out.push(n); return out }
  const i16 = (n: number): number[] => { const b = Buffer.alloc(2); b.writeInt16BE(n); return [...b] }
  const i32 = (n: number): number[] => { const b = Buffer.alloc(4); b.writeInt32BE(n); return [...b] }
  const i64 = (n: number): number[] => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return [...b] }
  const str = (s: string): number[] => [...uv(Buffer.byteLength(s) + 1), ...Buffer.from(s)]
  const bytes = Buffer.from([
    ...i16(1), ...i64(77), ...i16(4), ...i32(30_000), 1,
    ...uv(2 + 1), // two topics
    ...str('orders'), ...uv(2 + 1), ...i32(0), ...i32(3), 0,
    ...str('pay'), ...uv(1 + 1), ...i32(9), 1, 5, 2, 0xab, 0xcd, // a tagged field in the topic struct
    ...i64(1_700_000_000_500), ...i64(1_700_000_000_400),
    2, 0, 8, ...i64(76), 2, 2, ...i16(2) // top-level tagged fields: PreviousProducerId (tag 0), ClientTransactionVersion (tag 2)
  ])
  t.same(decodeTxnValue(bytes), {
    producerId: 77, producerEpoch: 4, transactionTimeoutMs: 30_000, state: TxnState.Ongoing,
    partitions: new Map([['orders', [0, 3]], ['pay', [9]]]), lastUpdateTimestamp: 1_700_000_000_500, startTimestamp: 1_700_000_000_400
  })
  const nullParts = Buffer.from([...i16(1), ...i64(5), ...i16(0), ...i32(1000), 0, 0, ...i64(1), ...i64(-1), 0])
  t.same(decodeTxnValue(nullParts).partitions, new Map(), 'a null partition array (compact length 0)')
})
