#!/usr/bin/env node
// Samsa vs Apache Kafka 3.9.1, side by side: `npm run bench` (= node bench/compare/run.js). See bench/README.md.
//
// Both brokers run on this machine, on loopback, at the same time (one idles while the other is measured),
// each in its own process with its own temp data dir. Every row runs the same client with the same settings
// against Samsa and then Kafka (or Kafka then Samsa: the order alternates from row to row, so drifting
// machine load hits both). Clients: Kafka's Java ProducerPerformance / ConsumerPerformance /
// EndToEndLatency, kafkajs 2.2.4 and @platformatic/kafka, each run in a fresh process per row. Writes
// bench/results/compare.md, compare.json and compare.png (the Samsa/Kafka ratio of every row).
//
// With --baseline DIR the second broker of every row is Samsa run from another build (DIR's dist/) instead of
// Kafka, with the same flags and its own data dir; the same clients (the Java tools still come from kafka.sh)
// give this build / baseline per row, with the ratio of every A/B pair and their spread over all rows
// (compare/spread.js), written to bench/results/compare-baseline.{md,json,png}.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import { basename, join, resolve } from 'node:path'
import { ROOT, copyBuild, machineCpuSeconds, snapshotDist } from '../lib/broker.js'
import { summarizeProfile, profileMarkdown } from '../lib/profile.js'
import { sleep } from '../lib/stats.js'
import { TOOL_OPTS, startKafka, startSamsa } from './brokers.js'
import { createTopics, runNodeClient } from './clients.js'
import { consumerPerformance, endToEndLatency, producerPerformance } from './java-tools.js'
import { runStartTimes } from './startup.js'
import { ratioChart } from './chart.js'
import { renderMarkdown } from './report.js'
import { renderBaselineMarkdown } from './report-baseline.js'
import { ratioSpread } from './spread.js'

