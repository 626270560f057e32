#!/usr/bin/env node
// Samsa benchmark harness: `npm run bench` (= node bench/run.js). See bench/README.md.
//
// The broker under test runs in its own process (node dist/cli/main.js start --port 0 ...), one fresh broker
// and data directory per scenario; the load generators run here with everything pre-encoded. Raw-disk
// baselines run in this process between scenarios (broker stopped), on the same filesystem, so every row
// can be read as a ratio measured side by side in one run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { join, resolve } from 'node:path'

const HELP = `Usage: node bench/run.js [options]     (npm run bench -- [options])

Runs the produce, latency, fetch and start-up benchmarks against a broker in a separate process, with
raw-disk baselines, prints a markdown report and writes bench/results/latest.md and latest.json.

  --quick                 ~20 s smoke run (short durations, small fills, 3 starts)
  --only LIST             subset: produce,latency,fetch,startup (comma-separated)
  --sizes LIST            record value sizes in bytes (default 100,1024)
  --acks LIST             produce acks (default 1,-1)
  --duration S            measured seconds per produce scenario (default 10; quick 1.2)
  --warmup S              warm-up seconds before measuring (default 2; quick 0.3)
  --connections N         produce connections (default 4)
  --in-flight N           requests in flight per connection (default 8)
  --partitions N          partitions of the produce topic; connection i writes partition i % N (default 1)
  --batch-bytes N         target record batch size (default 16384)
  --fill-mib N            MiB written before the fetch benchmark (default 512 for 1 KiB, 256 for 100 B; quick 24)
  --fetch-versions LIST   Fetch versions to run (default 11,12)
  --fetch-max-bytes LIST  Fetch maxBytes = partitionMaxBytes values (default 16777216,1048576; quick 16777216)
  --fetch-seconds S       minimum seconds of fetching per row (default 3; quick 0.5)
  --starts N              cold starts for the start-up median (default 10; quick 3)
  --dir DIR               where the brokers' temporary data dirs go (default: the OS temp dir)
  --dist DIR              run the broker from another build's dist/ (A/B runs; default: this checkout's
                          dist/, copied at start so a rebuild during the run cannot change it)
  --profile               run each broker with node --cpu-prof; summaries go into the report and
                          the .cpuprofile files into bench/results/profiles/ (figures then include profiler overhead)
  --no-save               print only, do not write bench/results/
  -h, --help              this help
`

function parseArgs (argv) {
  const o = { flags: new Set(), values: new Map() }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') { o.flags.add('help'); continue }
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`)
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
    if (['quick', 'profile', 'no-save'].includes(name)) { o.flags.add(name); continue }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new Error(`--${name} needs a value`)
    o.values.set(name, value)
  }
  return o
}

const KNOWN = new Set(['only', 'sizes', 'acks', 'duration', 'warmup', 'connections', 'in-flight', 'partitions', 'batch-bytes',
  'fill-mib', 'fetch-versions', 'fetch-max-bytes', 'fetch-seconds', 'starts', 'dir', 'dist'])

let args
try {
  args = parseArgs(process.argv.slice(2))
  for (const k of args.values.keys()) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}`)
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n\n${HELP}`)
  process.exit(2)
}
if (args.flags.has('help')) {
  process.stdout.write(HELP)
  process.exit(0)
}

const ROOT = new URL('..', import.meta.url).pathname
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm install` (or `npm run build`) first\n')
  process.exit(2)
}

// dist/ is imported only after the check above
const { startBroker, snapshotDist, killAll, procCpuSeconds, machineCpuSeconds } = await import('./lib/broker.js')
const { WireConnection, createTopic } = await import('./lib/wire.js')
const { runProduce, buildProduceFrames } = await import('./lib/produce.js')
const { runFetch } = await import('./lib/fetch.js')
const { diskAppend, diskRead } = await import('./lib/disk.js')
const { runStartup } = await import('./lib/startup.js')
const { summarizeProfile, profileMarkdown } = await import('./lib/profile.js')
const { runFrameBaseline } = await import('./lib/frame-server.js')
const { fmt, fmtInt, MiB } = await import('./lib/stats.js')

