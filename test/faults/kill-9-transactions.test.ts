// kill -9 during transactional load, round after round: the real broker (`node dist/cli/main.js start --fsync
// always`) runs in a subprocess; a kafkajs transactional producer in this process runs transactions over two
// partitions, committing or aborting each at random; the broker is killed at a random moment, restarted on the
// same data directory, and a new producer with the same transactional id takes over (its initTransactions
// fences the old one and aborts what it left open). Then, once no transaction is open (last stable offset =
// high watermark on both partitions), a read_committed consumer must see:
//   - every record of every transaction whose commit was acknowledged, exactly once;
//   - no record of a transaction whose abort was acknowledged;
//   - each transaction the kill interrupted either whole or not at all (atomicity across partitions).
// SAMSA_KILL_TXN_ROUNDS sets the number of rounds (default 5). Needs a build (npm run build).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { RawClient } from '../helpers/raw-client.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'dist/cli/main.js')
const ROUNDS = Number(process.env.SAMSA_KILL_TXN_ROUNDS ?? 5)
const TOPIC = 'txn-kill'
const TXN_TIMEOUT_MS = 2000

interface Running { proc: ChildProcess, port: number, exited: Promise<number | null> }

async function startBroker (dataDir: string): Promise<Running> {
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', dataDir, '--fsync', 'always', '--log-level', 'warn',
    '--log.segment.bytes', '16384', '--transaction.abort.timed.out.transaction.cleanup.interval.ms', '200'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => proc.on('exit', code => resolve(code)))
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`broker did not start within 15 s; stderr: ${stderr.slice(-2000)}`)), 15_000)
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on [^:\s]+:(\d+)/.exec(out)
      if (m !== null) { clearTimeout(timer); resolve(Number(m[1])) }
    })
    void exited.then(code => { clearTimeout(timer); reject(new Error(`broker exited with ${String(code)} before listening; stderr: ${stderr.slice(-2000)}`)) })
  })
  return { proc, port, exited }
}

function kafka (port: number): Kafka {
  return new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'kill-txn', logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } })
}

interface Outcomes {
  committed: Set<string>
  aborted: Set<string>
  /** Transactions the kill interrupted: all their values, whatever the outcome turns out to be. */
  inDoubt: string[][]
}

/** Runs transactions until the broker goes away; every outcome is recorded once the client learned it. */
async function runTransactions (producer: Producer, round: number, out: Outcomes, progress: { done: number }): Promise<void> {
  for (let n = 0; ; n++) {
    const values = Array.from({ length: 6 }, (_, i) => `r${round}-t${n}-${i}`)
    const commit = Math.random() < 0.6
    try {
      const tx = await producer.transaction()
      try {
        await tx.send({ topic: TOPIC, messages: values.map((v, i) => ({ key: v, value: v, partition: i % 2 })) })
        if (commit) await tx.commit()
        else await tx.abort()
      } catch (err) {
        out.inDoubt.push(values)
        throw err
      }
    } catch {
      return
    }
    for (const v of values) (commit ? out.committed : out.aborted).add(v)
    progress.done++
  }
}

async function stableOffsets (port: number): Promise<boolean> {
  const c = await RawClient.connect(port)
  try {
    const ask = async (isolationLevel: number): Promise<bigint[]> => {
      const r = await c.request(2, 5, { replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [0, 1].map(p => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 })) }] })
      return r.topics[0].partitions.map((p: { offset: bigint }) => p.offset)
    }
    const [committed, latest] = [await ask(1), await ask(0)]
    return committed.every((o, i) => o === latest[i])
  } finally {
    c.close()
  }
}

/** Everything a read_committed consumer (kafkajs's default) reads from the beginning, value -> times seen. */
async function readCommitted (port: number, round: number): Promise<Map<string, number>> {
  const consumer = kafka(port).consumer({ groupId: `verify-${round}-${Date.now()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  const seen = new Map<string, number>()
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
    let last = Date.now()
    void consumer.run({ eachMessage: async ({ message }) => { const v = message.value!.toString(); seen.set(v, (seen.get(v) ?? 0) + 1); last = Date.now() } })
    const started = Date.now()
    // done once nothing new arrived for 2 s (after the group join)
    while (Date.now() - Math.max(last, started + 3000) < 2000 && Date.now() - started < 30_000) await new Promise(resolve => setTimeout(resolve, 100))
  } finally {
    await consumer.disconnect()
  }
  return seen
}

t.test(`kill -9 during transactions, ${ROUNDS} rounds: committed exactly once, aborted never, interrupted all or nothing`, { skip: existsSync(CLI) ? false : 'needs a build: npm run build' }, async t => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-kill9-txn-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  let running = await startBroker(dataDir)
  t.teardown(() => { running.proc.kill('SIGKILL') })
  const admin = kafka(running.port).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] })
  await admin.disconnect()
  const out: Outcomes = { committed: new Set(), aborted: new Set(), inDoubt: [] }

  for (let round = 0; round < ROUNDS; round++) {
    const producer = kafka(running.port).producer({ transactionalId: 'kill-tx', idempotent: true, maxInFlightRequests: 1, transactionTimeout: TXN_TIMEOUT_MS })
    await producer.connect()
    const progress = { done: 0 }
    const load = runTransactions(producer, round, out, progress)
    const started = Date.now()
    while (progress.done < 3 && Date.now() - started < 15_000) await new Promise(resolve => setTimeout(resolve, 5))
    const killAfter = Math.floor(Math.random() * 300)
    await new Promise(resolve => setTimeout(resolve, killAfter))
    running.proc.kill('SIGKILL')
    await running.exited
    await load
    await producer.disconnect().catch(() => {})
    running = await startBroker(dataDir)

    // a new producer takes the id over: what the old one left open is aborted; or the timeout does it
    const heir = kafka(running.port).producer({ transactionalId: 'kill-tx', idempotent: true, maxInFlightRequests: 1, transactionTimeout: TXN_TIMEOUT_MS })
    await heir.connect().catch(() => {})
    await heir.disconnect().catch(() => {})
    const deadline = Date.now() + 20_000
    while (!await stableOffsets(running.port) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    t.ok(await stableOffsets(running.port), `round ${round + 1}: no transaction left open (LSO = HW on both partitions)`)

    const seen = await readCommitted(running.port, round)
    const missing = [...out.committed].filter(v => seen.get(v) !== 1)
    const leaked = [...out.aborted].filter(v => seen.has(v))
    const torn = out.inDoubt.filter(vs => { const n = vs.filter(v => seen.has(v)).length; return n !== 0 && n !== vs.length })
    const twice = [...seen].filter(([, n]) => n > 1).map(([v]) => v)
    const label = `round ${round + 1} (killed ${killAfter} ms after 3 transactions; ${out.committed.size} committed, ${out.aborted.size} aborted, ${out.inDoubt.length} interrupted so far)`
    t.same(missing, [], `${label}: every committed record read once`)
    t.same(leaked, [], `${label}: no aborted record read`)
    t.same(torn, [], `${label}: interrupted transactions whole or absent`)
    t.same(twice, [], `${label}: no record twice`)
  }
  running.proc.kill('SIGTERM')
  t.equal(await running.exited, 0, 'the last broker stops cleanly on SIGTERM')
  t.ok(out.committed.size > 0 && out.aborted.size > 0, `${out.committed.size} committed and ${out.aborted.size} aborted records over ${ROUNDS} rounds`)
})
