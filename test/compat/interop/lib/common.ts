// Shared by the interop tests (test/compat/interop/*.test.ts): where downloads and builds are cached (outside
// git), running child processes with a time limit, telling "the toolchain or a download is unavailable" (a
// skip) from a real failure, the reference Kafka launcher, and turning a peer's `ok`/`not ok` lines into
// assertions. Not a test file itself: `npm run test:interop` runs test/compat/interop/*.test.ts only.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
export const INTEROP = path.join(REPO, 'test/compat/interop')
/** Downloads, virtualenvs and builds: never inside the repository. */
export const CACHE = process.env.SAMSA_CACHE ?? path.join(os.homedir(), '.cache', 'samsa')
export const KAFKA_SH = path.join(REPO, 'scripts/kafka/kafka.sh')

export interface RunResult { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, ms: number }

export interface RunOptions {
  input?: string
  timeoutMs?: number
  env?: Record<string, string | undefined>
  cwd?: string
  /** Called with each stdout chunk (e.g. to notice readiness). */
  onStdout?: (chunk: string) => void
}

/** Runs a command to completion (SIGKILL after timeoutMs, default 120 s); never rejects on a non-zero exit. */
export function run (cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now()
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.setEncoding('utf8')
    p.stderr.setEncoding('utf8')
    p.stdout.on('data', (d: string) => { stdout += d; opts.onStdout?.(d) })
    p.stderr.on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => { stderr += `\n[killed after ${opts.timeoutMs ?? 120_000} ms]`; p.kill('SIGKILL') }, opts.timeoutMs ?? 120_000)
    p.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, signal: null, stdout, stderr: stderr + String(e), ms: Date.now() - t0 }) })
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }) })
    p.stdin.on('error', () => {})
    p.stdin.end(opts.input ?? '')
  })
}

/** True when `cmd` can be started (exit status ignored unless it failed to spawn). */
export function hasCommand (cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 })
  return r.error === undefined
}

/** Output of a failed download or dependency resolution because no registry could be reached. */
const NETWORK = /Could not (resolve|transfer|find artifact)|Unknown ?Host|UnknownHostException|Network is unreachable|Connection (refused|reset|timed out)|Temporary failure in name resolution|Failed to establish a new connection|No matching distribution found|dial tcp|proxy\.golang\.org|i\/o timeout|TLS handshake timeout|Could not fetch URL|HTTPSConnectionPool|Name or service not known|Read timed out/i

export function looksLikeNetworkFailure (output: string): boolean { return NETWORK.test(output) }

/** Last lines of a long output, for assertion messages. */
export function tail (s: string, lines = 15): string { return s.trim().split('\n').slice(-lines).join('\n') }

/** sha256 of files and strings, to know whether a cached build is current. */
export function fingerprint (parts: Array<string | { file: string }>): string {
  const h = crypto.createHash('sha256')
  for (const p of parts) h.update(typeof p === 'string' ? p : fs.readFileSync(p.file)).update('\0')
  return h.digest('hex')
}

export function filesUnder (dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile())
    .map(e => path.join(e.parentPath ?? (e as any).path, e.name))
    .sort()
}

export interface Prepared { ok: boolean, reason?: string, error?: string }

/**
 * Result of a preparation step (download, install, build): ok; or a skip reason when a toolchain is missing or
 * the network failed; or an error (a real failure, e.g. a compile error) the test reports.
 */
export function prepared (what: string, r: RunResult): Prepared {
  if (r.code === 0) return { ok: true }
  const out = r.stdout + '\n' + r.stderr
  if (looksLikeNetworkFailure(out)) return { ok: false, reason: `${what}: download unavailable (${tail(out, 3).replace(/\s+/g, ' ').slice(0, 300)})` }
  return { ok: false, error: `${what} failed (exit ${r.code}):\n${tail(out, 30)}` }
}

/** Is something listening on host:port? */
export function portInUse (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect({ port, host })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
    s.setTimeout(2000, () => { s.destroy(); resolve(false) })
  })
}