const quick = args.flags.has('quick')
const num = (name, dflt) => {
  if (!args.values.has(name)) return dflt
  const v = Number(args.values.get(name))
  if (!Number.isFinite(v) || v < 0) { process.stderr.write(`bench: --${name} must be a non-negative number\n`); process.exit(2) }
  return v
}
const list = (name, dflt) => args.values.has(name) ? args.values.get(name).split(',').map(s => s.trim()).filter(s => s !== '') : dflt
const only = new Set(list('only', ['produce', 'latency', 'fetch', 'startup']))
for (const s of only) if (!['produce', 'latency', 'fetch', 'startup'].includes(s)) { process.stderr.write(`bench: --only knows produce,latency,fetch,startup (got ${s})\n`); process.exit(2) }

const cfg = {
  quick,
  sizes: list('sizes', ['100', '1024']).map(Number),
  acks: list('acks', ['1', '-1']).map(Number),
  durationMs: num('duration', quick ? 1.2 : 10) * 1000,
  warmupMs: num('warmup', quick ? 0.3 : 2) * 1000,
  connections: num('connections', 4),
  inFlight: num('in-flight', 8),
  partitions: num('partitions', 1),
  batchBytes: num('batch-bytes', 16384),
  fillMiB: args.values.has('fill-mib') ? num('fill-mib', 0) : null,
  fetchVersions: list('fetch-versions', ['11', '12']).map(Number),
  fetchMaxBytes: list('fetch-max-bytes', quick ? [String(16 * MiB)] : [String(16 * MiB), String(MiB)]).map(Number),
  fetchSeconds: num('fetch-seconds', quick ? 0.5 : 3),
  latencySeconds: quick ? 0.5 : 3,
  loopbackSeconds: quick ? 0.3 : 1,
  starts: num('starts', quick ? 3 : 10),
  idleMs: quick ? 500 : 2000,
  baseDir: args.values.get('dir') ?? os.tmpdir(),
  dist: args.values.has('dist') ? resolve(args.values.get('dist')) : undefined,
  profile: args.flags.has('profile'),
  save: !args.flags.has('no-save')
}
for (const a of cfg.acks) if (![0, 1, -1].includes(a)) { process.stderr.write('bench: --acks takes 1 and/or -1\n'); process.exit(2) }
if (cfg.acks.includes(0)) { process.stderr.write('bench: acks=0 gets no responses to measure; use 1 or -1\n'); process.exit(2) }
const fillMiBFor = size => cfg.fillMiB ?? (quick ? 24 : size >= 512 ? 512 : 256)

