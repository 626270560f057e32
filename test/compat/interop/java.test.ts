// The Java client (kafka-clients 3.9.1 and 4.4.0) with its defaults against Samsa: AdminClient, the default
// producer (idempotent, acks=all) with every codec, a consumer reading from an offset, and a two-member consumer
// group with commits; transactions (commit, abort, sendOffsetsToTransaction, read_committed, fencing). The
// program is test/compat/interop/java (Maven), built once per client version into
// $SAMSA_CACHE/interop-java/<version>; each version runs against its own fresh broker.
// SAMSA_JAVA_CLIENTS (comma-separated) picks the versions. Skips when java/mvn are missing or Maven Central
// cannot be reached.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CACHE, CODECS, INTEROP, assertPeerOutput, batchHeader, filesUnder, fingerprint, hasCommand, prepared, run, type Prepared, type RunResult } from './lib/common.js'

t.setTimeout(20 * 60_000)

const SRC = path.join(INTEROP, 'java')
const VERSIONS = (process.env.SAMSA_JAVA_CLIENTS ?? '3.9.1,4.4.0').split(',').map(v => v.trim()).filter(v => v !== '')

async function build (version: string, dir: string): Promise<Prepared> {
  if (!hasCommand('java', ['-version'])) return { ok: false, reason: 'java is not installed (apt-get install openjdk-17-jdk-headless)' }
  if (!hasCommand('mvn', ['-v'])) return { ok: false, reason: 'Maven is not installed (apt-get install maven)' }
  const stamp = path.join(dir, '.source-hash')
  const hash = fingerprint(filesUnder(SRC).map(file => ({ file }))) + ' ' + version
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(path.join(dir, 'classpath'))) return { ok: true }
  const r = await run('mvn', ['-B', '-q', '-f', path.join(SRC, 'pom.xml'), `-Dkafka.version=${version}`, `-Dsamsa.build.dir=${dir}`, 'package'], { timeoutMs: 600_000 })
  const p = prepared(`building the Java interop program with Maven (kafka-clients ${version})`, r)
  if (p.ok) fs.writeFileSync(stamp, hash)
  return p
}

for (const version of VERSIONS) {
  const dir = path.join(CACHE, 'interop-java', version)
  const ready = await build(version, dir)
  if (ready.error !== undefined) t.fail(ready.error)
  const skip = ready.ok ? false : ready.reason ?? 'the Java program did not build'
  t.test(`kafka-clients ${version}`, { skip }, async t => { await clientSuite(t, dir) })
}

async function clientSuite (t: Test, dir: string): Promise<void> {
  const b: TestBroker = await withBroker(t)
  const java = (args: string[]): Promise<RunResult> => {
    const cp = [path.join(dir, 'java-client-interop-1.0.jar'), fs.readFileSync(path.join(dir, 'classpath'), 'utf8').trim()].join(':')
    return run('java', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp', cp, 'samsa.interop.Interop', ...args], { timeoutMs: 180_000 })
  }

  t.test('AdminClient: cluster, topics, configs, partitions, offsets, delete', async t => {
    assertPeerOutput(t, 'admin', await java(['admin', b.brokers[0]]))
  })

  t.test('default producer (idempotent, acks=all) with every codec; batches carry producer id and sequences', async t => {
    assertPeerOutput(t, 'create-topic', await java(['create-topic', b.brokers[0], 'java-records', '3']))
    for (const codec of CODECS) {
      const info = assertPeerOutput(t, `produce ${codec}`, await java(['produce', b.brokers[0], 'java-records', '200', codec]))
      t.ok(info.has('produce-ms'), `produce ${codec} finished`)
    }
    let records = 0
    const codecs = new Set<number>()
    const producerIds = new Set<bigint>()
    let badSequences = 0
    for (let p = 0; p < 3; p++) {
      const f = await fetchRecords(b.port, 'java-records', p)
      records += f.records.length
      const seqByPid = new Map<bigint, number>()
      for (const batch of f.batches) {
        const h = batchHeader(batch)
        codecs.add(h.codec)
        producerIds.add(h.producerId)
        // One producer per run: each starts its sequences at 0 per partition, consecutive batch to batch.
        const expected = seqByPid.get(h.producerId) ?? 0
        if (h.baseSequence !== expected) badSequences++
        seqByPid.set(h.producerId, h.baseSequence + h.recordCount)
      }
    }
    t.equal(records, 1000, 'five runs of 200 records stored once each')
    t.same([...codecs].sort(), [0, 1, 2, 3, 4], 'stored batches use each codec the producer chose')
    t.equal(producerIds.size, 5, 'each producer run got its own producer id (InitProducerId)')
    t.notOk([...producerIds].some(id => id < 0n), 'every batch is idempotent (producerId >= 0)')
    t.equal(badSequences, 0, 'base sequences start at 0 and follow on per partition')
  })

  // Several Produce requests in flight at once to a partition that has not yet seen an idempotent producer
  // (the producer's records pile up while it waits for its producer id, then go out back to back). Kafka answers
  // one request per connection at a time, so appends follow the request order; 16 fresh topics make a
  // reordering likely to show if the broker can append a later request first.
  t.test('pipelined idempotent batches to fresh partitions are stored in send order, without retries', async t => {
    assertPeerOutput(t, 'order', await java(['order', b.brokers[0], 'java-order', '16', '300', '300']))
  })

  t.test('consumer: assign + seek to an offset, mid-batch', async t => {
    const f = await fetchRecords(b.port, 'java-records', 1)
    const n = f.records.length
    t.ok(n > 20, `partition 1 holds ${n} records`)
    const info = assertPeerOutput(t, 'consume-from', await java(['consume-from', b.brokers[0], 'java-records', '1', '13', String(n - 13)]))
    t.equal(info.get('end'), String(n), 'endOffsets is the high watermark')
    t.equal(info.get('beginning'), '0', 'beginningOffsets is 0')
  })

  t.test('consumer group: two members, commits, AdminClient offsets, resume after restart', async t => {
    assertPeerOutput(t, 'group', await java(['group', b.brokers[0], 'java-records', 'java-group']))
  })

  t.test('transactions: commit, abort, sendOffsetsToTransaction, read_committed, describe/list, fencing', async t => {
    assertPeerOutput(t, 'txn', await java(['txn', b.brokers[0], 'java-txn', 'java-txn-group']))
  })
}