/** Can this process bind host:port? */
export function portBindable (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise(resolve => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

/**
 * A peer program prints `ok NAME`, `not ok NAME: DETAIL` and `info KEY VALUE` (KEY without spaces) lines: every check becomes an
 * assertion; returns the info values. Fails if the program crashed or printed no check at all.
 */
export function assertPeerOutput (t: Test, label: string, r: RunResult): Map<string, string> {
  const info = new Map<string, string>()
  let checks = 0
  for (const line of r.stdout.split('\n')) {
    let m: RegExpExecArray | null
    if ((m = /^ok (.*)$/.exec(line)) !== null) { checks++; t.ok(true, `${label}: ${m[1]}`) } else if ((m = /^not ok ([^:]*)(?::\s*(.*))?$/.exec(line)) !== null) {
      checks++
      t.fail(`${label}: ${m[1]}${m[2] !== undefined ? ` -- ${m[2].slice(0, 1500)}` : ''}`)
    } else if ((m = /^info (\S+) ?(.*)$/.exec(line)) !== null) info.set(m[1], m[2])
  }
  if (r.code !== 0 || checks === 0) t.fail(`${label}: exited with ${r.code ?? r.signal} after ${checks} checks\n${tail(r.stderr, 25)}`)
  return info
}

// ------------------------------------------------------------------------------------------------ Kafka

let kafkaFetch: Promise<Prepared> | undefined

/** Fetches Apache Kafka into the cache once per process (scripts/kafka/kafka.sh fetch). */
export function ensureKafka (): Promise<Prepared> {
  kafkaFetch ??= (async () => {
    if (!hasCommand('java', ['-version'])) return { ok: false, reason: 'java is not installed (apt-get install openjdk-17-jre-headless)' }
    if (!hasCommand('mvn', ['-v'])) return { ok: false, reason: 'Maven is not installed (apt-get install maven)' }
    return prepared('fetching Apache Kafka from Maven Central', await run(KAFKA_SH, ['fetch'], { timeoutMs: 600_000 }))
  })()
  return kafkaFetch
}

/** Runs one of Kafka's CLI tools (kafka.sh topics|console-producer|... ARGS). */
export async function kafkaTool (tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return await run(KAFKA_SH, [tool, ...args], { timeoutMs: 90_000, ...opts })
}

export interface ReferenceKafka { port: number, dir: string, bootstrap: string, stop: () => Promise<void> }

interface Teardown { teardown: (fn: () => unknown) => void }

/** Starts the reference Apache Kafka (one KRaft node on loopback) in a temp dir; stopped at teardown. */
export async function startKafka (t: Teardown, extraProps: string[] = []): Promise<ReferenceKafka> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-kafka-'))
  const r = await run(KAFKA_SH, ['start', '--dir', dir], { timeoutMs: 180_000, env: { KAFKA_EXTRA_PROPS: extraProps.join('\n') } })
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(r.stdout)
  if (r.code !== 0 || m === null) {
    await run(KAFKA_SH, ['stop', '--dir', dir])
    throw new Error(`reference Kafka did not start (exit ${r.code}): ${tail(r.stderr + r.stdout, 30)}`)
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await run(KAFKA_SH, ['stop', '--dir', dir], { timeoutMs: 60_000 })
  }
  t.teardown(async () => {
    await stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const port = Number(m[1])
  return { port, dir, bootstrap: `127.0.0.1:${port}`, stop }
}

// --------------------------------------------------------------------------------------- record batches

/** Fields of a RecordBatch v2 header (segments/README.md). */
export function batchHeader (b: Buffer): { baseOffset: bigint, codec: number, producerId: bigint, producerEpoch: number, baseSequence: number, recordCount: number, transactional: boolean } {
  const attributes = b.readInt16BE(21)
  return {
    baseOffset: b.readBigInt64BE(0),
    codec: attributes & 7,
    transactional: (attributes & 16) !== 0,
    producerId: b.readBigInt64BE(43),
    producerEpoch: b.readInt16BE(51),
    baseSequence: b.readInt32BE(53),
    recordCount: b.readInt32BE(57)
  }
}

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