const RESULTS = join(ROOT, 'bench', 'results')
const PROFILES = join(RESULTS, 'profiles')
if (cfg.dist !== undefined && !existsSync(join(cfg.dist, 'cli', 'main.js'))) {
  process.stderr.write(`bench: --dist ${cfg.dist} has no cli/main.js (give the path of a built dist/ directory)\n`)
  process.exit(2)
}
const workDir = mkdtempSync(join(cfg.baseDir, 'samsa-bench-'))
const brokerRoot = snapshotDist(workDir, cfg.dist)
const T0 = performance.now()
const log = msg => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`)
const sizeName = s => s >= MiB && s % MiB === 0 ? `${s / MiB} MiB` : s >= 1024 && s % 1024 === 0 ? `${s / 1024} KiB` : `${s} B`

function shell (cmd, argv) {
  try { return execFileSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch { return null }
}

function setupInfo () {
  const cpus = os.cpus()
  const df = shell('df', ['-T', cfg.baseDir])?.split('\n')[1]?.split(/\s+/)
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    filesystem: df !== undefined ? `${df[1]} (${df[0]})` : '?',
    commit: shell('git', ['rev-parse', '--short', 'HEAD']),
    dirty: (shell('git', ['status', '--porcelain', '--', 'src']) ?? '') !== '',
    brokerDist: cfg.dist ?? 'dist/ of this checkout',
    loadAvgStart: os.loadavg().map(v => Number(v.toFixed(2)))
  }
}

/**
 * Samples over a measurement window: broker CPU (all its threads), this process's CPU, the rest of the
 * machine's busy CPU (other processes: the noise on a shared machine) and the broker's RSS.
 */
function windowSampler (broker) {
  let b0 = null
  let s0 = null
  let m0 = null
  let t0 = 0
  let timer = null
  let maxRss = 0
  const sample = () => { const r = broker.status().rssMiB; if (r !== null && r > maxRss) maxRss = r }
  const w = {
    start () { b0 = broker.cpuSeconds(); s0 = procCpuSeconds(process.pid); m0 = machineCpuSeconds(); t0 = performance.now(); sample(); timer = setInterval(sample, 200) },
    end () {
      clearInterval(timer)
      sample()
      const secs = (performance.now() - t0) / 1000
      const b = broker.cpuSeconds()
      const s = procCpuSeconds(process.pid)
      const m = machineCpuSeconds()
      const brokerCpu = b0 === null || b === null ? null : (b - b0) / secs
      const clientCpu = s0 === null || s === null ? null : (s - s0) / secs
      const otherCpu = m0 === null || m === null || brokerCpu === null || clientCpu === null ? null : Math.max(0, (m.busy - m0.busy) / secs - brokerCpu - clientCpu)
      w.result = { brokerCpu, clientCpu, otherCpu, stealCpu: m0 === null || m === null ? null : (m.steal - m0.steal) / secs, maxRssMiB: maxRss }
    },
    result: null
  }
  return w
}

function nodeArgsFor (name) {
  if (!cfg.profile) return []
  mkdirSync(PROFILES, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-dir', PROFILES, '--cpu-prof-name', `${name}.cpuprofile`]
}

const profiles = []
async function stopBroker (broker, name) {
  await broker.stop()
  if (!cfg.profile) return
  const file = join(PROFILES, `${name}.cpuprofile`)
  if (existsSync(file)) profiles.push({ name, file, summary: summarizeProfile(file) })
  else log(`no profile written for ${name}`)
}

async function brokerWithTopic (name, fsync, topic, partitions, profile = true) {
  const dataDir = mkdtempSync(join(workDir, `${name}-`))
  const broker = await startBroker({ dataDir, fsync, nodeArgs: profile ? nodeArgsFor(name) : [] })
  const c = await WireConnection.connect(broker.host, broker.port)
  try { await createTopic(c, topic, partitions) } finally { await c.close() }
  return { broker, dataDir }
}

const acksName = a => a === -1 ? 'all (-1)' : String(a)

// ---- produce throughput ----
async function produceScenarios () {
  const rows = []
  for (const size of cfg.sizes) {
    for (const acks of cfg.acks) {
      const name = `produce-${size}B-acks${acks === -1 ? 'all' : acks}`
      log(`${name}: ${cfg.connections} connections x ${cfg.inFlight} in flight, ${cfg.partitions} partition(s), ${(cfg.warmupMs + cfg.durationMs) / 1000} s`)
      const { broker, dataDir } = await brokerWithTopic(name, 'always', 'bench-produce', cfg.partitions)
      const w = windowSampler(broker)
      const r = await runProduce({
        host: broker.host, port: broker.port, topic: 'bench-produce', partitions: cfg.partitions,
        connections: cfg.connections, inFlight: cfg.inFlight, recordSize: size, batchBytes: cfg.batchBytes, acks,
        warmupMs: cfg.warmupMs, durationMs: cfg.durationMs, onMeasureStart: () => w.start(), onMeasureEnd: () => w.end()
      })
      const hwm = broker.status().hwmMiB
      await stopBroker(broker, name)
      rmSync(dataDir, { recursive: true, force: true })
      if (r.errors > 0) log(`${name}: ${r.errors} errors, first: ${r.firstError}`)
      // the same bytes, appended raw: as many bytes as the broker took in its measured window
      const syncEvery = acks === -1 ? cfg.connections * cfg.inFlight : 0
      const { batches } = buildProduceFrames({ topic: 'x', partition: 0, recordSize: size, batchBytes: cfg.batchBytes, acks, count: 64 })
      const disk = diskAppend({ dir: workDir, batches, totalBytes: Math.max(r.bytes, 64 * MiB), maxMs: cfg.durationMs, syncEvery })
      const row = {
        name, recordSize: size, acks, fsync: 'always', connections: cfg.connections, inFlight: cfg.inFlight, partitions: cfg.partitions,
        batchBytes: r.batchSize, recordsPerBatch: r.recordsPerBatch,
        seconds: r.seconds, requests: r.requests, mibPerSec: r.mibPerSec, recordsPerSec: r.recordsPerSec, perSecondMiB: r.perSecondMiB,
        latencyMs: r.latencyMs, errors: r.errors, firstError: r.firstError,
        brokerCpu: w.result?.brokerCpu ?? null, clientCpu: w.result?.clientCpu ?? r.clientCpu, otherCpu: w.result?.otherCpu ?? null, stealCpu: w.result?.stealCpu ?? null,
        maxRssMiB: w.result?.maxRssMiB ?? null, hwmMiB: hwm,
        rawDisk: { method: syncEvery > 0 ? `writeSync + fdatasync every ${syncEvery} batches` : 'writeSync', ...disk },
        ratio: r.mibPerSec / disk.mibPerSec
      }
      log(`${name}: ${fmt(row.mibPerSec)} MiB/s, ${fmtInt(row.recordsPerSec)} rec/s, p50 ${fmt(r.latencyMs?.p50, 2)} ms, p99 ${fmt(r.latencyMs?.p99, 2)} ms; raw disk ${fmt(disk.mibPerSec)} MiB/s (x${row.ratio.toFixed(2)})`)
      rows.push(row)
    }
  }
  return rows
}

// ---- produce latency at light load: one connection, one request in flight ----
async function latencyScenarios () {
  const rows = []
  const size = cfg.sizes.includes(1024) ? 1024 : cfg.sizes[cfg.sizes.length - 1]
  for (const acks of cfg.acks) {
    const name = `latency-${size}B-acks${acks === -1 ? 'all' : acks}`
    log(`${name}: 1 connection x 1 in flight, ${cfg.latencySeconds} s`)
    const { broker, dataDir } = await brokerWithTopic(name, 'always', 'bench-latency', 1)
    const r = await runProduce({
      host: broker.host, port: broker.port, topic: 'bench-latency', partitions: 1, connections: 1, inFlight: 1,
      recordSize: size, batchBytes: cfg.batchBytes, acks, warmupMs: Math.min(cfg.warmupMs, 500), durationMs: cfg.latencySeconds * 1000
    })
    await stopBroker(broker, name)
    rmSync(dataDir, { recursive: true, force: true })
    const { batches } = buildProduceFrames({ topic: 'x', partition: 0, recordSize: size, batchBytes: cfg.batchBytes, acks, count: 64 })
    // raw floor for one synchronous round: one write (+ one fdatasync for acks=-1)
    const disk = diskAppend({ dir: workDir, batches, totalBytes: Math.max(r.bytes, 16 * MiB), maxMs: cfg.latencySeconds * 1000, syncEvery: acks === -1 ? 1 : 0 })
    const rawMs = (disk.seconds * 1000) / disk.writes
    rows.push({ name, recordSize: size, acks, batchBytes: r.batchSize, requestsPerSec: r.requests / r.seconds, latencyMs: r.latencyMs, errors: r.errors, firstError: r.firstError, rawWriteMs: rawMs, rawMethod: acks === -1 ? 'writeSync + fdatasync' : 'writeSync' })
    log(`${name}: p50 ${fmt(r.latencyMs?.p50, 2)} ms, p99 ${fmt(r.latencyMs?.p99, 2)} ms; raw ${fmt(rawMs, 3)} ms per write`)
  }
  return rows
}

// ---- fetch ----
async function fetchScenarios () {
  const rows = []
  const restarts = []
  const tcp = []
  for (const size of cfg.sizes) {
    const name = `fetch-${size}B`
    const fillBytes = fillMiBFor(size) * MiB
    log(`${name}: filling ${fillMiBFor(size)} MiB of ${sizeName(size)} records`)
    const filler = await brokerWithTopic(`${name}-fill`, 'always', 'bench-fetch', 1, false)
    const dataDir = filler.dataDir
    const fill = await runProduce({
      host: filler.broker.host, port: filler.broker.port, topic: 'bench-fetch', partitions: 1, connections: cfg.connections, inFlight: cfg.inFlight,
      recordSize: size, batchBytes: cfg.batchBytes, acks: -1, totalBytes: fillBytes
    })
    await filler.broker.stop()
    if (fill.errors > 0) throw new Error(`${name}: fill failed: ${fill.firstError}`)
    const endOffset = fill.records
    // a fresh broker over the filled log (clean shutdown): its start is the restart figure, and a profile
    // of it holds the fetches only; the log is still in the page cache
    const broker = await startBroker({ dataDir, fsync: 'always', nodeArgs: nodeArgsFor(name) })
    restarts.push({ recordSize: size, logMiB: fill.bytes / MiB, startMs: broker.startMs, rssMiB: broker.status().rssMiB })
    const mine = []
    for (const maxBytes of cfg.fetchMaxBytes) {
      for (const version of cfg.fetchVersions) {
        // the loopback ceiling right before each row, so both see the same machine load
        const ceiling = await runFrameBaseline({ responseBytes: maxBytes, minSeconds: cfg.loopbackSeconds })
        tcp.push({ recordSize: size, version, responseBytes: maxBytes, ...ceiling })
        const w = windowSampler(broker)
        const r = await runFetch({
          host: broker.host, port: broker.port, topic: 'bench-fetch', partition: 0, version, endOffset,
          maxBytes, partitionMaxBytes: maxBytes, minSeconds: cfg.fetchSeconds,
          onMeasureStart: () => w.start(), onMeasureEnd: () => w.end()
        })
        const row = {
          name: `${name}-v${version}-${sizeName(maxBytes).replace(' ', '')}`, recordSize: size, version, maxBytes, logMiB: fill.bytes / MiB, records: endOffset,
          seconds: r.seconds, passes: r.passes, requests: r.requests, mibPerSec: r.mibPerSec, recordsPerSec: r.recordsPerSec,
          avgResponseMiB: r.avgResponseMiB, perPassMiB: r.perPassMiB, latencyMs: r.latencyMs, brokerCpu: w.result?.brokerCpu ?? null, clientCpu: w.result?.clientCpu ?? r.clientCpu,
          otherCpu: w.result?.otherCpu ?? null, stealCpu: w.result?.stealCpu ?? null,
          maxRssMiB: w.result?.maxRssMiB ?? null, fillMiBPerSec: fill.mibPerSec,
          loopback: { mibPerSec: ceiling.mibPerSec, responseBytes: ceiling.responseBytes, seconds: ceiling.seconds },
          loopbackRatio: r.mibPerSec / ceiling.mibPerSec
        }
        mine.push(row)
        log(`${row.name}: ${fmt(r.mibPerSec)} MiB/s, ${fmtInt(r.recordsPerSec)} rec/s over ${r.passes} pass(es) of ${fmt(fill.bytes / MiB)} MiB, p50 ${fmt(r.latencyMs?.p50, 2)} ms; loopback ${fmt(ceiling.mibPerSec)} MiB/s`)
      }
    }
    await stopBroker(broker, name)
    // the same log file read raw (page cache, as the broker's reads were)
    const segDir = join(dataDir, 'bench-fetch-0')
    const logFile = readdirSync(segDir).filter(f => f.endsWith('.log')).sort().map(f => join(segDir, f))[0]
    const raw = diskRead({ file: logFile, chunkBytes: 1024 * 1024, minSeconds: Math.min(cfg.fetchSeconds, 1) })
    for (const row of mine) { row.rawRead = { method: 'readSync 1 MiB chunks', ...raw }; row.ratio = row.mibPerSec / raw.mibPerSec }
    rows.push(...mine)
    log(`${name}: raw read ${fmt(raw.mibPerSec)} MiB/s; restart over ${fmt(fill.bytes / MiB)} MiB took ${fmt(broker.startMs)} ms`)
    rmSync(dataDir, { recursive: true, force: true })
  }
  return { rows, restarts, tcp }
}

// ---- report ----
/** '**mean** (min–max)' of a figure and its per-second (or per-pass) values. */
const withSpread = (mean, parts) => {
  if (parts === undefined || parts.length < 2) return `**${fmt(mean)}**`
  return `**${fmt(mean)}** (${fmt(Math.min(...parts), 0)}–${fmt(Math.max(...parts), 0)})`
}
const pct = v => v === null || v === undefined ? '-' : `${Math.round(v * 100)}%`
/** Broker CPU time per MiB moved: steadier than MiB/s when other processes compete for the cores. */
const cpuPerMiB = r => r.brokerCpu === null || !(r.mibPerSec > 0) ? '-' : fmt((r.brokerCpu * 1000) / r.mibPerSec, 1)
const cpuCell = r => `${pct(r.brokerCpu)} / ${pct(r.clientCpu)} / ${pct(r.otherCpu)}`

function markdown (res) {
  const s = res.setup
  const L = []
  L.push(`# Samsa benchmark results${cfg.quick ? ' (--quick)' : ''}`, '')
  L.push(`${s.date} · ${s.cpus} × ${s.cpuModel} · ${s.memGiB} GiB · Node ${s.node} · ${s.os} · data on ${s.filesystem} · commit ${s.commit ?? '?'}${s.dirty ? ' (src modified)' : ''}${cfg.dist !== undefined ? ` · broker from ${cfg.dist}` : ''}`, '')
  L.push(`Load average at start ${s.loadAvgStart.join(' / ')}, at end ${s.loadAvgEnd.join(' / ')}. A shared machine: the CPU column shows broker / this harness / everything else on the machine during each row (100% = one of the ${s.cpus} cores); compare rows of one run and quote ratios.`, '')
  L.push('Broker: `node dist/cli/main.js start --port 0 --data-dir <tmp> --log-level warn --fsync always` in its own process, fresh per scenario. ' +
    'Client: pre-encoded Produce v9 requests (RecordBatch v2, uncompressed, random values, null keys) over raw TCP; Fetch one request at a time. MiB = 2^20 bytes of whole record batches (what goes to disk and over the wire).', '')
  if (res.produce.length > 0) {
    const p0 = res.produce[0]
    L.push('## Produce throughput', '')
    L.push(`${p0.connections} connections × ${p0.inFlight} requests in flight, ${p0.partitions} partition(s), one ~${Math.round(cfg.batchBytes / 1024)} KiB batch per request; ` +
      `${cfg.warmupMs / 1000} s warm-up, then ${cfg.durationMs / 1000} s measured. Latency: request written → response read, under that full load (so it includes queueing behind the other in-flight requests). ` +
      `Raw disk: the same batches appended with fs.writeSync to one file on the same filesystem, as many bytes as the broker took (for acks=-1 with fdatasync every ${p0.connections * p0.inFlight} batches = connections × in flight, the most one group commit can cover).`, '')
    L.push('| records | acks | batch | MiB/s (min–max of each second) | records/s | p50 ms | p99 ms | CPU broker / bench / other | broker CPU ms per MiB | RSS max MiB | raw disk MiB/s | broker ÷ raw |')
    L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of res.produce) {
      L.push(`| ${sizeName(r.recordSize)} | ${acksName(r.acks)} | ${r.recordsPerBatch} × ${sizeName(r.recordSize)} = ${fmt(r.batchBytes / 1024)} KiB | ${withSpread(r.mibPerSec, r.perSecondMiB)} | ${fmtInt(r.recordsPerSec)} | ${fmt(r.latencyMs?.p50, 2)} | ${fmt(r.latencyMs?.p99, 2)} | ${cpuCell(r)} | ${cpuPerMiB(r)} | ${fmt(r.maxRssMiB, 0)} | ${fmt(r.rawDisk.mibPerSec)} | ${r.ratio.toFixed(2)}${r.errors > 0 ? ` ⚠ ${r.errors} errors` : ''} |`)
    }
    L.push('')
  }
  if (res.latency.length > 0) {
    L.push('## Produce latency, light load', '')
    L.push('One connection, one request in flight (each request waits for the previous answer). Raw: one fs.writeSync of the same batch (+ one fdatasync for acks=-1), i.e. the floor for a synchronous round.', '')
    L.push('| records | acks | batch | requests/s | p50 ms | p99 ms | p99.9 ms | raw write(+fdatasync) ms, mean |')
    L.push('|---|---|---:|---:|---:|---:|---:|---:|')
    for (const r of res.latency) {
      L.push(`| ${sizeName(r.recordSize)} | ${acksName(r.acks)} | ${fmt(r.batchBytes / 1024)} KiB | ${fmtInt(r.requestsPerSec)} | **${fmt(r.latencyMs?.p50, 2)}** | ${fmt(r.latencyMs?.p99, 2)} | ${fmt(r.latencyMs?.p999, 2)} | ${fmt(r.rawWriteMs, 3)}${r.errors > 0 ? ` ⚠ ${r.errors} errors` : ''} |`)
    }
    L.push('')
  }
  if (res.fetch.length > 0) {
    L.push('## Fetch throughput', '')
    L.push(`A partition filled with acks=-1, then read from offset 0 to its end by one connection, one Fetch at a time (as a consumer: the next offset comes from the previous answer), maxBytes = partitionMaxBytes, repeated for at least ${cfg.fetchSeconds} s. ` +
      'The log was just written, so it is in the page cache. Raw read: the same .log file read with fs.readSync in 1 MiB chunks. ' +
      'Loopback: the same client reading ready-made frames of maxBytes from a trivial Node server process, one at a time (what one sequential TCP connection between two Node processes carries here), measured right before each row.', '')
    L.push('| records | Fetch | maxBytes | log MiB | MiB/s (min–max of each pass) | records/s | p50 ms | p99 ms | CPU broker / bench / other | broker CPU ms per MiB | RSS max MiB | loopback MiB/s | broker ÷ loopback | broker ÷ raw read |')
    L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of res.fetch) {
      L.push(`| ${sizeName(r.recordSize)} | v${r.version} | ${sizeName(r.maxBytes)} | ${fmt(r.logMiB, 0)} | ${withSpread(r.mibPerSec, r.perPassMiB)} | ${fmtInt(r.recordsPerSec)} | ${fmt(r.latencyMs?.p50, 2)} | ${fmt(r.latencyMs?.p99, 2)} | ${cpuCell(r)} | ${cpuPerMiB(r)} | ${fmt(r.maxRssMiB, 0)} | ${fmt(r.loopback?.mibPerSec)} | ${r.loopbackRatio?.toFixed(2) ?? '-'} | ${r.ratio?.toFixed(3) ?? '-'} |`)
    }
    L.push('')
    const reads = [...new Map(res.fetch.map(r => [r.recordSize, r.rawRead])).entries()]
    L.push('Raw read: ' + reads.map(([size, rr]) => `the ${sizeName(size)}-record log ${fmt(rr?.mibPerSec)} MiB/s`).join(' · ') +
      `. Loopback measured for ${cfg.loopbackSeconds} s right before each row.`, '')
  }
  if (res.startup !== null || res.restarts.length > 0) {
    L.push('## Start-up and memory', '')
    L.push('| what | value |', '|---|---:|')
    if (res.startup !== null) {
      const st = res.startup
      L.push(`| spawn → \`listening\` line, empty data dir (median of ${st.starts}; min–max) | **${fmt(st.startMs.median)} ms** (${fmt(st.startMs.min)}–${fmt(st.startMs.max)}) |`)
      L.push(`| Node's own floor: spawn \`node -e\` → one stdout line (median of ${st.starts}, alternating with the broker starts) | ${fmt(st.nodeFloorMs.median)} ms |`)
      L.push(`| broker start minus the floor start just before it (median) | ${fmt(st.overFloorMs)} ms |`)
      L.push(`| broker RSS at the \`listening\` line (median) | ${fmt(st.rssAtListenMiB)} MiB |`)
      L.push(`| broker idle RSS, ${st.idleAfterMs / 1000} s after start | **${fmt(st.idleRssMiB)} MiB** |`)
    }
    for (const r of res.restarts) L.push(`| restart over ${fmt(r.logMiB, 0)} MiB of ${sizeName(r.recordSize)} records (clean shutdown) → \`listening\` | ${fmt(r.startMs)} ms, RSS ${fmt(r.rssMiB)} MiB |`)
    const loads = [...res.produce, ...res.fetch].filter(r => r.maxRssMiB !== null)
    if (loads.length > 0) {
      const max = loads.reduce((a, b) => (b.maxRssMiB > a.maxRssMiB ? b : a))
      L.push(`| broker RSS under load (max sampled every 200 ms, ${max.name}) | ${fmt(max.maxRssMiB)} MiB |`)
    }
    L.push('')
  }
  if (res.profiles.length > 0) {
    L.push('## Profiles (node --cpu-prof on the broker; the figures above include profiler overhead)', '')
    for (const p of res.profiles) L.push(profileMarkdown(p.name, p.summary), '')
  }
  L.push(`Command: \`node bench/run.js${process.argv.slice(2).length > 0 ? ' ' + process.argv.slice(2).join(' ') : ''}\` · total ${fmt(res.totalSeconds)} s`, '')
  return L.join('\n')
}

