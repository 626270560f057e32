// bench/many-partitions.ts: one CreateTopics of many partitions against a broker child process (dist/, so run
// `npm run build` first), and what it costs: time to answer, the broker's fds (/proc/<pid>/fd) and RSS
// (/proc/<pid>/status VmRSS) after it, produce + fetch on a spread of partitions, a clean stop, the restart time
// (spawn -> listening line) with its fds and RSS, and the DeleteTopics time.
//
//   npx tsx bench/many-partitions.ts [--partitions 100000] [--ulimit 20000] [--fsync never]
//
// Linux only (/proc). The data dir is a temp dir removed at the end. No assertions: it prints one line per step.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RawClient } from '../test/helpers/raw-client.js'
import { fetchPartition, produce, ZERO_UUID } from '../test/helpers/wire.js'

function arg (name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt
}

const PARTITIONS = Number(arg('partitions', '100000'))
const ULIMIT = Number(arg('ulimit', '20000'))
const FSYNC = arg('fsync', 'always')
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli/main.js')
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'))

interface Started { proc: ChildProcess, port: number, ms: number }

async function start (dir: string): Promise<Started> {
  const t0 = performance.now()
  const cmd = `ulimit -n ${ULIMIT} && exec "${process.execPath}" "${MAIN}" start --port 0 --data-dir "${dir}" --log-level warn --fsync ${FSYNC}`
  const proc = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'], env })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', d => { out += d; const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    proc.on('exit', code => reject(new Error(`broker exited ${code}`)))
  })
  return { proc, port, ms: performance.now() - t0 }
}

function usage (pid: number): string {
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return `${fds} fds, RSS ${Math.round(Number(rss) / 1024)} MiB`
}

async function stop (b: Started): Promise<number> {
  const t0 = performance.now()
  const exited = new Promise(resolve => b.proc.on('exit', resolve))
  b.proc.kill('SIGTERM')
  await exited
  return performance.now() - t0
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-many-'))
try {
  console.log(`${PARTITIONS} partitions, ulimit -n ${ULIMIT}, fsync ${FSYNC}, node ${process.version}, ${os.cpus().length} cpus`)
  let b = await start(dir)
  console.log(`start (empty): ${b.ms.toFixed(0)} ms, ${usage(b.proc.pid!)}`)
  let c = await RawClient.connect(b.port)
  let t0 = performance.now()
  const res = await c.request(19, 4, { topics: [{ name: 'many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 600000, validateOnly: false })
  console.log(`CreateTopics: error ${res.topics[0].errorCode as number} ${res.topics[0].errorMessage as string ?? ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${usage(b.proc.pid!)}`)
  const spread = Array.from({ length: 200 }, (_, i) => Math.floor(i * PARTITIONS / 200))
  t0 = performance.now()
  for (const p of spread) await produce(c, 'many', p, [{ value: `v${p}` }])
  for (const p of spread) await fetchPartition(c, 'many', p, 0)
  console.log(`produce + fetch on ${spread.length} partitions: ${(performance.now() - t0).toFixed(0)} ms; ${usage(b.proc.pid!)}`)
  c.close()
  console.log(`clean stop: ${((await stop(b)) / 1000).toFixed(1)} s`)
  b = await start(dir)
  console.log(`restart: ${(b.ms / 1000).toFixed(1)} s to the listening line; ${usage(b.proc.pid!)}`)
  c = await RawClient.connect(b.port)
  t0 = performance.now()
  const del = await c.request(20, 6, { topics: [{ name: 'many', topicId: ZERO_UUID }], topicNames: [], timeoutMs: 600000 })
  console.log(`DeleteTopics: error ${del.responses[0].errorCode as number} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${usage(b.proc.pid!)}`)
  c.close()
  await stop(b)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
