// kill -9 during acks=-1 load, round after round: the real broker (`node dist/cli/main.js start --fsync always`)
// runs in a subprocess, four producers send acks=-1 batches of unique values from this process, the broker is
// killed at a random moment, restarted on the same data directory, and every acknowledged record must be read
// back exactly once, at the offset it was acknowledged with; no value may appear twice. The broker must start
// every time. SAMSA_KILL_ROUNDS sets the number of rounds (default 20). Needs a build (npm run build).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { produceBody } from '../helpers/wire.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'dist/cli/main.js')
const ROUNDS = Number(process.env.SAMSA_KILL_ROUNDS ?? 20)
const PRODUCERS = 4
const PARTITIONS = 2
const RECORDS_PER_BATCH = 5

interface Running { proc: ChildProcess; port: number; exited: Promise<number | null>; startMs: number }

async function startBroker (dataDir: string): Promise<Running> {
  const started = performance.now()
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', dataDir, '--fsync', 'always', '--log-level', 'warn',
    '--log.segment.bytes', '65536', '--num.partitions', String(PARTITIONS)], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  return { proc, port, exited, startMs: performance.now() - started }
}

/** value -> [partition, offset] for every acknowledged record. */
type Acked = Map<string, [number, number]>

async function producer (port: number, round: number, id: number, acked: Acked, stop: { stopped: boolean }): Promise<void> {
  let client: RawClient
  try { client = await RawClient.connect(port) } catch { return }
  try {
    for (let seq = 0; !stop.stopped; seq++) {
      const partition = (id + seq) % PARTITIONS
      const values = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => `r${round}-p${id}-s${seq}-${i}`)
      const batch = buildRecordBatch(values.map(v => ({ key: v, value: v.padEnd(200, '.') })))
      let res
      try {
        res = await client.request(0, 9, produceBody('t', partition, batch, -1))
      } catch {
        return // connection gone: the outcome of this batch is unknown, it may or may not be there
      }
      const p = res.responses[0].partitionResponses[0]
      if (p.errorCode !== 0) return
      for (let i = 0; i < values.length; i++) acked.set(values[i]!, [partition, Number(p.baseOffset) + i])
    }
  } finally {
    client.close()
  }
}

async function verify (t: any, port: number, acked: Acked, label: string): Promise<void> {
  const seen = new Map<string, number>()
  const where = new Map<string, [number, number]>()
  for (let p = 0; p < PARTITIONS; p++) {
    const { records } = await fetchRecords(port, 't', p, 0)
    for (const r of records) {
      const v = r.keyString!
      seen.set(v, (seen.get(v) ?? 0) + 1)
      where.set(v, [p, r.offset])
    }
  }
  let missing = 0
  let moved = 0
  for (const [v, pos] of acked) {
    const w = where.get(v)
    if (w === undefined) missing++
    else if (w[0] !== pos[0] || w[1] !== pos[1]) moved++
  }
  const twice = [...seen.values()].filter(n => n > 1).length
  t.equal(missing, 0, `${label}: all ${acked.size} acknowledged records are there`)
  t.equal(moved, 0, `${label}: each at the partition and offset it was acknowledged with`)
  t.equal(twice, 0, `${label}: no record twice (${seen.size} records stored)`)
}

t.test(`kill -9 during acks=-1 load, ${ROUNDS} rounds: every acknowledged record is read back exactly once`, { skip: existsSync(CLI) ? false : 'needs a build: npm run build' }, async t => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-kill9-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const acked: Acked = new Map()
  const startTimes: number[] = []
  let running = await startBroker(dataDir)
  startTimes.push(running.startMs)
  const admin = await RawClient.connect(running.port)
  const created = await admin.request(19, 4, { topics: [{ name: 't', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
  admin.close()
  t.equal(created.topics[0].errorCode, 0, 'topic created')
  for (let round = 0; round < ROUNDS; round++) {
    const stop = { stopped: false }
    const before = acked.size
    const load = Array.from({ length: PRODUCERS }, (_, id) => producer(running.port, round, id, acked, stop))
    // the kill lands at a random moment once the load is flowing (some acknowledgements in this round), so a
    // slow machine still kills mid-load rather than before the first fsync
    const started = Date.now()
    while (acked.size < before + 4 * RECORDS_PER_BATCH && Date.now() - started < 10_000) await new Promise(resolve => setTimeout(resolve, 5))
    const killAfter = Math.floor(Math.random() * 400)
    await new Promise(resolve => setTimeout(resolve, killAfter))
    running.proc.kill('SIGKILL')
    await running.exited
    stop.stopped = true
    await Promise.all(load)
    running = await startBroker(dataDir)
    startTimes.push(running.startMs)
    await verify(t, running.port, acked, `round ${round + 1} (killed ${killAfter} ms after the first acknowledgements; ${acked.size - before} records acknowledged this round)`)
  }
  running.proc.kill('SIGTERM')
  t.equal(await running.exited, 0, 'the last broker stops cleanly on SIGTERM')
  running = await startBroker(dataDir)
  await verify(t, running.port, acked, 'after a clean restart')
  running.proc.kill('SIGTERM')
  await running.exited
  t.ok(acked.size > ROUNDS * PRODUCERS, `${acked.size} records acknowledged over ${ROUNDS} rounds`)
  startTimes.sort((a, b) => a - b)
  t.comment(`broker start (spawn to listening): median ${startTimes[startTimes.length >> 1]!.toFixed(0)} ms, max ${startTimes[startTimes.length - 1]!.toFixed(0)} ms`)
})