const started = performance.now()
const setup = setupInfo()
log(`setup: ${setup.cpus} CPUs (${setup.cpuModel}), Node ${setup.node}, data in ${workDir} on ${setup.filesystem}, load ${setup.loadAvgStart.join(' ')}`)
log(`brokers run from a copy of ${cfg.dist ?? 'dist/'} in ${brokerRoot}`)
const res = { setup, config: { ...cfg }, produce: [], latency: [], fetch: [], loopback: [], restarts: [], startup: null, profiles: [] }
let failed = null
try {
  if (only.has('produce')) res.produce = await produceScenarios()
  if (only.has('latency')) res.latency = await latencyScenarios()
  if (only.has('fetch')) { const f = await fetchScenarios(); res.fetch = f.rows; res.restarts = f.restarts; res.loopback = f.tcp }
  if (only.has('startup')) {
    log(`startup: ${cfg.starts} cold starts`)
    res.startup = await runStartup({ baseDir: workDir, starts: cfg.starts, idleMs: cfg.idleMs, nodeArgs: [] })
  }
} catch (err) {
  failed = err
  await killAll()
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
res.setup.loadAvgEnd = os.loadavg().map(v => Number(v.toFixed(2)))
for (const r of [...res.produce, ...res.fetch]) r.brokerCpuMsPerMiB = r.brokerCpu !== null && r.mibPerSec > 0 ? (r.brokerCpu * 1000) / r.mibPerSec : null
res.profiles = profiles.map(p => ({ name: p.name, file: p.file.slice(ROOT.length), summary: p.summary }))
res.totalSeconds = (performance.now() - started) / 1000
if (failed !== null) {
  process.stderr.write(`bench: failed: ${failed.stack ?? failed}\n`)
  process.exitCode = 1
}
const withErrors = [...res.produce, ...res.latency].filter(r => r.errors > 0)
for (const r of withErrors) process.stderr.write(`bench: ${r.name}: ${r.errors} error responses, first: ${r.firstError}\n`)
if (withErrors.length > 0) process.exitCode = 1
const md = markdown(res)
process.stdout.write(md + '\n')
if (cfg.save && failed === null) {
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'latest.md'), md + '\n')
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(res, null, 2) + '\n')
  log(`wrote bench/results/latest.md and latest.json (${fmt(res.totalSeconds)} s)`)
}
