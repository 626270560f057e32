// Byte compatibility with Apache Kafka 3.9, both ways, with the reference jars from scripts/kafka/kafka.sh:
// - Kafka's DumpLogSegments reads the segments, offset and time indexes and producer snapshots that Samsa wrote
//   (several segments, all five codecs, idempotent batches, a LogAppendTime topic) and finds them valid:
//   --deep-iteration decodes every record, --index-sanity-check passes, --verify-index-only reports nothing.
// - Samsa serves a partition directory written by a real Kafka broker: the reference Kafka is started, fed
//   by its console producer, stopped, and its `<topic>-0` directory copied into a Samsa data directory; Samsa
//   then serves every record (to Kafka's console consumer too), from any offset, and appends after them.
// - Transactions both ways: DumpLogSegments decodes Samsa's control batches (COMMIT/ABORT markers), its
//   .txnindex entries and its __transaction_state records (--transaction-log-decoder); and a partition with
//   committed and aborted transactions written by Kafka is served by Samsa to a read_committed consumer
//   without the aborted records (Samsa reads Kafka's .txnindex).
// Skips when Java, Maven or Maven Central are unavailable.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir, withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CODECS, batchHeader, ensureKafka, kafkaTool, startKafka, tail, type RunResult } from './lib/common.js'
import { Kafka, logLevel } from 'kafkajs'

t.setTimeout(15 * 60_000)

const kafka = await ensureKafka()
if (kafka.error !== undefined) t.fail(kafka.error)
const skip = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

const PER_CODEC = 200

function ok (t: Test, r: RunResult, what: string): void {
  t.equal(r.code, 0, `${what} exits 0${r.code === 0 ? '' : `\n${tail(r.stderr + r.stdout, 20)}`}`)
}

const lineFor = (codec: string, i: number): string => `${codec} record ${i} ${'abcdefgh'.repeat(i % 7)}`

/** Feeds PER_CODEC keyed records per codec through Kafka's console producer, in small batches. */
async function produceAllCodecs (t: Test, bootstrap: string, topic: string): Promise<string[]> {
  const values: string[] = []
  for (const codec of CODECS) {
    const lines = Array.from({ length: PER_CODEC }, (_, i) => lineFor(codec, i))
    values.push(...lines)
    const r = await kafkaTool('console-producer', ['--bootstrap-server', bootstrap, '--topic', topic, '--compression-codec', codec,
      '--producer-property', 'batch.size=1500', '--producer-property', 'linger.ms=0', '--property', 'parse.key=true', '--property', 'key.separator=|'],
    { input: lines.map((l, i) => `k${i}|${l}`).join('\n') + '\n' })
    ok(t, r, `console producer (${codec})`)
  }
  return values
}

function segmentFiles (dir: string, ext: string): string[] {
  return fs.readdirSync(dir).filter(f => f.endsWith(ext)).sort().map(f => path.join(dir, f))
}

/** DumpLogSegments --deep-iteration over every .log of a partition directory, checked line by line. */
async function checkDeepIteration (t: Test, dir: string, expectedRecords: number): Promise<string[]> {
  const logs = segmentFiles(dir, '.log')
  const r = await kafkaTool('dump-log-segments', ['--files', logs.join(','), '--deep-iteration'], { timeoutMs: 180_000 })
  ok(t, r, `DumpLogSegments --deep-iteration on ${logs.length} segments`)
  const out = r.stdout.split('\n')
  const batches = out.filter(l => l.startsWith('baseOffset: '))
  const records = out.filter(l => l.startsWith('| offset: '))
  t.ok(batches.length > 0, `${batches.length} batches dumped`)
  t.equal(batches.filter(l => !l.includes(' isvalid: true')).length, 0, 'every batch passes its CRC check (isvalid: true)')
  const offsets = records.map(l => Number(/^\| offset: (\d+)/.exec(l)![1]))
  t.equal(offsets.length, expectedRecords, `${expectedRecords} records decoded`)
  t.ok(offsets.every((o, i) => o === i), 'record offsets 0..n-1, no gap, no repeat')
  const codecs = new Set(batches.map(l => /compresscodec: (\w+)/.exec(l)?.[1]))
  t.same([...codecs].sort(), ['gzip', 'lz4', 'none', 'snappy', 'zstd'], 'batches in every codec')
  const odd = out.filter(l => l !== '' && !/^(Dumping |Log starting offset: |baseOffset: |\| offset: )/.test(l))
  t.same(odd, [], 'nothing else reported (no invalid bytes, no corruption)')
  t.notMatch(r.stderr, /Exception|ERROR/, 'no exception on stderr')
  return batches
}

