// The two brokers under comparison, behind one shape: { name, bootstrap, pid, rssMiB(), cpuSeconds(), stop() }.
//  - Samsa: `node dist/cli/main.js start --port 0 --data-dir D --fsync F --log-level warn` (bench/lib/broker.js,
//    from the private copy of dist/ taken at the start of the run; with --baseline, the second Samsa runs the
//    same command from the copy of the baseline build).
//  - Kafka: `scripts/kafka/kafka.sh start --port 0 --dir D` (Apache Kafka 3.9.1, one KRaft broker+controller,
//    kafka.sh's JVM settings: -Xms256m -Xmx768m, G1); its JVM pid is read from D/kafka.pid.
// Both listen on 127.0.0.1 only. Also: the Java tools runner (`kafka.sh run CLASS ...`) and a free-port picker.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { ROOT, procCpuSeconds, procStatus, startBroker } from '../lib/broker.js'

export const KAFKA_SH = join(ROOT, 'scripts', 'kafka', 'kafka.sh')
/** JVM options of the Java client tools: kafka-run-class.sh's performance options (full JIT, G1), 512 MiB heap. */
export const TOOL_OPTS = '-Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35'

const kafkaDirs = new Set()
/** Client processes (Java tools, Node clients) still running: killed if the harness exits early. */
export const clientProcesses = new Set()
export function trackChild (child) {
  clientProcesses.add(child)
  child.once('exit', () => clientProcesses.delete(child))
  return child
}
function stopKafkaSync (dir) {
  try { execFileSync(KAFKA_SH, ['stop', '--dir', dir], { stdio: 'ignore', timeout: 40000 }) } catch {}
  kafkaDirs.delete(dir)
}
// a failed or interrupted run must not leave a JVM behind
process.on('exit', () => {
  for (const c of clientProcesses) c.kill('SIGKILL')
  for (const d of [...kafkaDirs]) stopKafkaSync(d)
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

/** cli: another build's dist/cli/main.js (bench/lib/broker.js copyBuild); default the run's snapshot of dist/. */
export async function startSamsa ({ dataDir, fsync, nodeArgs = [], port = 0, cli, name = 'samsa' }) {
  const b = await startBroker({ dataDir, fsync, nodeArgs, port, cli })
  return {
    name,
    bootstrap: `${b.host}:${b.port}`,
    pid: b.pid,
    startMs: b.startMs,
    rssMiB: () => procStatus(b.pid).rssMiB,
    hwmMiB: () => procStatus(b.pid).hwmMiB,
    cpuSeconds: () => procCpuSeconds(b.pid),
    stop: () => b.stop()
  }
}

/** Starts Kafka in dir (formatting it first unless dir/data/meta.properties exists). */
export function startKafka ({ dir, port = 0, env = {} }) {
  kafkaDirs.add(dir)
  return new Promise((resolve, reject) => {
    execFile(KAFKA_SH, ['start', '--port', String(port), '--dir', dir], { env: { ...process.env, ...env }, timeout: 180000 }, (err, stdout, stderr) => {
      if (err !== null) { stopKafkaSync(dir); reject(new Error(`kafka.sh start failed: ${err.message}\n${stderr}`)); return }
      const m = /listening on (\S+):(\d+)/.exec(stdout)
      if (m === null) { stopKafkaSync(dir); reject(new Error(`kafka.sh start printed no listening line: ${stdout}`)); return }
      const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8'))
      resolve({
        name: 'kafka',
        bootstrap: `${m[1]}:${m[2]}`,
        pid,
        rssMiB: () => procStatus(pid).rssMiB,
        hwmMiB: () => procStatus(pid).hwmMiB,
        cpuSeconds: () => procCpuSeconds(pid),
        stop: () => new Promise(resolve => execFile(KAFKA_SH, ['stop', '--dir', dir], { timeout: 40000 }, () => { kafkaDirs.delete(dir); resolve() }))
      })
    })
  })
}

/** Runs `kafka.sh run MAIN ARGS...` with TOOL_OPTS; resolves { stdout, stderr, ms } (rejects on a non-zero exit). */
export function runKafkaTool (main, args, { timeoutMs = 180000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = trackChild(spawn(KAFKA_SH, ['run', main, ...args], { env: { ...process.env, KAFKA_TOOL_OPTS: TOOL_OPTS }, stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', s => { stdout += s })
    child.stderr.setEncoding('utf8').on('data', s => { if (stderr.length < 65536) stderr += s })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', code => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`${main} exited with ${code}\n${stderr.slice(-2000)}`))
      else resolve({ stdout, stderr, ms: Date.now() - t0 })
    })
  })
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}
