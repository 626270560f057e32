// Byte compatibility with Apache Kafka 3.9, both ways, with the reference jars from scripts/kafka/kafka.sh:
// - Kafka's DumpLogSegments reads the segments, offset and time indexes and producer snapshots that Samsa wrote
//   (several segments, all five codecs, idempotent batches, a LogAppendTime topic) and finds them valid:
//   --deep-iteration decodes every record, --index-sanity-check passes, --verify-index-only reports nothing.
// - Samsa serves a partition directory written by a real Kafka broker: the reference Kafka is started, fed
//   by its console producer, stopped, and its `<topic>-0` directory copied into a Samsa data directory; Samsa
//   then serves every record (to Kafka's console consumer too), from any offset, and appends after them.
// Skips when Java, Maven or Maven Central are unavailable.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir, withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CODECS, batchHeader, ensureKafka, kafkaTool, startKafka, tail, type RunResult } from './lib/common.js'

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