/** --index-sanity-check and --verify-index-only on every .index and .timeindex. */
async function checkIndexes (t: Test, dir: string): Promise<void> {
  const indexes = [...segmentFiles(dir, '.index'), ...segmentFiles(dir, '.timeindex')]
  let r = await kafkaTool('dump-log-segments', ['--files', indexes.join(','), '--index-sanity-check'])
  ok(t, r, '--index-sanity-check')
  // An index with no entry (a segment smaller than index.interval.bytes) is reported as "is empty.".
  const passed = r.stdout.split('\n').filter(l => l.endsWith(' passed sanity check.') || l.endsWith(' is empty.'))
  t.equal(passed.length, indexes.length, `all ${indexes.length} index files pass the sanity check`)
  r = await kafkaTool('dump-log-segments', ['--files', indexes.join(','), '--verify-index-only'])
  ok(t, r, '--verify-index-only')
  t.same(r.stdout.split('\n').filter(l => l !== '' && !l.startsWith('Dumping ') && !l.endsWith(' is empty.')), [], 'no index entry disagrees with its log (no mismatch reported)')
  // A full dump also checks every entry against the log and prints the entries.
  r = await kafkaTool('dump-log-segments', ['--files', indexes.join(',')])
  ok(t, r, 'full index dump')
  t.notMatch(r.stdout, /mismatch|Mismatches|out of order|corrupt/i, 'no mismatch, no out-of-order timestamp')
  const entries = r.stdout.split('\n').filter(l => /^offset: \d+ position: \d+$/.test(l)).length
  const timeEntries = r.stdout.split('\n').filter(l => /^timestamp: \d+ offset: \d+$/.test(l)).length
  t.ok(entries > 0 && timeEntries > 0, `${entries} offset index and ${timeEntries} time index entries`)
}

t.test('Kafka\'s DumpLogSegments validates segments, indexes and snapshots Samsa wrote', { skip }, async t => {
  const b = await withBroker(t)
  const BS = ['--bootstrap-server', b.brokers[0]]
  for (const [topic, extra] of [['samsa-written', []], ['samsa-append-time', ['--config', 'message.timestamp.type=LogAppendTime']]] as const) {
    const r = await kafkaTool('topics', [...BS, '--create', '--topic', topic, '--partitions', '1',
      '--config', 'segment.bytes=8000', '--config', 'index.interval.bytes=300', ...extra])
    ok(t, r, `create ${topic}`)
    await produceAllCodecs(t, b.brokers[0], topic)
  }
  const appendTime = await fetchRecords(b.port, 'samsa-append-time', 0)
  t.ok(appendTime.batches.every(x => (x.readInt16BE(21) & 8) !== 0), 'LogAppendTime batches carry the timestamp-type bit (CRC recomputed by Samsa)')
  await b.close() // clean shutdown: index files trimmed, producer snapshots written

  for (const topic of ['samsa-written', 'samsa-append-time']) {
    await t.test(topic, async t => {
      const dir = path.join(b.dataDir, `${topic}-0`)
      const logs = segmentFiles(dir, '.log')
      t.ok(logs.length >= 3, `${logs.length} segments (segment.bytes=8000)`)
      const batches = await checkDeepIteration(t, dir, CODECS.length * PER_CODEC)
      await checkIndexes(t, dir)
      const snapshots = segmentFiles(dir, '.snapshot')
      if (snapshots.length === 0) {
        t.comment('no .snapshot file written: nothing to check')
        return
      }
      const r = await kafkaTool('dump-log-segments', ['--files', snapshots.join(',')])
      ok(t, r, 'producer snapshot dump')
      const producers = r.stdout.split('\n').filter(l => l.startsWith('producerId: '))
      t.equal(producers.length, CODECS.length, 'one entry per console producer (5 idempotent producers)')
      // Each entry is the producer's last batch in the log: same epoch, last sequence and last offset.
      const lastBatch = new Map<string, string>()
      for (const l of batches) {
        const m = /lastOffset: (\d+) .*lastSequence: (\d+) producerId: (\d+) producerEpoch: (\d+)/.exec(l)
        if (m !== null) lastBatch.set(m[3], `epoch ${m[4]} lastSequence ${m[2]} lastOffset ${m[1]}`)
      }
      const fromSnapshot = new Map(producers.map(l => {
        const m = /producerId: (\d+) producerEpoch: (\d+) .*lastSequence: (\d+) lastOffset: (\d+)/.exec(l)
        return [m?.[1] ?? l, m === null ? l : `epoch ${m[2]} lastSequence ${m[3]} lastOffset ${m[4]}`]
      }))
      t.same(Object.fromEntries(fromSnapshot), Object.fromEntries(lastBatch), 'every snapshot entry matches its producer\'s last batch in the log')
    })
  }
})