const HELP = `Usage: node bench/compare/run.js [options]     (npm run bench -- [options])

Samsa and Apache Kafka 3.9.1 side by side on this machine: produce and consume throughput, end-to-end
latency, start time and memory, with Kafka's Java perf tools, kafkajs and @platformatic/kafka. Writes
bench/results/compare.{md,json,png}. About 7 minutes; --quick under 2 minutes.

  --quick             smoke run: small record counts, short windows, 2 + 1 starts, one run per broker per row
  --reps N            runs per broker per row, in the order A B B A ... (default 2; quick 1)
  --only LIST         subset of: start,produce,consume,latency (memory is always read)
  --clients LIST      subset of: java,kafkajs,platformatic (default all)
  --sizes LIST        record sizes in bytes (default 100,1024)
  --acks LIST         produce acks (default 1,-1)
  --fsync MODE        Samsa's --fsync: never (default: page cache only, Kafka's default durability) or always
  --profile           run Samsa with node --cpu-prof, restarted per row; summaries of the rows Samsa loses
                      go into the report, .cpuprofile files into bench/results/profiles/ (git-ignored)
  --dir DIR           where the temporary data dirs go (default: the OS temp dir)
  --dist DIR          run Samsa from another build's dist/ (default: this checkout's dist/, copied at the
                      start so a rebuild during the run cannot change it)
  --baseline DIR      compare this build with another build of Samsa instead of Kafka: DIR is that build's
                      dist/ or a directory holding it (its COMMIT file, package.json and node_modules beside
                      dist/ are used when present); same flags, fsync mode and clients, its own data dir
  --baseline-name N   how the report names the baseline (default: a COMMIT file beside its dist/ or inside it,
                      else the commit of the git checkout holding it, else the directory's name)
  --out NAME          report file names under bench/results/ (default compare, or compare-baseline with
                      --baseline: NAME.md, .json, .png)
  --no-save           print only, do not write bench/results/
  -h, --help          this help
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
    if (!['only', 'clients', 'sizes', 'acks', 'fsync', 'dir', 'dist', 'reps', 'out', 'baseline', 'baseline-name'].includes(name)) throw new Error(`unknown option --${name}`)
    o.values.set(name, value)
  }
  return o
}

let args
try {
  args = parseArgs(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n\n${HELP}`)
  process.exit(2)
}
if (args.flags.has('help')) { process.stdout.write(HELP); process.exit(0) }
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm install` (or `npm run build`) first\n')
  process.exit(2)
}

// --baseline: the second side of every row is another build of Samsa instead of Kafka
let baseline = null
if (args.values.has('baseline')) {
  const dir = resolve(args.values.get('baseline'))
  const dist = existsSync(join(dir, 'dist', 'cli', 'main.js')) ? join(dir, 'dist') : dir
  if (!existsSync(join(dist, 'cli', 'main.js'))) {
    process.stderr.write(`bench: --baseline ${dir}: expected a build there (dist/cli/main.js or cli/main.js), found neither\n`)
    process.exit(2)
  }
  baseline = { dir, dist }
} else if (args.values.has('baseline-name')) {
  process.stderr.write('bench: --baseline-name needs --baseline\n')
  process.exit(2)
}
/** The two sides of every row: this build, and Kafka or the baseline build. Keys of rows, details and JSON. */
const A = 'samsa'
const B = baseline === null ? 'kafka' : 'baseline'
const SIDES = [A, B]
const SAMSA_SIDES = baseline === null ? [A] : [A, B]

const quick = args.flags.has('quick')
const list = (name, def) => (args.values.get(name) ?? def).split(',').map(s => s.trim()).filter(Boolean)
const cfg = {
  quick,
  only: new Set(list('only', 'start,produce,consume,latency')),
  clients: list('clients', 'java,kafkajs,platformatic'),
  sizes: list('sizes', '100,1024').map(Number),
  acks: list('acks', '1,-1').map(Number),
  fsync: args.values.get('fsync') ?? 'never',
  profile: args.flags.has('profile'),
  samsaStarts: quick ? 2 : 5,
  kafkaStarts: quick ? 1 : 3,
  idleMs: quick ? 2000 : 5000,
  // ProducerPerformance record counts: a few seconds per run at the rates seen here; their topics are
  // then the consume rows' input
  ppRecords: size => (quick ? (size <= 100 ? 300_000 : 60_000) : (size <= 100 ? 1_500_000 : 300_000)),
  warmupRecords: quick ? 100_000 : 500_000,
  nodeWarmup: quick ? 0.5 : 1,
  nodeSeconds: quick ? 1.5 : 3,
  inFlight: 5, // the Java producer's max.in.flight.requests.per.connection
  perSend: size => Math.max(1, Math.floor(16384 / (size + 10))), // about the Java producer's batch.size (16 KiB)
  reps: Number(args.values.get('reps') ?? (quick ? 1 : 2)), // runs per broker per row (A B B A)
  latencyRate: 1000,
  latencyWarmup: quick ? 0.5 : 1,
  latencySeconds: quick ? 2 : 8,
  latencySize: 100,
  e2eRecords: quick ? 500 : 3000
}
if (!['never', 'always'].includes(cfg.fsync)) { process.stderr.write('bench: --fsync is never or always\n'); process.exit(2) }

const RESULTS = join(ROOT, 'bench', 'results')
const PROFILES = join(RESULTS, 'profiles')
const t0 = Date.now()
const log = msg => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`)

const base = mkdtempSync(join(args.values.get('dir') ?? os.tmpdir(), 'samsa-compare-'))
process.on('exit', () => rmSync(base, { recursive: true, force: true }))
snapshotDist(base, args.values.get('dist') ?? join(ROOT, 'dist'))

