// How long a consumer group takes to commit again after its broker was killed (kill -9) and restarted, on Samsa
// and on Apache Kafka 3.9.1 with the same kafkajs consumer, and where that time goes (issue 11, finding 8).
//
// Per round: a kafkajs consumer in group `g` reads a 2-partition topic fed by a producer every 50 ms and
// commits every 100 ms; the broker is killed with SIGKILL, stays down --down ms, and is restarted on the same
// port and data directory. Three spans are measured from the restart:
//   ready       restart -> the broker accepts connections (Samsa: `listening on`; Kafka: kafka.sh's port check)
//   reconnect   ready -> the consumer's first request to the restarted broker (kafkajs instrumentation events)
//   commit      that first request -> the consumer's first successful OffsetCommit
// `reconnect` is the client's own retry back-off (kafkajs retries with exponential back-off while the broker is
// down); `commit` is the broker's part: coordinator load, heartbeat / rejoin, the commit itself.
//
//   npx tsx bench/rejoin-after-crash.ts [--rounds N] [--down MS] [--no-kafka]
// Results go to stdout (a markdown table); bench/results/rejoin-after-crash.md holds a run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import { KAFKA_SH, REPO, run } from '../test/compat/interop/lib/common.js'

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def }
const ROUNDS = arg('rounds', 3)
const DOWN_MS = arg('down', 3000)
const WITH_KAFKA = !process.argv.includes('--no-kafka')
/** SAMSA_LOG=FILE keeps Samsa's log; TRACE=1 prints the consumer's group events. */
const LOG = process.env.SAMSA_LOG
const TRACE = process.env.TRACE === '1'

interface BrokerUnderTest {
  name: string
  port: number
  start: () => Promise<void>
  kill: () => Promise<void>
  stop: () => Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function freePort (): number { return 20000 + Math.floor(Math.random() * 20000) }

function samsa (): BrokerUnderTest {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-rejoin-'))
  const port = freePort()
  let child: ChildProcess | undefined
  const b: BrokerUnderTest = {
    name: 'Samsa',
    port,
    start: () => new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [path.join(REPO, 'dist/cli/main.js'), 'start', '--port', String(port), '--data-dir', dir], { stdio: ['ignore', 'pipe', LOG === undefined ? 'ignore' : fs.openSync(LOG, 'a')] })
      child = c
      c.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) resolve() })
      c.once('exit', code => reject(new Error(`samsa exited with ${String(code)}`)))
    }),
    kill: async () => {
      const c = child
      if (c === undefined) return
      const exited = new Promise(resolve => c.once('exit', resolve))
      c.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      const c = child
      if (c !== undefined && c.exitCode === null) { const exited = new Promise(resolve => c.once('exit', resolve)); c.kill('SIGTERM'); await exited }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  return b
}

function kafka (): BrokerUnderTest {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-rejoin-'))
  const port = freePort()
  return {
    name: 'Kafka 3.9.1',
    port,
    start: async () => {
      const r = await run(KAFKA_SH, ['start', '--port', String(port), '--dir', dir], { timeoutMs: 180_000 })
      if (r.code !== 0) throw new Error(`kafka.sh start failed: ${r.stderr}`)
    },
    kill: async () => {
      const pid = Number(fs.readFileSync(path.join(dir, 'kafka.pid'), 'utf8'))
      process.kill(pid, 'SIGKILL')
      for (let i = 0; i < 100; i++) { try { process.kill(pid, 0) } catch { return } await sleep(50) }
    },
    stop: async () => {
      await run(KAFKA_SH, ['stop', '--dir', dir], { timeoutMs: 60_000 })
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

interface Round { ready: number, reconnect: number, commit: number }

/** Starts the broker and creates the 2-partition topic `rejoin`; returns the kafkajs client for it. */
async function startWithTopic (b: BrokerUnderTest): Promise<Kafka> {
  await b.start()
  const client = new Kafka({ clientId: 'rejoin-bench', brokers: [`127.0.0.1:${b.port}`], logLevel: logLevel.NOTHING, retry: { retries: 30 } })
  const admin = client.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'rejoin', numPartitions: 2 }], waitForLeaders: true })
  await admin.disconnect()
  return client
}