t.test('Samsa serves a partition directory written by Apache Kafka', { skip }, async t => {
  const k = await startKafka(t)
  const KB = ['--bootstrap-server', k.bootstrap]
  let r = await kafkaTool('topics', [...KB, '--create', '--topic', 'from-kafka', '--partitions', '1', '--config', 'segment.bytes=8000', '--config', 'index.interval.bytes=300'])
  ok(t, r, 'create the topic on Kafka')
  const values = await produceAllCodecs(t, k.bootstrap, 'from-kafka')
  await k.stop()
  const kafkaDir = path.join(k.dir, 'data', 'from-kafka-0')
  const kafkaLogs = segmentFiles(kafkaDir, '.log')
  t.ok(kafkaLogs.length >= 3, `Kafka wrote ${kafkaLogs.length} segments`)

  const dataDir = tempDir('samsa-from-kafka-')
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  fs.cpSync(kafkaDir, path.join(dataDir, 'from-kafka-0'), { recursive: true })
  const sealed = kafkaLogs.slice(0, -1).map(f => ({ name: path.basename(f), bytes: fs.readFileSync(f) }))

  const b = await withBroker(t, { dataDir })
  const all = await fetchRecords(b.port, 'from-kafka', 0)
  t.equal(all.highWatermark, values.length, `high watermark ${values.length}`)
  t.same(all.records.map(x => x.valueString), values, 'every record Kafka stored, in order, with its value')
  t.ok(all.records.every((x, i) => x.offset === i && x.keyString === `k${i % PER_CODEC}`), 'offsets and keys as Kafka assigned them')
  t.same([...new Set(all.batches.map(x => batchHeader(x).codec))].sort(), [0, 1, 2, 3, 4], 'batches served in their original codecs')
  const mid = await fetchRecords(b.port, 'from-kafka', 0, 517)
  t.equal(mid.records[0]?.offset, 517, 'a fetch from offset 517 starts there')

  const BS = ['--bootstrap-server', b.brokers[0]]
  r = await kafkaTool('console-consumer', [...BS, '--topic', 'from-kafka', '--from-beginning', '--max-messages', String(values.length)])
  ok(t, r, 'Kafka\'s console consumer reads it from Samsa')
  t.same(r.stdout.trim().split('\n'), values, 'all records, every codec decoded by the Java client')
  r = await kafkaTool('console-consumer', [...BS, '--topic', 'from-kafka', '--partition', '0', '--offset', '777', '--max-messages', '3', '--property', 'print.offset=true'])
  ok(t, r, 'console consumer from offset 777')
  t.same(r.stdout.trim().split('\n'), [777, 778, 779].map(o => `Offset:${o}\t${values[o]}`))

  // The console producer is idempotent (Java defaults). Kafka's producers 0..4 left their state in the
  // directory's producer snapshot; a producer id handed out by Samsa must not collide with theirs, or its
  // first batch (sequence 0) is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and the client has to bump its epoch.
  const kafkaProducerIds = new Set(all.batches.map(x => batchHeader(x).producerId))
  r = await kafkaTool('console-producer', [...BS, '--topic', 'from-kafka'], { input: 'appended by samsa 1\nappended by samsa 2\n' })
  ok(t, r, 'console producer appends to it on Samsa')
  t.notMatch(r.stderr, /OUT_OF_ORDER_SEQUENCE_NUMBER/, 'the first append is accepted without OUT_OF_ORDER_SEQUENCE_NUMBER')
  const after = await fetchRecords(b.port, 'from-kafka', 0, values.length)
  t.same(after.records.map(x => [x.offset, x.valueString]), [[values.length, 'appended by samsa 1'], [values.length + 1, 'appended by samsa 2']], 'appended right after Kafka\'s last offset')
  const appended = after.batches.map(batchHeader)
  t.notOk(appended.some(h => kafkaProducerIds.has(h.producerId)),
    `InitProducerId gave a producer id not used by Kafka's producers (Kafka used ${[...kafkaProducerIds].join(', ')}; Samsa gave ${appended.map(h => `${h.producerId} epoch ${h.producerEpoch}`).join(', ')})`)

  await b.restart()
  const again = await fetchRecords(b.port, 'from-kafka', 0)
  t.equal(again.records.length, values.length + 2, 'after a restart: Kafka\'s records and the appended ones')
  await b.close()
  for (const s of sealed) {
    t.ok(fs.readFileSync(path.join(dataDir, 'from-kafka-0', s.name)).equals(s.bytes), `sealed segment ${s.name} left byte-identical`)
  }
  const dir = path.join(dataDir, 'from-kafka-0')
  await checkDeepIteration(t, dir, values.length + 2)
  await checkIndexes(t, dir)
})