function sh (cmd, a) { try { return execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() } catch { return null } }
if (baseline !== null) {
  baseline.cli = copyBuild(base, 'baseline', baseline.dist).cli
  // a COMMIT file beside dist/ (bench/README.md) or inside it, else the commit of the checkout that holds dist/
  const beside = join(baseline.dist, '..')
  let commit = null
  for (const file of [join(beside, 'COMMIT'), join(baseline.dist, 'COMMIT')]) {
    try { commit ??= readFileSync(file, 'utf8').trim() || null } catch {}
  }
  if (commit === null && sh('git', ['-C', beside, 'rev-parse', '--show-toplevel']) === beside) commit = sh('git', ['-C', beside, 'rev-parse', '--short', 'HEAD'])
  baseline.commit = commit
  baseline.name = args.values.get('baseline-name') ?? commit ?? basename(beside)
}
const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? ''
const pkgVersion = name => { try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version } catch { return null } }
const setup = {
  date: new Date().toISOString(),
  argv: process.argv.slice(2),
  commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  dirty: (sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']) ?? '') !== '',
  dist: args.values.get('dist') ?? 'dist/',
  // a build made elsewhere (e.g. from a clean `git archive HEAD`) may name its commit in a COMMIT file beside dist/
  distCommit: (() => { try { return readFileSync(join(args.values.get('dist') ?? join(ROOT, 'dist'), '..', 'COMMIT'), 'utf8').trim() } catch { return null } })(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memGiB: os.totalmem() / 2 ** 30,
  kernel: os.release(),
  node: process.version,
  java: (/version "([^"]+)"/.exec(javaVersion) ?? [])[1] ?? javaVersion.split('\n')[0],
  kafka: '3.9.1',
  kafkajs: pkgVersion('kafkajs'),
  platformatic: pkgVersion('@platformatic/kafka'),
  loadStart: os.loadavg(),
  loadEnd: null,
  samsaCmd: `node dist/cli/main.js start --port 0 --data-dir <tmp> --log-level warn --fsync ${cfg.fsync}`,
  kafkaCmd: 'scripts/kafka/kafka.sh start --port 0 --dir <tmp> (KRaft broker+controller, -Xms256m -Xmx768m, G1)',
  toolOpts: TOOL_OPTS,
  fsync: cfg.fsync,
  config: { ...cfg, only: [...cfg.only], ppRecords: { 100: cfg.ppRecords(100), 1024: cfg.ppRecords(1024) }, perSend: { 100: cfg.perSend(100), 1024: cfg.perSend(1024) } },
  durationS: null
}
if (baseline !== null) {
  setup.baseline = { dir: baseline.dir, dist: baseline.dist, commit: baseline.commit, name: baseline.name }
  setup.sides = { [A]: 'samsa (this build)', [B]: `samsa@${baseline.name}` }
  setup.kafkaCmd = null
  setup.baselineCmd = `node <baseline>/dist/cli/main.js start --port 0 --data-dir <tmp> --log-level warn --fsync ${cfg.fsync}`
}

const rows = []
const profiles = []
let order = 0 // alternates which broker goes first

// --- the two long-lived brokers -----------------------------------------------------------------------
const brokers = { [A]: null, [B]: null }
const rssMax = { [A]: 0, [B]: 0 }
const profileNames = { [A]: null, [B]: null } // the profile each Samsa broker is writing (--profile)
const PROFILE_PREFIX = { samsa: 'compare', baseline: 'baseline' }
const samsaDirs = { samsa: join(base, 'samsa-data'), baseline: join(base, 'baseline-data') }
for (const side of SAMSA_SIDES) mkdirSync(samsaDirs[side])

async function startMainSamsa (side, profileName = null) {
  const nodeArgs = profileName === null ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILES, '--cpu-prof-name', `${profileName}.cpuprofile`]
  brokers[side] = await startSamsa({ dataDir: samsaDirs[side], fsync: cfg.fsync, nodeArgs, cli: side === 'baseline' ? baseline.cli : undefined, name: side })
  profileNames[side] = profileName
}