async function measure (b: BrokerUnderTest): Promise<Round[]> {
  const client = await startWithTopic(b)
  const producer: Producer = client.producer()
  await producer.connect()
  const consumer: Consumer = client.consumer({ groupId: 'g' })
  let restartedAt = 0
  let firstRequestAt = 0
  let commitAt = 0
  consumer.on(consumer.events.REQUEST, e => {
    if (restartedAt > 0 && firstRequestAt === 0 && e.payload.broker.endsWith(`:${b.port}`)) firstRequestAt = e.payload.createdAt
  })
  consumer.on(consumer.events.COMMIT_OFFSETS, () => { if (restartedAt > 0 && commitAt === 0) commitAt = Date.now() })
  if (TRACE) {
    for (const ev of ['GROUP_JOIN', 'CRASH', 'REBALANCING', 'STOP'] as const) consumer.on(consumer.events[ev], e => { console.error(new Date().toISOString(), ev, String(JSON.stringify(e.payload)).slice(0, 300), ev === "CRASH" ? String((e.payload as any).error?.stack).slice(0, 600) : "") })
  }
  await consumer.connect()
  await consumer.subscribe({ topic: 'rejoin', fromBeginning: true })
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => {} })
  const feed = setInterval(() => { producer.send({ topic: 'rejoin', messages: [{ value: 'x' }] }).catch(() => {}) }, 50)
  const rounds: Round[] = []
  try {
    await sleep(3000)
    for (let r = 0; r < ROUNDS; r++) {
      await b.kill()
      await sleep(DOWN_MS)
      firstRequestAt = 0
      commitAt = 0
      restartedAt = Date.now()
      await b.start()
      const readyAt = Date.now()
      for (let i = 0; i < 1200 && commitAt === 0; i++) await sleep(50)
      if (commitAt === 0) throw new Error(`${b.name}: no commit within 60 s of the restart`)
      rounds.push({ ready: readyAt - restartedAt, reconnect: Math.max(0, firstRequestAt - readyAt), commit: commitAt - Math.max(firstRequestAt, readyAt) })
      restartedAt = 0
      await sleep(3000)
    }
  } finally {
    clearInterval(feed)
    await consumer.disconnect().catch(() => {})
    await producer.disconnect().catch(() => {})
    await b.stop()
  }
  return rounds
}

/**
 * The other way a group is slow after a crash: the consumer itself restarted too (or kafkajs restarted it after
 * "No broker available" while the broker was down), so it joins under a new member id, and the group still holds
 * the old member, loaded from __consumer_offsets with a fresh session. The join completes when that old member's
 * session (session.timeout.ms, here --session ms) runs out. Measured: restart -> the newcomer's join completes.
 */
async function newcomer (b: BrokerUnderTest, sessionMs: number): Promise<number> {
  const client = await startWithTopic(b)
  const script = `import { Kafka, logLevel } from 'kafkajs'
const c = new Kafka({ brokers: ['127.0.0.1:${b.port}'], logLevel: logLevel.NOTHING }).consumer({ groupId: 'n', sessionTimeout: ${sessionMs} })
c.on(c.events.GROUP_JOIN, () => console.log('joined'))
await c.connect(); await c.subscribe({ topic: 'rejoin' }); await c.run({ eachMessage: async () => {} })`
  const old = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] })
  await new Promise<void>((resolve, reject) => {
    old.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('joined')) resolve() })
    old.once('exit', code => reject(new Error(`the first consumer exited with ${String(code)}`)))
  })
  await sleep(1000)
  old.kill('SIGKILL')
  await b.kill()
  await sleep(DOWN_MS)
  const restartedAt = Date.now()
  await b.start()
  const fresh = client.consumer({ groupId: 'n', sessionTimeout: sessionMs })
  let joinedAt = 0
  fresh.on(fresh.events.GROUP_JOIN, () => { if (joinedAt === 0) joinedAt = Date.now() })
  try {
    await fresh.connect()
    await fresh.subscribe({ topic: 'rejoin' })
    await fresh.run({ eachMessage: async () => {} })
    for (let i = 0; i < 2400 && joinedAt === 0; i++) await sleep(50)
    if (joinedAt === 0) throw new Error(`${b.name}: the newcomer did not join within 120 s`)
    return joinedAt - restartedAt
  } finally {
    await fresh.disconnect().catch(() => {})
    await b.stop()
  }
}

const mean = (xs: number[]): number => Math.round(xs.reduce((a, x) => a + x, 0) / xs.length)

const brokers = [samsa(), ...(WITH_KAFKA ? [kafka()] : [])]
const lines = [
  `kafkajs consumer, group commit every 100 ms, broker killed with SIGKILL and down ${DOWN_MS} ms, ${ROUNDS} rounds each (ms; mean, then each round)`,
  '',
  '| broker | ready | reconnect (client back-off) | commit (broker side) | restart -> commit |',
  '|---|---:|---:|---:|---:|'
]
for (const b of brokers) {
  const rs = await measure(b)
  const each = (f: (r: Round) => number): string => `${mean(rs.map(f))} (${rs.map(f).join(', ')})`
  lines.push(`| ${b.name} | ${each(r => r.ready)} | ${each(r => r.reconnect)} | ${each(r => r.commit)} | ${each(r => r.ready + r.reconnect + r.commit)} |`)
}
const SESSION_MS = arg('session', 10000)
lines.push('', `A consumer (session.timeout.ms ${SESSION_MS}) killed with the broker; after the restart a new consumer joins the same group (ms from the restart to its join)`, '', '| broker | restart -> newcomer joined |', '|---|---:|')
for (const b of [samsa(), ...(WITH_KAFKA ? [kafka()] : [])]) lines.push(`| ${b.name} | ${await newcomer(b, SESSION_MS)} |`)
console.log(lines.join('\n'))
