// Apache Kafka 3.9's own command-line tools against Samsa, run from the jars scripts/kafka/kafka.sh fetches:
// kafka-topics (create with a config, list, describe, alter partitions, delete), the console producer (keys,
// every codec) and console consumer (from the beginning, from an offset, in a group), kafka-consumer-groups
// (list, describe offsets/members/state, reset-offsets to earliest/offset/shift/latest, delete),
// kafka-transactions (list, describe, describe-producers, find-hanging, abort of an open transaction). Skips
// when Java, Maven or Maven Central are unavailable.
import t, { type Test } from 'tap'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CODECS, batchHeader, ensureKafka, kafkaTool, tail, type RunResult } from './lib/common.js'
import { Kafka, logLevel } from 'kafkajs'

t.setTimeout(15 * 60_000)

const kafka = await ensureKafka()
if (kafka.error !== undefined) t.fail(kafka.error)
const skip = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

let b: TestBroker
let BS: string[]
t.before(async () => {
  if (skip !== false) return
  b = await withBroker(t)
  BS = ['--bootstrap-server', b.brokers[0]]
})

function ok (t: Test, r: RunResult, what: string): void {
  t.equal(r.code, 0, `${what} exits 0${r.code === 0 ? '' : `\n${tail(r.stderr + r.stdout, 20)}`}`)
}

/** kafka-consumer-groups --describe table rows: partition -> { current, end, lag, consumer }. */
function describeRows (out: string, topic: string): Map<number, { current: string, end: string, lag: string, consumer: string }> {
  const rows = new Map<number, { current: string, end: string, lag: string, consumer: string }>()
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f[1] === topic && /^\d+$/.test(f[2] ?? '')) rows.set(Number(f[2]), { current: f[3], end: f[4], lag: f[5], consumer: f[6] })
  }
  return rows
}