/** With --profile, each row's Samsa (both builds with --baseline) runs in its own broker process (same data dir) with its own profile. */
async function samsaForRow (key) {
  if (!cfg.profile) return
  for (const side of SAMSA_SIDES) {
    await brokers[side].stop()
    if (profileNames[side] !== null) collectProfile(profileNames[side])
    await startMainSamsa(side, `${PROFILE_PREFIX[side]}-${key.replace(/[^a-z0-9=-]+/gi, '_')}`)
  }
}

function collectProfile (name) {
  const file = join(PROFILES, `${name}.cpuprofile`)
  if (existsSync(file)) profiles.push({ name, file: file.slice(ROOT.length), summary: summarizeProfile(file) })
}

function sampleRss () {
  for (const n of SIDES) {
    const r = brokers[n]?.rssMiB()
    if (r != null && r > rssMax[n]) rssMax[n] = r
  }
}

/**
 * Runs fn(broker) on both brokers, `reps` times in the order A B B A (A B B A A B ...), the first broker
 * alternating from row to row; records broker CPU and machine CPU per run. Each broker's result is the
 * mean of its runs' numeric fields (booleans: all true), with the runs kept in `runs`.
 */
async function both (fn, reps = cfg.reps) {
  const firstName = order++ % 2 === 0 ? A : B
  const runs = { [A]: [], [B]: [] }
  for (let rep = 0; rep < reps; rep++) {
    const names = (rep % 2 === 0) === (firstName === A) ? [A, B] : [B, A]
    for (const n of names) {
      const b = brokers[n]
      const c0 = b.cpuSeconds()
      const m0 = machineCpuSeconds()
      const w0 = Date.now()
      const result = await fn(b, n)
      const wall = (Date.now() - w0) / 1000
      const m1 = machineCpuSeconds()
      runs[n].push({ ...result, brokerCpuPct: (100 * (b.cpuSeconds() - c0)) / wall, machineBusyPct: m0 && m1 ? (100 * (m1.busy - m0.busy)) / wall : null, wallS: wall })
      sampleRss()
    }
  }
  const out = { first: firstName }
  for (const n of SIDES) {
    const agg = { ...runs[n][0] }
    for (const k of Object.keys(agg)) {
      const vals = runs[n].map(r => r[k])
      if (vals.every(v => typeof v === 'number')) agg[k] = vals.reduce((a, v) => a + v, 0) / vals.length
      else if (vals.every(v => typeof v === 'boolean')) agg[k] = vals.every(Boolean)
      else if (vals.some(v => v === null)) agg[k] = null
    }
    agg.runs = runs[n]
    out[n] = agg
  }
  return out
}

function addRow ({ group, key, label, short, metric, better, value, pair, extra = {} }) {
  const s = value(pair[A])
  const k = value(pair[B])
  const ratio = s == null || k == null || s === 0 || k === 0 ? null : better === 'higher' ? s / k : k / s
  // the ratio of each repetition (run i on this build against run i on the other side): how much the noise moves it
  const perRep = (pair[A].runs ?? []).map((run, i) => {
    const a = value(run)
    const b = pair[B].runs?.[i] === undefined ? null : value(pair[B].runs[i])
    return a == null || b == null || a === 0 || b === 0 ? null : better === 'higher' ? a / b : b / a
  })
  const row = { group, key, label, short, metric, better, [A]: s, [B]: k, ratio, perRep, first: pair.first, detail: { [A]: pair[A], [B]: pair[B] }, ...extra }
  rows.push(row)
  log(`${label} ${metric}: ${A} ${s?.toFixed?.(2)} ${B} ${k?.toFixed?.(2)} -> ${ratio?.toFixed(2)}`)
  return row
}

