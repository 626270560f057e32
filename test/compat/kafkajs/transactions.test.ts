// kafkajs 2.2.4 transactions against a real broker: a transactional producer commits and aborts, a
// read_committed consumer (kafkajs's default) sees only committed records while a read_uncommitted one sees
// everything; a transaction left open holds read_committed consumers back at its first offset; sendOffsets
// (consume-transform-produce) commits the group's offsets with the records, or drops them on abort; a second
// producer with the same transactional id fences the first; state survives a restart.
import t from 'tap'
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { isControl } from '../../../src/protocol/records/batch-header.js'

function kafka (brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'txn-test', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } })
}

/** Reads `topic` from the beginning with a fresh group until `want` messages arrived or 8 s passed. */
async function consumeAll (k: Kafka, topic: string, opts: { readUncommitted?: boolean, want: number }): Promise<string[]> {
  const consumer: Consumer = k.consumer({ groupId: `reader-${Math.random()}`, readUncommitted: opts.readUncommitted ?? false, maxWaitTimeInMs: 100 })
  await consumer.connect()
  const got: string[] = []
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 8000)
      void consumer.run({
        eachMessage: async ({ message }: { message: KafkaMessage }) => {
          got.push(message.value?.toString() ?? '')
          if (got.length >= opts.want) { clearTimeout(timer); resolve() }
        }
      })
    })
    // a little longer: anything past `want` would be a bug
    await new Promise(resolve => setTimeout(resolve, 300))
  } finally {
    await consumer.disconnect()
  }
  return got
}

t.test('commit and abort: read_committed sees only committed records', async t => {
  const b = await withBroker(t)
  const k = kafka(b.brokers)
  const admin = k.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] })
  await admin.disconnect()
  const producer = k.producer({ transactionalId: 'orders-tx', maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  t.teardown(() => producer.disconnect())

  const tx1 = await producer.transaction()
  await tx1.send({ topic: 'orders', messages: [{ key: 'a', value: 'c1' }, { key: 'b', value: 'c2' }] })
  await tx1.commit()
  const tx2 = await producer.transaction()
  await tx2.send({ topic: 'orders', messages: [{ key: 'a', value: 'x1' }, { key: 'b', value: 'x2' }] })
  await tx2.abort()
  const tx3 = await producer.transaction()
  await tx3.send({ topic: 'orders', messages: [{ key: 'a', value: 'c3' }] })
  await tx3.commit()

  const committed = await consumeAll(k, 'orders', { want: 3 })
  t.same(committed.sort(), ['c1', 'c2', 'c3'], 'read_committed: committed records only')
  const all = await consumeAll(k, 'orders', { readUncommitted: true, want: 5 })
  t.same(all.sort(), ['c1', 'c2', 'c3', 'x1', 'x2'], 'read_uncommitted: aborted records too')

  // markers are in the log as control batches, and the abort is in the transaction index
  let markers = 0
  let aborted = 0
  for (const p of [0, 1]) {
    const log = b.current.broker.core.topics.log('orders', p)!
    for (const s of log.segmentList()) aborted += s.txnIndex.entries.length
    const got = await fetchRecords(b.port, 'orders', p)
    markers += got.batches.filter(x => isControl(x)).length
  }
  t.ok(markers >= 3, `control batches written (${markers})`)
  t.ok(aborted >= 1, `aborted transactions indexed (${aborted})`)
})

t.test('an open transaction holds read_committed consumers at its first offset', async t => {
  const b = await withBroker(t)
  const k = kafka(b.brokers)
  const plain = k.producer()
  await plain.connect()
  t.teardown(() => plain.disconnect())
  await plain.send({ topic: 'lso', messages: [{ value: 'before' }] })
  const producer = k.producer({ transactionalId: 'lso-tx', maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  const tx = await producer.transaction()
  await tx.send({ topic: 'lso', messages: [{ value: 'in-txn' }] })
  await plain.send({ topic: 'lso', messages: [{ value: 'after' }] })

  const log = b.current.broker.core.topics.log('lso', 0)!
  t.equal(log.highWatermark, 3, 'HW past all three records')
  t.equal(log.lastStableOffset, 1, 'LSO at the open transaction')
  const admin = k.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  // kafkajs's admin asks ListOffsets with read_committed: the latest offset is the LSO
  const offsets = await admin.fetchTopicOffsets('lso')
  t.equal(offsets[0]!.high, '1', 'read_committed latest offset = LSO')

  const early = await consumeAll(k, 'lso', { want: 2 })
  t.same(early, ['before'], 'read_committed stops at the open transaction')
  await tx.commit()
  t.equal(log.lastStableOffset, log.highWatermark, 'LSO back at the HW after the commit')
  const late = await consumeAll(k, 'lso', { want: 3 })
  t.same(late, ['before', 'in-txn', 'after'], 'everything once committed')
})

t.test('sendOffsets: the group offset commits with the transaction, and not on abort', async t => {
  const b = await withBroker(t)
  const k = kafka(b.brokers)
  const producer = k.producer({ transactionalId: 'eos-tx', maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  const admin = k.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'in' }, { topic: 'out' }] })

  const tx = await producer.transaction()
  await tx.send({ topic: 'out', messages: [{ value: 'r1' }] })
  await tx.sendOffsets({ consumerGroupId: 'eos-group', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '5' }] }] })
  let before = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['in'] })
  t.equal(before[0]!.partitions[0]!.offset, '-1', 'not visible before the commit')
  await tx.commit()
  const after = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['in'] })
  t.equal(after[0]!.partitions[0]!.offset, '5', 'committed with the transaction')

  const tx2 = await producer.transaction()
  await tx2.send({ topic: 'out', messages: [{ value: 'r2' }] })
  await tx2.sendOffsets({ consumerGroupId: 'eos-group', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '9' }] }] })
  await tx2.abort()
  before = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['in'] })
  t.equal(before[0]!.partitions[0]!.offset, '5', 'an aborted transaction leaves the offset as it was')

  // the committed offset survives a restart (replay of the transactional batch and its marker)
  await producer.disconnect()
  await admin.disconnect()
  await b.restart()
  const admin2 = k.admin()
  await admin2.connect()
  t.teardown(() => admin2.disconnect())
  const reloaded = await admin2.fetchOffsets({ groupId: 'eos-group', topics: ['in'] })
  t.equal(reloaded[0]!.partitions[0]!.offset, '5', 'after a restart')
})