/** Two committed and one aborted transaction (kafkajs) into `topic` at `bootstrap`: returns the committed values. */
async function produceTransactions (bootstrap: string, topic: string): Promise<{ committed: string[], aborted: string[] }> {
  const k = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } })
  const admin = k.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
  await admin.disconnect()
  const producer = k.producer({ transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const committed: string[] = []
  const aborted: string[] = []
  try {
    for (const [i, commit] of [[0, true], [1, false], [2, true]] as const) {
      const values = [0, 1, 2].map(j => `${commit ? 'committed' : 'aborted'}-${i}-${j}`)
      const tx = await producer.transaction()
      await tx.send({ topic, messages: values.map(value => ({ key: 'k', value })) })
      if (commit) { await tx.commit(); committed.push(...values) } else { await tx.abort(); aborted.push(...values) }
    }
  } finally {
    await producer.disconnect()
  }
  return { committed, aborted }
}

/** A read_committed (kafkajs default) consumer reads `topic` from the beginning; resolves with the values. */
async function readCommitted (bootstrap: string, topic: string, want: number): Promise<string[]> {
  const k = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const consumer = k.consumer({ groupId: `rc-${Date.now()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  const got: string[] = []
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, 15000)
      void consumer.run({ eachMessage: async ({ message }) => { got.push(message.value?.toString() ?? ''); if (got.length >= want) { clearTimeout(timer); resolve() } } })
    })
    await new Promise(resolve => setTimeout(resolve, 500))
  } finally {
    await consumer.disconnect()
  }
  return got
}

t.test('transactions: Kafka\'s DumpLogSegments decodes Samsa\'s markers, .txnindex and __transaction_state', { skip }, async t => {
  const b = await withBroker(t)
  const { committed, aborted } = await produceTransactions(b.brokers[0], 'samsa-txn')
  await b.close()
  const dir = path.join(b.dataDir, 'samsa-txn-0')
  let r = await kafkaTool('dump-log-segments', ['--files', segmentFiles(dir, '.log').join(','), '--deep-iteration'])
  ok(t, r, 'DumpLogSegments --deep-iteration')
  const lines = r.stdout.split('\n')
  const markers = lines.filter(l => /endTxnMarker: (COMMIT|ABORT) coordinatorEpoch: 0/.test(l))
  t.same(markers.map(l => /endTxnMarker: (\w+)/.exec(l)![1]), ['COMMIT', 'ABORT', 'COMMIT'], 'one marker per transaction, decoded by Kafka')
  t.equal(lines.filter(l => l.startsWith('baseOffset: ') && l.includes('isTransactional: true')).length, 6, 'three data batches and three control batches, all transactional')
  t.equal(lines.filter(l => l.startsWith('baseOffset: ') && !l.includes(' isvalid: true')).length, 0, 'every batch passes its CRC check')
  t.equal(lines.filter(l => l.startsWith('| offset: ') && !l.includes('endTxnMarker')).length, committed.length + aborted.length, 'every data record decoded')

  const txnIndexes = segmentFiles(dir, '.txnindex')
  t.equal(txnIndexes.length, 1, 'one .txnindex (one segment with an abort)')
  r = await kafkaTool('dump-log-segments', ['--files', txnIndexes.join(',')])
  ok(t, r, 'DumpLogSegments on the .txnindex')
  const entries = r.stdout.split('\n').filter(l => l.startsWith('version: '))
  // transaction 1 (aborted) starts at offset 4 (3 records + the first COMMIT marker); its marker is at 7
  t.same(entries.map(l => l.replace(/producerId: \d+ /, '')), ['version: 0 firstOffset: 4 lastOffset: 7 lastStableOffset: 8'], 'the aborted transaction, as Kafka reads it')

  const stateDirs = fs.readdirSync(b.dataDir).filter(d => d.startsWith('__transaction_state-'))
  const withData = stateDirs.map(d => path.join(b.dataDir, d)).filter(d => segmentFiles(d, '.log').some(f => fs.statSync(f).size > 0))
  t.equal(withData.length, 1, 'the transactional id lives in one __transaction_state partition')
  r = await kafkaTool('dump-log-segments', ['--files', segmentFiles(withData[0]!, '.log').join(','), '--transaction-log-decoder'])
  ok(t, r, 'DumpLogSegments --transaction-log-decoder')
  const states = [...r.stdout.matchAll(/state=(\w+)/g)].map(m => m[1])
  t.ok(states.length >= 8, `${states.length} transaction state records decoded`)
  t.same(states.slice(-2), ['PrepareCommit', 'CompleteCommit'], 'the last transaction: PrepareCommit then CompleteCommit')
  t.ok(states.includes('PrepareAbort') && states.includes('CompleteAbort') && states.includes('Ongoing') && states[0] === 'Empty', `every state Kafka knows, in order: ${states.join(' ')}`)
  t.match(r.stdout, /transactionalId=samsa-txn-tx/, 'keyed by the transactional id')
})

t.test('transactions: Samsa serves Kafka\'s transactional partition to a read_committed consumer', { skip }, async t => {
  const k = await startKafka(t)
  const { committed } = await produceTransactions(k.bootstrap, 'kafka-txn')
  await k.stop()
  const kafkaDir = path.join(k.dir, 'data', 'kafka-txn-0')
  t.equal(segmentFiles(kafkaDir, '.txnindex').length, 1, 'Kafka wrote a .txnindex')
  const dataDir = tempDir('samsa-kafka-txn-')
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  fs.cpSync(kafkaDir, path.join(dataDir, 'kafka-txn-0'), { recursive: true })
  const b = await withBroker(t, { dataDir })
  const got = await readCommitted(b.brokers[0], 'kafka-txn', committed.length)
  t.same(got, committed, 'only the committed records, in order')
  const all = await fetchRecords(b.port, 'kafka-txn', 0)
  t.equal(all.records.length, 9 + 3, 'the log holds the aborted records and the three markers too')
})