const acksName = a => (a === -1 ? 'all' : String(a))
const sizeName = s => (s === 1024 ? '1 KiB' : `${s} B`)
const CLIENT_NAMES = { java: 'Java', kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' }
const SHORT = { java: 'Java', kafkajs: 'kafkajs', platformatic: 'platformatic' }

let failed = false
try {
  // --- start time (its own brokers, before the main ones exist) ------------------------------------------
  let startRes = null
  if (cfg.only.has('start')) {
    log('start times')
    const sides = baseline === null
      ? [{ key: A, kind: 'samsa', starts: cfg.samsaStarts }, { key: B, kind: 'kafka', starts: cfg.kafkaStarts }]
      : [{ key: A, kind: 'samsa', starts: cfg.samsaStarts }, { key: B, kind: 'samsa', cli: baseline.cli, starts: cfg.samsaStarts }]
    startRes = await runStartTimes({ baseDir: base, sides, fsync: cfg.fsync, log, abba: baseline !== null })
    // two builds start the same number of times, alternating: start i of one against start i of the other is a pair
    if (baseline !== null) for (const n of SIDES) startRes[n] = { ...startRes[n], runs: startRes[n].all }
  }

  log('starting the two brokers')
  await startMainSamsa(A, cfg.profile ? 'compare-idle' : null)
  if (baseline === null) brokers.kafka = await startKafka({ dir: join(base, 'kafka') })
  else await startMainSamsa(B, cfg.profile ? 'baseline-idle' : null)
  await sleep(cfg.idleMs)
  const idle = { [A]: brokers[A].rssMiB(), [B]: brokers[B].rssMiB() }
  log(`idle RSS: ${A} ${idle[A]} MiB, ${B} ${idle[B]} MiB`)
  const rssTimer = setInterval(sampleRss, 250)

  if (startRes !== null) {
    addRow({ group: 'start', key: 'start-accept', label: 'start: spawn -> first accepted TCP connection', short: 'start: spawn -> accept', metric: 'ms (median)', better: 'lower', value: r => r.acceptMs, pair: { [A]: startRes[A], [B]: startRes[B], first: A } })
    addRow({ group: 'start', key: 'start-answer', label: 'start: spawn -> first answered request (ApiVersions)', short: 'start: spawn -> answer', metric: 'ms (median)', better: 'lower', value: r => r.answerMs, pair: { [A]: startRes[A], [B]: startRes[B], first: A } })
  }
  addRow({ group: 'memory', key: 'rss-idle', label: `RSS idle (${cfg.idleMs / 1000} s after start, no client yet)`, short: 'RSS idle', metric: 'MiB', better: 'lower', value: r => r.rssMiB, pair: { [A]: { rssMiB: idle[A] }, [B]: { rssMiB: idle[B] }, first: A } })

  // the same warm-up for both (Kafka's JIT, Samsa's V8 tiers, page cache): one unmeasured ProducerPerformance
  if (cfg.only.has('produce') || cfg.only.has('consume')) {
    log('warm-up')
    await both(async b => {
      await createTopics(b.bootstrap, ['warmup'])
      return await producerPerformance({ bootstrap: b.bootstrap, topic: 'warmup', records: cfg.warmupRecords, size: 100, acks: 1 })
    }, 1)
  }

  // --- produce ----------------------------------------------------------------------------------------------
  const filled = new Map() // size -> { topic, records } written by ProducerPerformance acks=1, read by the consume rows
  if (cfg.only.has('produce') || cfg.only.has('consume')) {
    for (const client of cfg.clients) {
      if (!cfg.only.has('produce') && client !== 'java') continue
      for (const size of cfg.sizes) {
        for (const acks of cfg.acks) {
          if (!cfg.only.has('produce') && acks !== 1) continue
          const key = `produce-${client}-${size}-acks${acksName(acks)}`
          const topic = `p-${client}-${size}-${acksName(acks)}`
          await samsaForRow(key)
          const pair = await both(async b => {
            await createTopics(b.bootstrap, [topic])
            if (client === 'java') return await producerPerformance({ bootstrap: b.bootstrap, topic, records: cfg.ppRecords(size), size, acks })
            return await runNodeClient({ kind: 'produce', client, bootstrap: b.bootstrap, topic, size, acks, perSend: cfg.perSend(size), inFlight: cfg.inFlight, warmup: cfg.nodeWarmup, seconds: cfg.nodeSeconds })
          })
          if (client === 'java' && acks === 1) filled.set(size, { topic, records: cfg.ppRecords(size) })
          for (const n of SIDES) if (pair[n].errors > 0) log(`${key} ${n}: ${pair[n].errors} send errors, first: ${pair[n].firstError}`)
          if (cfg.only.has('produce')) {
            addRow({ group: 'produce', key, label: `produce ${CLIENT_NAMES[client]}${client === 'java' ? ' ProducerPerformance' : ''}, ${sizeName(size)}, acks=${acks}`, short: `produce ${SHORT[client]} ${size === 1024 ? '1KiB' : size + 'B'} acks=${acks}`, metric: 'records/s', better: 'higher', value: r => r.recordsPerSec, pair, extra: { size } })
          }
        }
      }
    }
  }

  // --- consume ----------------------------------------------------------------------------------------------
  if (cfg.only.has('consume')) {
    for (const client of cfg.clients) {
      for (const size of cfg.sizes) {
        const f = filled.get(size)
        if (f === undefined) continue
        const key = `consume-${client}-${size}`
        await samsaForRow(key)
        const pair = await both(async b => {
          if (client === 'java') return await consumerPerformance({ bootstrap: b.bootstrap, topic: f.topic, records: f.records })
          return await runNodeClient({ kind: 'consume', client, bootstrap: b.bootstrap, topic: f.topic, expected: f.records })
        })
        for (const n of SIDES) if (!pair[n].complete) log(`${key} ${n}: incomplete, ${pair[n].records} of ${f.records}`)
        addRow({ group: 'consume', key, label: `consume ${CLIENT_NAMES[client]}${client === 'java' ? ' ConsumerPerformance' : ''}, ${sizeName(size)}, ${f.records.toLocaleString('en-US')} records`, short: `consume ${SHORT[client]} ${size === 1024 ? '1KiB' : size + 'B'}`, metric: 'records/s', better: 'higher', value: r => r.complete ? r.recordsPerSec : null, pair, extra: { size } })
      }
    }
  }

  // --- end-to-end latency -------------------------------------------------------------------------------------
  if (cfg.only.has('latency')) {
    for (const client of cfg.clients) {
      const key = `latency-${client}`
      let runNo = 0
      await samsaForRow(key)
      const pair = await both(async b => {
        const topic = `lat-${client}-${runNo++}` // a fresh topic per run: a consumer from offset 0 must not see an earlier run's records
        await createTopics(b.bootstrap, [topic])
        if (client === 'java') return await endToEndLatency({ bootstrap: b.bootstrap, topic, records: cfg.e2eRecords, size: cfg.latencySize })
        return await runNodeClient({ kind: 'latency', client, bootstrap: b.bootstrap, topic, size: cfg.latencySize, rate: cfg.latencyRate, warmup: cfg.latencyWarmup, seconds: cfg.latencySeconds })
      })
      if (client === 'java') {
        const lab = `end-to-end latency, Java EndToEndLatency (one record at a time, ${cfg.e2eRecords} x ${cfg.latencySize} B, acks=1)`
        addRow({ group: 'latency', key: `${key}-avg`, label: `${lab}: mean`, short: 'e2e Java 1-at-a-time mean', metric: 'ms', better: 'lower', value: r => r.avgMs, pair })
        addRow({ group: 'latency', key: `${key}-p99`, label: `${lab}: p99 (whole ms)`, short: 'e2e Java 1-at-a-time p99', metric: 'ms', better: 'lower', value: r => r.p99, pair })
      } else {
        const lab = `end-to-end latency, ${CLIENT_NAMES[client]} at ${cfg.latencyRate} records/s for ${cfg.latencySeconds} s (${cfg.latencySize} B, acks=1)`
        for (const [p, name] of [['p50', 'p50'], ['p99', 'p99'], ['p999', 'p99.9']]) {
          addRow({ group: 'latency', key: `${key}-${p}`, label: `${lab}: ${name}`, short: `e2e ${SHORT[client]} 1000/s ${name}`, metric: 'ms', better: 'lower', value: r => r.received >= r.sent ? r[p] : null, pair })
        }
      }
    }
  }

  clearInterval(rssTimer)
  sampleRss()
  const hwm = { [A]: brokers[A].hwmMiB(), [B]: brokers[B].hwmMiB() }
  if (cfg.only.has('produce') || cfg.only.has('consume') || cfg.only.has('latency')) {
    addRow({ group: 'memory', key: 'rss-loaded', label: 'RSS under load (highest VmRSS sampled every 250 ms over all rows above)', short: 'RSS loaded (max)', metric: 'MiB', better: 'lower', value: r => r.rssMiB, pair: { [A]: { rssMiB: rssMax[A], hwmMiB: hwm[A] }, [B]: { rssMiB: rssMax[B], hwmMiB: hwm[B] }, first: A } })
  }
} catch (err) {
  failed = true
  log(`FAILED: ${err.stack ?? err.message}`)
} finally {
  const stops = []
  for (const n of SIDES) if (brokers[n] !== null) stops.push(brokers[n].stop())
  await Promise.all(stops)
  if (cfg.profile) for (const n of SAMSA_SIDES) if (profileNames[n] !== null) collectProfile(profileNames[n])
}

setup.loadEnd = os.loadavg()
setup.durationS = (Date.now() - t0) / 1000
const res = { setup, rows, profiles: profiles.map(p => ({ name: p.name, file: p.file, summary: p.summary })) }
const out = args.values.get('out') ?? (baseline === null ? 'compare' : 'compare-baseline')
if (baseline !== null) res.spread = ratioSpread(rows)
const md = baseline === null ? renderMarkdown(res, { profileMarkdown }) : renderBaselineMarkdown(res, { profileMarkdown, png: `${out}.png` })
process.stdout.write(md + '\n')
if (!args.flags.has('no-save') && !failed) {
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, `${out}.md`), md.replace('](compare.png)', `](${out}.png)`) + '\n')
  writeFileSync(join(RESULTS, `${out}.json`), JSON.stringify(res, null, 2) + '\n')
  const when = `${setup.date.slice(0, 16).replace('T', ' ')} UTC`
  const png = baseline === null
    ? ratioChart(rows.map(r => ({ label: r.short, ratio: r.ratio })), { title: 'Samsa / Apache Kafka 3.9.1: same machine, same clients', subtitle: `above 1 = Samsa better; log scale. ${when}, commit ${setup.distCommit ?? setup.commit}, fsync ${cfg.fsync}, load ${setup.loadStart[0].toFixed(1)}` })
    : ratioChart(rows.map(r => ({ label: r.short, ratio: r.ratio, pairs: r.perRep })), {
      title: `${setup.sides[A]} / ${setup.sides[B]}: same machine, same clients`,
      subtitle: `above 1 = this build better; bar = ratio of the means, ticks = each A/B pair; log scale. ${when}, commit ${setup.distCommit ?? setup.commit}${setup.dirty ? '+' : ''}, fsync ${cfg.fsync}, load ${setup.loadStart[0].toFixed(1)}`,
      ticks: [0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2]
    })
  writeFileSync(join(RESULTS, `${out}.png`), png)
  log(`wrote bench/results/${out}.md, ${out}.json, ${out}.png`)
}
log(`done in ${setup.durationS.toFixed(0)} s`)
process.exit(failed ? 1 : 0)