t.test('a second producer with the same transactional id fences the first and aborts its transaction', async t => {
  const b = await withBroker(t)
  const k = kafka(b.brokers)
  const first = k.producer({ transactionalId: 'fence-tx', maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 50 } })
  await first.connect()
  t.teardown(() => first.disconnect())
  const tx = await first.transaction()
  await tx.send({ topic: 'fenced', messages: [{ value: 'zombie' }] })

  const second = k.producer({ transactionalId: 'fence-tx', maxInFlightRequests: 1, idempotent: true })
  await second.connect()
  t.teardown(() => second.disconnect())
  const tx2 = await second.transaction()
  await tx2.send({ topic: 'fenced', messages: [{ value: 'fresh' }] })
  await tx2.commit()

  await t.rejects(tx.commit(), 'the fenced producer cannot commit')
  const got = await consumeAll(k, 'fenced', { want: 1 })
  t.same(got, ['fresh'], 'the zombie transaction was aborted')
})

t.test('errors: unknown transactional id, wrong epoch, EndTxn without a transaction', async t => {
  const b = await withBroker(t)
  const txns = await b.current.broker.core.transactions.get()
  const end = await txns.endTxn('nobody', 1, 0, true, true)
  t.equal(end.errorCode, 49, 'INVALID_PRODUCER_ID_MAPPING for an unknown id')
  const init = await txns.initProducerId('tid', 60000, { producerId: -1, producerEpoch: -1 }, true)
  t.equal(init.errorCode, 0)
  const stale = await txns.addPartitions('tid', init.producerId, init.producerEpoch + 1, new Map([['nope', [0]]]), true)
  t.equal(stale.errorCode, 3, 'unknown topic checked first: UNKNOWN_TOPIC_OR_PARTITION')
  const noTxn = await txns.endTxn('tid', init.producerId, init.producerEpoch, true, true)
  t.equal(noTxn.errorCode, 48, 'INVALID_TXN_STATE: nothing to commit')
  const tooLong = await txns.initProducerId('tid2', 10_000_000, { producerId: -1, producerEpoch: -1 }, true)
  t.equal(tooLong.errorCode, 50, 'INVALID_TRANSACTION_TIMEOUT above transaction.max.timeout.ms')
})

t.test('a transaction left open across a restart holds the LSO, then aborts when its timeout passes', async t => {
  const b = await withBroker(t, { config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 } })
  const k = kafka(b.brokers)
  const producer = k.producer({ transactionalId: 'restart-tx', maxInFlightRequests: 1, idempotent: true, transactionTimeout: 3000 })
  await producer.connect()
  const plain = k.producer()
  await plain.connect()
  await plain.send({ topic: 'restart', messages: [{ value: 'before' }] })
  const tx = await producer.transaction()
  await tx.send({ topic: 'restart', messages: [{ value: 'left-open' }] })
  await plain.send({ topic: 'restart', messages: [{ value: 'after' }] })
  await plain.disconnect()
  // the producer goes away without ending its transaction
  await producer.disconnect().catch(() => {})

  await b.restart()
  const txns = await b.current.broker.core.transactions.get()
  const log = b.current.broker.core.topics.log('restart', 0)!
  const state = txns.get('restart-tx')?.state
  if (state === 1) {
    t.equal(log.lastStableOffset, 1, 'after the restart the open transaction still holds the LSO at its first offset')
  } else {
    t.comment(`the transaction already timed out before the check (state ${String(state)})`)
  }
  // the timeout (3 s from the transaction's start) aborts it and fences the producer's epoch
  const deadline = Date.now() + 15000
  while (txns.get('restart-tx')?.state !== 5 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(txns.get('restart-tx')?.state, 5, 'CompleteAbort after the timeout')
  t.equal(log.lastStableOffset, log.highWatermark, 'the LSO moved up to the HW')
  const got = await consumeAll(kafka(b.brokers), 'restart', { want: 2 })
  t.same(got, ['before', 'after'], 'read_committed: the timed-out transaction is aborted')
  const aborted = log.collectAbortedTxns(0, log.highWatermark)
  t.equal(aborted.length, 1, 'indexed as an aborted transaction')
  t.equal(aborted[0]?.firstOffset, 1, 'from its first offset')
})
