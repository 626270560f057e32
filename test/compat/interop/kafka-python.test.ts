// kafka-python 3.0.12 against Samsa: the program from issue 5 verbatim against localhost:9092 (a Samsa started
// on 9092 by this test; skipped if the port is taken), the same program against a broker on a free port, then
// KafkaAdminClient, the default producer (idempotent in kafka-python 3) with every codec, a consumer from an
// offset, and a two-member group with commits. kafka-python and its codec libraries are installed into a venv
// in $SAMSA_CACHE (test/compat/interop/python/requirements-kafka-python.txt); skipped without Python or PyPI.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { CACHE, CODECS, INTEROP, assertPeerOutput, batchHeader, fingerprint, hasCommand, portBindable, portInUse, prepared, run, tail, type Prepared, type RunResult } from './lib/common.js'

t.setTimeout(10 * 60_000)

const PY_DIR = path.join(INTEROP, 'python')
const REQUIREMENTS = path.join(PY_DIR, 'requirements-kafka-python.txt')
const VENV = path.join(CACHE, 'venv-kafka-python')
const PY = path.join(VENV, 'bin', 'python')

async function setup (): Promise<Prepared> {
  if (!hasCommand('python3')) return { ok: false, reason: 'python3 is not installed' }
  const stamp = path.join(VENV, '.requirements-hash')
  const hash = fingerprint([{ file: REQUIREMENTS }])
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(PY)) return { ok: true }
  fs.rmSync(VENV, { recursive: true, force: true })
  const venv = await run('python3', ['-m', 'venv', VENV], { timeoutMs: 120_000 })
  if (venv.code !== 0) return { ok: false, reason: `python3 -m venv failed (python3-venv missing?): ${tail(venv.stderr, 3)}` }
  const pip = await run(path.join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS], { timeoutMs: 600_000 })
  const p = prepared('pip install kafka-python', pip)
  if (p.ok) fs.writeFileSync(stamp, hash)
  return p
}

const ready = await setup()
if (ready.error !== undefined) t.fail(ready.error)
const skip = ready.ok ? false : ready.reason ?? 'kafka-python could not be installed'

function py (script: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run(PY, [path.join(PY_DIR, script), ...args], { timeoutMs, env: { PYTHONUNBUFFERED: '1' } })
}

const EXAMPLE = fs.readFileSync(path.join(PY_DIR, 'issue_example.py'), 'utf8')
const MESSAGES = Array.from({ length: 10 }, (_, i) => `message ${i}`)

async function checkExample (t: Test, r: RunResult, b: TestBroker): Promise<void> {
  t.equal(r.code, 0, `the program exits 0${r.code === 0 ? '' : `: ${tail(r.stderr)}`}`)
  t.same(r.stdout.trim().split('\n'), MESSAGES, 'KafkaConsumer reads back message 0 .. message 9 in order')
  const stored = await fetchRecords(b.port, 'test', 0)
  t.same(stored.records.map(x => x.valueString), MESSAGES, 'the broker stored exactly the ten values')
  t.ok(stored.batches.every(x => batchHeader(x).producerId >= 0n), 'kafka-python 3 produced idempotently (producer id set)')
}

const port9092Free = !(await portInUse(9092)) && await portBindable(9092)
const skip9092 = skip !== false ? skip : port9092Free ? false : 'port 9092 is taken by another process: the verbatim program needs it (the same program runs on a free port below)'

t.test('issue 5 program, verbatim, against localhost:9092', { skip: skip9092 }, async t => {
  const b = await withBroker(t, { port: 9092 })
  await checkExample(t, await py('issue_example.py', []), b)
})

t.test('issue 5 program against a broker on a free port', { skip }, async t => {
  const b = await withBroker(t)
  const dir = fs.mkdtempSync(path.join(CACHE, 'issue-example-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const script = path.join(dir, 'issue_example.py')
  fs.writeFileSync(script, EXAMPLE.replaceAll("'localhost:9092'", `'localhost:${b.port}'`))
  await checkExample(t, await run(PY, [script], { timeoutMs: 120_000 }), b)
})

let b: TestBroker
t.before(async () => { if (skip === false) b = await withBroker(t, { config: { 'num.partitions': 3 } }) })

t.test('KafkaAdminClient: create, list, describe, add partitions, delete', { skip }, async t => {
  assertPeerOutput(t, 'admin', await py('kafka_python_interop.py', ['admin', b.brokers[0]]))
})

t.test('default producer (idempotent) with every codec', { skip }, async t => {
  for (const codec of CODECS) {
    assertPeerOutput(t, `produce ${codec}`, await py('kafka_python_interop.py', ['produce', b.brokers[0], 'py-records', '200', codec]))
  }
  let records = 0
  const codecs = new Set<number>()
  const producerIds = new Set<bigint>()
  for (let p = 0; p < 3; p++) {
    const f = await fetchRecords(b.port, 'py-records', p)
    records += f.records.length
    for (const batch of f.batches) {
      const h = batchHeader(batch)
      codecs.add(h.codec)
      producerIds.add(h.producerId)
    }
  }
  t.equal(records, 1000, 'five runs of 200 records stored once each')
  t.same([...codecs].sort(), [0, 1, 2, 3, 4], 'stored batches use each codec')
  t.notOk([...producerIds].some(id => id < 0n), 'every batch carries a producer id')
})

t.test('consumer: assign + seek to an offset', { skip }, async t => {
  const n = (await fetchRecords(b.port, 'py-records', 2)).records.length
  const info = assertPeerOutput(t, 'consume-from', await py('kafka_python_interop.py', ['consume-from', b.brokers[0], 'py-records', '2', '9', String(n - 9)]))
  t.equal(info.get('end'), String(n), 'end_offsets is the high watermark')
  t.match(info.get('first'), /^key-\d+=value-\d+ h=header-\d+$/, 'key, value and header decoded')
})

t.test('consumer group: two members, commits, resume after restart', { skip }, async t => {
  assertPeerOutput(t, 'group', await py('kafka_python_interop.py', ['group', b.brokers[0], 'py-records', 'py-group'], 180_000))
})