t.test('kafka-topics: create with a config, list, describe, alter partitions, delete', { skip }, async t => {
  let r = await kafkaTool('topics', [...BS, '--create', '--topic', 'cli-topic', '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=3600000'])
  ok(t, r, 'create')
  t.match(r.stdout, /Created topic cli-topic\./)
  r = await kafkaTool('topics', [...BS, '--create', '--topic', 'cli-topic', '--partitions', '1'])
  t.not(r.code, 0, 'creating it again fails')
  t.match(r.stderr + r.stdout, /already exists/, 'with TopicExistsException')
  r = await kafkaTool('topics', [...BS, '--create', '--if-not-exists', '--topic', 'cli-topic', '--partitions', '1'])
  ok(t, r, 'create --if-not-exists on an existing topic')
  r = await kafkaTool('topics', [...BS, '--list'])
  ok(t, r, 'list')
  t.ok(r.stdout.split('\n').includes('cli-topic'), 'list shows the topic')
  r = await kafkaTool('topics', [...BS, '--describe', '--topic', 'cli-topic'])
  ok(t, r, 'describe')
  t.match(r.stdout, /Topic: cli-topic\tTopicId: \S{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention\.ms=3600000/, 'summary line with topic id and the config')
  t.equal((r.stdout.match(/Partition: \d\tLeader: 1\tReplicas: 1\tIsr: 1/g) ?? []).length, 2, 'two partitions led by node 1')
  r = await kafkaTool('topics', [...BS, '--alter', '--topic', 'cli-topic', '--partitions', '4'])
  ok(t, r, 'alter --partitions 4')
  r = await kafkaTool('topics', [...BS, '--describe', '--topic', 'cli-topic'])
  t.match(r.stdout, /PartitionCount: 4/, 'describe shows 4 partitions')
  t.equal((r.stdout.match(/Partition: \d\tLeader: 1/g) ?? []).length, 4)
  r = await kafkaTool('topics', [...BS, '--alter', '--topic', 'cli-topic', '--partitions', '3'])
  t.not(r.code, 0, 'decreasing partitions fails')
  t.match(r.stderr + r.stdout, /InvalidPartitionsException|can only be increased|decrease/i, 'with InvalidPartitionsException')
  r = await kafkaTool('topics', [...BS, '--describe', '--topics-with-overrides'])
  ok(t, r, 'describe --topics-with-overrides')
  t.match(r.stdout, /cli-topic/)
  r = await kafkaTool('topics', [...BS, '--create', '--topic', 'cli-doomed', '--partitions', '1'])
  ok(t, r, 'create a second topic')
  r = await kafkaTool('topics', [...BS, '--delete', '--topic', 'cli-doomed'])
  ok(t, r, 'delete')
  r = await kafkaTool('topics', [...BS, '--list'])
  t.notOk(r.stdout.split('\n').includes('cli-doomed'), 'the deleted topic is no longer listed')
})

t.test('console producer (keys, every codec) and console consumer (beginning, offset)', { skip }, async t => {
  let r = await kafkaTool('topics', [...BS, '--create', '--topic', 'cli-lines', '--partitions', '1'])
  ok(t, r, 'create cli-lines')
  for (const [i, codec] of CODECS.entries()) {
    const input = Array.from({ length: 10 }, (_, j) => `k${i * 10 + j}:line ${i * 10 + j}`).join('\n') + '\n'
    r = await kafkaTool('console-producer', [...BS, '--topic', 'cli-lines', '--compression-codec', codec, '--property', 'parse.key=true', '--property', 'key.separator=:'], { input })
    ok(t, r, `console producer with ${codec}`)
  }
  const stored = await fetchRecords(b.port, 'cli-lines', 0)
  t.equal(stored.records.length, 50, '50 records stored')
  t.same([...new Set(stored.batches.map(x => batchHeader(x).codec))].sort(), [0, 1, 2, 3, 4], 'batches in all five codecs')
  t.same(stored.records.map(x => `${x.keyString}:${x.valueString}`), Array.from({ length: 50 }, (_, j) => `k${j}:line ${j}`))

  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-lines', '--from-beginning', '--max-messages', '50', '--property', 'print.key=true', '--property', 'key.separator=:'])
  ok(t, r, 'console consumer --from-beginning')
  t.same(r.stdout.trim().split('\n'), Array.from({ length: 50 }, (_, j) => `k${j}:line ${j}`), 'every record, in order, every codec decoded')
  t.match(r.stderr, /Processed a total of 50 messages/)

  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-lines', '--partition', '0', '--offset', '23', '--max-messages', '5', '--property', 'print.offset=true', '--property', 'print.partition=true'])
  ok(t, r, 'console consumer --partition 0 --offset 23')
  t.same(r.stdout.trim().split('\n'), [23, 24, 25, 26, 27].map(o => `Partition:0\tOffset:${o}\tline ${o}`), 'starts exactly at offset 23 (mid-batch)')

  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-lines', '--partition', '0', '--offset', 'latest', '--timeout-ms', '3000'])
  t.equal(r.stdout.trim(), '', '--offset latest reads nothing')
})

t.test('kafka-consumer-groups: list, describe, reset-offsets, delete', { skip }, async t => {
  let r = await kafkaTool('topics', [...BS, '--create', '--topic', 'cli-group-topic', '--partitions', '3'])
  ok(t, r, 'create cli-group-topic')
  // Keyed, so that the records spread over the three partitions (murmur2 of k0..k29).
  r = await kafkaTool('console-producer', [...BS, '--topic', 'cli-group-topic', '--property', 'parse.key=true', '--property', 'key.separator=:'],
    { input: Array.from({ length: 30 }, (_, i) => `k${i}:m${i}`).join('\n') + '\n' })
  ok(t, r, 'produce 30 keyed records')
  const ends = new Map<number, number>()
  for (let p = 0; p < 3; p++) ends.set(p, (await fetchRecords(b.port, 'cli-group-topic', p)).highWatermark)
  t.equal([...ends.values()].reduce((a, x) => a + x, 0), 30)
  t.ok([...ends.values()].every(n => n >= 4), `every partition holds a few records: ${[...ends.values()].join(', ')}`)

  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-group-topic', '--group', 'cli-group', '--from-beginning', '--max-messages', '30'])
  ok(t, r, 'console consumer in group cli-group reads 30')
  t.equal(r.stdout.trim().split('\n').length, 30)

  r = await kafkaTool('consumer-groups', [...BS, '--list'])
  ok(t, r, '--list')
  t.ok(r.stdout.split('\n').map(s => s.trim()).includes('cli-group'), 'lists cli-group')

  r = await kafkaTool('consumer-groups', [...BS, '--describe', '--group', 'cli-group'])
  ok(t, r, '--describe')
  let rows = describeRows(r.stdout, 'cli-group-topic')
  t.equal(rows.size, 3, 'a row per partition')
  for (const [p, row] of rows) t.same([row.current, row.end, row.lag], [String(ends.get(p)), String(ends.get(p)), '0'], `partition ${p}: committed at the end, lag 0`)
  t.match(r.stdout + r.stderr, /has no active members/, 'no active members after the consumer left')

  r = await kafkaTool('consumer-groups', [...BS, '--describe', '--group', 'cli-group', '--state'])
  ok(t, r, '--describe --state')
  t.match(r.stdout, /cli-group\s+\S+:\d+\s+\(1\)\s+\S*\s+Empty\s+0/, 'state Empty, coordinator node 1, no members')

  r = await kafkaTool('consumer-groups', [...BS, '--reset-offsets', '--group', 'cli-group', '--topic', 'cli-group-topic', '--to-earliest', '--dry-run'])
  ok(t, r, '--reset-offsets --to-earliest --dry-run')
  r = await kafkaTool('consumer-groups', [...BS, '--describe', '--group', 'cli-group'])
  rows = describeRows(r.stdout, 'cli-group-topic')
  t.ok([...rows].every(([p, row]) => row.current === String(ends.get(p))), 'a dry run changes nothing')

  r = await kafkaTool('consumer-groups', [...BS, '--reset-offsets', '--group', 'cli-group', '--topic', 'cli-group-topic', '--to-earliest', '--execute'])
  ok(t, r, '--reset-offsets --to-earliest --execute')
  r = await kafkaTool('consumer-groups', [...BS, '--describe', '--group', 'cli-group'])
  rows = describeRows(r.stdout, 'cli-group-topic')
  t.ok([...rows].every(([p, row]) => row.current === '0' && row.lag === String(ends.get(p))), 'every partition back at 0, lag = end offset')

  r = await kafkaTool('consumer-groups', [...BS, '--reset-offsets', '--group', 'cli-group', '--topic', 'cli-group-topic:1', '--to-offset', '2', '--execute'])
  ok(t, r, '--reset-offsets --to-offset 2 on partition 1')
  r = await kafkaTool('consumer-groups', [...BS, '--reset-offsets', '--group', 'cli-group', '--topic', 'cli-group-topic:0', '--shift-by', '3', '--execute'])
  ok(t, r, '--reset-offsets --shift-by 3 on partition 0')
  r = await kafkaTool('consumer-groups', [...BS, '--reset-offsets', '--group', 'cli-group', '--topic', 'cli-group-topic:2', '--to-latest', '--execute'])
  ok(t, r, '--reset-offsets --to-latest on partition 2')
  r = await kafkaTool('consumer-groups', [...BS, '--describe', '--group', 'cli-group', '--offsets'])
  rows = describeRows(r.stdout, 'cli-group-topic')
  t.same([0, 1, 2].map(p => rows.get(p)?.current), ['3', '2', String(ends.get(2))], 'offsets 3, 2 and the end')

  // A consumer in the group now resumes from those offsets.
  const expected = (ends.get(0)! - 3) + (ends.get(1)! - 2)
  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-group-topic', '--group', 'cli-group', '--max-messages', String(expected), '--timeout-ms', '20000'])
  ok(t, r, 'console consumer resumes in the group')
  t.equal(r.stdout.trim().split('\n').filter(Boolean).length, expected, `reads exactly the ${expected} records after the reset offsets`)

  r = await kafkaTool('consumer-groups', [...BS, '--delete', '--group', 'cli-group'])
  ok(t, r, '--delete')
  t.match(r.stdout, /Deletion of requested consumer groups \('cli-group'\) was successful/)
  r = await kafkaTool('consumer-groups', [...BS, '--list'])
  t.notOk(r.stdout.split('\n').map(s => s.trim()).includes('cli-group'), 'the group is gone')
})

t.test('kafka-transactions: list, describe, describe-producers, find-hanging, abort an open transaction', { skip }, async t => {
  const k = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING })
  const producer = k.producer({ transactionalId: 'cli-tx', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.teardown(() => producer.disconnect().catch(() => {}))
  const plain = k.producer()
  await plain.connect()
  t.teardown(() => plain.disconnect())
  await plain.send({ topic: 'cli-txn', messages: [{ value: 'first' }] })
  const tx = await producer.transaction()
  await tx.send({ topic: 'cli-txn', messages: [{ value: 'open-1' }, { value: 'open-2' }] })
  await plain.send({ topic: 'cli-txn', messages: [{ value: 'after' }] })
  const log = b.current.broker.core.topics.log('cli-txn', 0)!
  t.equal(log.lastStableOffset, 1, 'the open transaction holds the LSO at offset 1')

  let r = await kafkaTool('transactions', [...BS, 'list'])
  ok(t, r, 'kafka-transactions list')
  t.match(r.stdout, /cli-tx\s+\d+\s+\d+\s+Ongoing/, 'lists cli-tx as Ongoing')
  r = await kafkaTool('transactions', [...BS, 'describe', '--transactional-id', 'cli-tx'])
  ok(t, r, 'kafka-transactions describe')
  t.match(r.stdout, /Ongoing/, 'describe: Ongoing')
  t.match(r.stdout, /cli-txn-0/, 'describe: with its partition')
  r = await kafkaTool('transactions', [...BS, 'describe-producers', '--topic', 'cli-txn', '--partition', '0'])
  ok(t, r, 'kafka-transactions describe-producers')
  const row = r.stdout.split('\n').find(l => /^\d+\s+\d+\s+/.test(l.trim()) && /\s1\s*$/.test(l))
  t.ok(row !== undefined, 'a producer whose transaction starts at offset 1', { stdout: r.stdout })
  r = await kafkaTool('transactions', [...BS, 'find-hanging', '--broker-id', '0'])
  ok(t, r, 'kafka-transactions find-hanging')
  t.notMatch(r.stdout, /cli-txn/, 'a transaction within its timeout is not hanging')
  r = await kafkaTool('transactions', [...BS, 'abort', '--topic', 'cli-txn', '--partition', '0', '--start-offset', '1'])
  ok(t, r, 'kafka-transactions abort (DescribeProducers, then WriteTxnMarkers)')
  t.equal(log.lastStableOffset, log.highWatermark, 'the LSO moved to the HW: the transaction is closed in the partition')
  t.equal(log.collectAbortedTxns(0, log.highWatermark).length, 1, 'and indexed as aborted')
  r = await kafkaTool('console-consumer', [...BS, '--topic', 'cli-txn', '--from-beginning', '--isolation-level', 'read_committed', '--max-messages', '2', '--timeout-ms', '10000'])
  t.same(r.stdout.trim().split('\n'), ['first', 'after'], 'a read_committed console consumer skips the aborted records')
})
