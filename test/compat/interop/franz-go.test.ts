// franz-go (kgo 1.22.2, kadm) with its defaults against Samsa: kadm admin, the default producer (idempotent,
// acks=all, snappy) and every codec, a consumer reading from an offset, a two-member consumer group (default
// cooperative-sticky balancer) with commits, and a transactional client (commit, abort, read_committed). The
// program is test/compat/interop/go, built with `go build` into $SAMSA_CACHE/interop-go (modules in Go's own
// cache). Skips when Go is missing or the module proxy cannot be reached.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CACHE, CODECS, INTEROP, assertPeerOutput, batchHeader, filesUnder, fingerprint, hasCommand, prepared, run, tail, type Prepared, type RunResult } from './lib/common.js'

t.setTimeout(15 * 60_000)

const SRC = path.join(INTEROP, 'go')
const BUILD = path.join(CACHE, 'interop-go')
const BIN = path.join(BUILD, 'interop')

async function build (): Promise<Prepared> {
  if (!hasCommand('go', ['version'])) return { ok: false, reason: 'Go is not installed' }
  fs.mkdirSync(BUILD, { recursive: true })
  const stamp = path.join(BUILD, '.source-hash')
  const hash = fingerprint(filesUnder(SRC).map(file => ({ file })))
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(BIN)) return { ok: true }
  // GOTOOLCHAIN=local: never fetch another Go toolchain; franz-go 1.22 needs Go >= 1.26.
  const r = await run('go', ['build', '-o', BIN, '.'], { cwd: SRC, timeoutMs: 600_000, env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' } })
  if (r.code !== 0 && /requires go >= |go\.mod requires go/.test(r.stderr)) return { ok: false, reason: `the installed Go is too old for franz-go: ${tail(r.stderr, 2)}` }
  const p = prepared('building the franz-go interop program', r)
  if (p.ok) fs.writeFileSync(stamp, hash)
  return p
}

const ready = await build()
if (ready.error !== undefined) t.fail(ready.error)
const skip = ready.ok ? false : ready.reason ?? 'the franz-go program did not build'

function franz (args: string[]): Promise<RunResult> {
  return run(BIN, args, { timeoutMs: 180_000 })
}

let b: TestBroker
t.before(async () => { if (skip === false) b = await withBroker(t) })

t.test('kadm: metadata, topics, configs, partitions, offsets, delete', { skip }, async t => {
  assertPeerOutput(t, 'admin', await franz(['admin', b.brokers[0]]))
})

t.test('default client (idempotent, acks=all, snappy) and every codec; batches carry producer id and sequences', { skip }, async t => {
  assertPeerOutput(t, 'create-topic', await franz(['create-topic', b.brokers[0], 'go-records', '3']))
  for (const codec of ['default', ...CODECS]) {
    const info = assertPeerOutput(t, `produce ${codec}`, await franz(['produce', b.brokers[0], 'go-records', '200', codec]))
    t.ok(info.has('produce-ms'), `produce ${codec} finished`)
  }
  let records = 0
  const codecs = new Set<number>()
  const producerIds = new Set<bigint>()
  let badSequences = 0
  for (let p = 0; p < 3; p++) {
    const f = await fetchRecords(b.port, 'go-records', p)
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
  t.equal(records, 1200, 'six runs of 200 records stored once each')
  t.same([...codecs].sort(), [0, 1, 2, 3, 4], 'stored batches use each codec the producer chose (default: snappy)')
  t.equal(producerIds.size, 6, 'each producer run got its own producer id (InitProducerId)')
  t.notOk([...producerIds].some(id => id < 0n), 'every batch is idempotent (producerId >= 0)')
  t.equal(badSequences, 0, 'base sequences start at 0 and follow on per partition')
})

t.test('consumer: assign + seek to an offset, mid-batch', { skip }, async t => {
  const f = await fetchRecords(b.port, 'go-records', 1)
  const n = f.records.length
  t.ok(n > 20, `partition 1 holds ${n} records`)
  const info = assertPeerOutput(t, 'consume-from', await franz(['consume-from', b.brokers[0], 'go-records', '1', '13', String(n - 13)]))
  t.match(info.get('first'), /^key-\d+=value-\d+ h=header-\d+$/, 'key, value and header decoded')
})

t.test('consumer group: two members (cooperative-sticky), commits, kadm offsets, resume after restart', { skip }, async t => {
  assertPeerOutput(t, 'group', await franz(['group', b.brokers[0], 'go-records', 'go-group']))
})

t.test('transactions: commit, abort, read_committed vs read_uncommitted, kadm describe/list', { skip }, async t => {
  assertPeerOutput(t, 'txn', await franz(['txn', b.brokers[0], 'fg-txn']))
})
