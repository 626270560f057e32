// confluent-kafka-python (Debian's python3-confluent-kafka, librdkafka 2.0.x) against Samsa: AdminClient, a
// producer per codec (none, gzip, snappy, lz4, zstd) with each stored batch checked to carry that codec, the
// idempotent producer, a consumer from an offset, a two-member group with synchronous commits, and a
// transactional producer (commit, abort, send_offsets_to_transaction) read back by read_committed and
// read_uncommitted consumers.
// Skips when /usr/bin/python3 has no confluent_kafka (apt-get install python3-confluent-kafka).
import t from 'tap'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CODECS, INTEROP, assertPeerOutput, batchHeader, run, type RunResult } from './lib/common.js'

t.setTimeout(10 * 60_000)

const PY = '/usr/bin/python3'
const probe = spawnSync(PY, ['-c', 'import confluent_kafka; print(confluent_kafka.version()[0], confluent_kafka.libversion()[0])'], { encoding: 'utf8' })
const skip = probe.status === 0 ? false : 'confluent_kafka is not importable by /usr/bin/python3 (apt-get install python3-confluent-kafka)'
if (probe.status === 0) t.comment(`confluent-kafka ${probe.stdout.trim().replace(' ', ', librdkafka ')}`)

function ck (args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run(PY, [path.join(INTEROP, 'python', 'confluent_interop.py'), ...args], { timeoutMs, env: { PYTHONUNBUFFERED: '1' } })
}

let b: TestBroker
t.before(async () => { if (skip === false) b = await withBroker(t, { config: { 'num.partitions': 3 } }) })

t.test('AdminClient: metadata, create, configs, add partitions, delete', { skip }, async t => {
  assertPeerOutput(t, 'admin', await ck(['admin', b.brokers[0]]))
})

t.test('one producer per codec: lz4, snappy, zstd, gzip, none batches stored as sent', { skip }, async t => {
  for (const codec of CODECS) {
    const topic = `ck-${codec}`
    assertPeerOutput(t, `produce ${codec}`, await ck(['produce', b.brokers[0], topic, '300', codec]))
    let records = 0
    const codecs = new Set<number>()
    for (let p = 0; p < 3; p++) {
      const f = await fetchRecords(b.port, topic, p)
      records += f.records.length
      for (const batch of f.batches) codecs.add(batchHeader(batch).codec)
    }
    t.equal(records, 300, `${codec}: 300 records stored`)
    t.same([...codecs], [CODECS.indexOf(codec)], `${codec}: every stored batch is ${codec} (librdkafka did not fall back)`)
  }
})

t.test('idempotent producer (enable.idempotence=true)', { skip }, async t => {
  assertPeerOutput(t, 'produce idempotent', await ck(['produce', b.brokers[0], 'ck-idempotent', '300', 'lz4', 'idempotent']))
  const batches = []
  for (let p = 0; p < 3; p++) batches.push(...(await fetchRecords(b.port, 'ck-idempotent', p)).batches.map(batchHeader))
  t.equal(batches.reduce((n, h) => n + h.recordCount, 0), 300, '300 records stored')
  t.ok(batches.every(h => h.producerId >= 0n && h.producerEpoch >= 0 && h.baseSequence >= 0), 'every batch carries producer id, epoch and sequence')
  t.equal(new Set(batches.map(h => h.producerId)).size, 1, 'one producer id')
})

t.test('consumer: assign at an offset', { skip }, async t => {
  const n = (await fetchRecords(b.port, 'ck-zstd', 0)).records.length
  const info = assertPeerOutput(t, 'consume-from', await ck(['consume-from', b.brokers[0], 'ck-zstd', '0', '11', String(n - 11)]))
  t.equal(info.get('high'), String(n), 'high watermark')
  t.equal(info.get('low'), '0', 'low watermark')
})

t.test('consumer group: two members, synchronous commits, committed(), resume after restart', { skip }, async t => {
  assertPeerOutput(t, 'group', await ck(['group', b.brokers[0], 'ck-snappy', 'ck-group'], 180_000))
})

t.test('transactions: commit, abort, send_offsets_to_transaction, read_committed', { skip }, async t => {
  assertPeerOutput(t, 'txn', await ck(['txn', b.brokers[0], 'ck-txn', 'ck-txn-group'], 180_000))
})
