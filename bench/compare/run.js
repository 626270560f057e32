#!/usr/bin/env node
// Samsa vs Apache Kafka 3.9.1, side by side: `npm run bench` (= node bench/compare/run.js). See bench/README.md.
//
// Both brokers run on this machine, on loopback, at the same time (one idles while the other is measured),
// each in its own process with its own temp data dir. Every row runs the same client with the same settings
// against Samsa and then Kafka (or Kafka then Samsa: the order alternates from row to row, so drifting
// machine load hits both). Clients: Kafka's Java ProducerPerformance / ConsumerPerformance /
// EndToEndLatency, kafkajs 2.2.4 and @platformatic/kafka, each run in a fresh process per row. Writes
// bench/results/compare.md, compare.json and compare.png (the Samsa/Kafka ratio of every row).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { ROOT, machineCpuSeconds, snapshotDist } from '../lib/broker.js'
import { summarizeProfile, profileMarkdown } from '../lib/profile.js'
import { sleep } from '../lib/stats.js'
import { TOOL_OPTS, startKafka, startSamsa } from './brokers.js'
import { createTopics, runNodeClient } from './clients.js'
import { consumerPerformance, endToEndLatency, producerPerformance } from './java-tools.js'
import { runStartTimes } from './startup.js'
import { ratioChart } from './chart.js'
import { renderMarkdown } from './report.js'

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
  --out NAME          report file names under bench/results/ (default compare: compare.md, .json, .png)
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
    if (!['only', 'clients', 'sizes', 'acks', 'fsync', 'dir', 'dist', 'reps', 'out'].includes(name)) throw new Error(`unknown option --${name}`)
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

const rows = []
const profiles = []
let order = 0 // alternates which broker goes first

// --- the two long-lived brokers -----------------------------------------------------------------------
const brokers = { samsa: null, kafka: null }
const rssMax = { samsa: 0, kafka: 0 }
let samsaProfileName = null
const samsaDir = join(base, 'samsa-data')
mkdirSync(samsaDir)

async function startMainSamsa (profileName = null) {
  const nodeArgs = profileName === null ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILES, '--cpu-prof-name', `${profileName}.cpuprofile`]
  brokers.samsa = await startSamsa({ dataDir: samsaDir, fsync: cfg.fsync, nodeArgs })
  samsaProfileName = profileName
}

/** With --profile, each row's Samsa runs in its own broker process (same data dir) with its own profile. */
async function samsaForRow (key) {
  if (!cfg.profile) return
  await brokers.samsa.stop()
  if (samsaProfileName !== null) collectProfile(samsaProfileName)
  await startMainSamsa(`compare-${key.replace(/[^a-z0-9=-]+/gi, '_')}`)
}

function collectProfile (name) {
  const file = join(PROFILES, `${name}.cpuprofile`)
  if (existsSync(file)) profiles.push({ name, file: file.slice(ROOT.length), summary: summarizeProfile(file) })
}

function sampleRss () {
  for (const n of ['samsa', 'kafka']) {
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
  const firstName = order++ % 2 === 0 ? 'samsa' : 'kafka'
  const runs = { samsa: [], kafka: [] }
  for (let rep = 0; rep < reps; rep++) {
    const names = (rep % 2 === 0) === (firstName === 'samsa') ? ['samsa', 'kafka'] : ['kafka', 'samsa']
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
  for (const n of ['samsa', 'kafka']) {
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
  const s = value(pair.samsa)
  const k = value(pair.kafka)
  const ratio = s == null || k == null || s === 0 || k === 0 ? null : better === 'higher' ? s / k : k / s
  // the ratio of each repetition (run i on Samsa against run i on Kafka): how much the noise moves it
  const perRep = (pair.samsa.runs ?? []).map((run, i) => {
    const a = value(run)
    const b = pair.kafka.runs?.[i] === undefined ? null : value(pair.kafka.runs[i])
    return a == null || b == null || a === 0 || b === 0 ? null : better === 'higher' ? a / b : b / a
  })
  const row = { group, key, label, short, metric, better, samsa: s, kafka: k, ratio, perRep, first: pair.first, detail: { samsa: pair.samsa, kafka: pair.kafka }, ...extra }
  rows.push(row)
  log(`${label} ${metric}: samsa ${s?.toFixed?.(2)} kafka ${k?.toFixed?.(2)} -> ${ratio?.toFixed(2)}`)
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
    startRes = await runStartTimes({ baseDir: base, samsaStarts: cfg.samsaStarts, kafkaStarts: cfg.kafkaStarts, fsync: cfg.fsync, log })
  }

  log('starting the two brokers')
  await startMainSamsa(cfg.profile ? 'compare-idle' : null)
  brokers.kafka = await startKafka({ dir: join(base, 'kafka') })
  await sleep(cfg.idleMs)
  const idle = { samsa: brokers.samsa.rssMiB(), kafka: brokers.kafka.rssMiB() }
  log(`idle RSS: samsa ${idle.samsa} MiB, kafka ${idle.kafka} MiB`)
  const rssTimer = setInterval(sampleRss, 250)

  if (startRes !== null) {
    addRow({ group: 'start', key: 'start-accept', label: 'start: spawn -> first accepted TCP connection', short: 'start: spawn -> accept', metric: 'ms (median)', better: 'lower', value: r => r.acceptMs, pair: { samsa: startRes.samsa, kafka: startRes.kafka, first: 'samsa' } })
    addRow({ group: 'start', key: 'start-answer', label: 'start: spawn -> first answered request (ApiVersions)', short: 'start: spawn -> answer', metric: 'ms (median)', better: 'lower', value: r => r.answerMs, pair: { samsa: startRes.samsa, kafka: startRes.kafka, first: 'samsa' } })
  }
  addRow({ group: 'memory', key: 'rss-idle', label: `RSS idle (${cfg.idleMs / 1000} s after start, no client yet)`, short: 'RSS idle', metric: 'MiB', better: 'lower', value: r => r.rssMiB, pair: { samsa: { rssMiB: idle.samsa }, kafka: { rssMiB: idle.kafka }, first: 'samsa' } })

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
          for (const n of ['samsa', 'kafka']) if (pair[n].errors > 0) log(`${key} ${n}: ${pair[n].errors} send errors, first: ${pair[n].firstError}`)
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
        for (const n of ['samsa', 'kafka']) if (!pair[n].complete) log(`${key} ${n}: incomplete, ${pair[n].records} of ${f.records}`)
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
  const hwm = { samsa: brokers.samsa.hwmMiB(), kafka: brokers.kafka.hwmMiB() }
  if (cfg.only.has('produce') || cfg.only.has('consume') || cfg.only.has('latency')) {
    addRow({ group: 'memory', key: 'rss-loaded', label: 'RSS under load (highest VmRSS sampled every 250 ms over all rows above)', short: 'RSS loaded (max)', metric: 'MiB', better: 'lower', value: r => r.rssMiB, pair: { samsa: { rssMiB: rssMax.samsa, hwmMiB: hwm.samsa }, kafka: { rssMiB: rssMax.kafka, hwmMiB: hwm.kafka }, first: 'samsa' } })
  }
} catch (err) {
  failed = true
  log(`FAILED: ${err.stack ?? err.message}`)
} finally {
  const stops = []
  if (brokers.samsa !== null) stops.push(brokers.samsa.stop())
  if (brokers.kafka !== null) stops.push(brokers.kafka.stop())
  await Promise.all(stops)
  if (cfg.profile && samsaProfileName !== null) collectProfile(samsaProfileName)
}

setup.loadEnd = os.loadavg()
setup.durationS = (Date.now() - t0) / 1000
const res = { setup, rows, profiles: profiles.map(p => ({ name: p.name, file: p.file, summary: p.summary })) }
const md = renderMarkdown(res, { profileMarkdown })
process.stdout.write(md + '\n')
if (!args.flags.has('no-save') && !failed) {
  mkdirSync(RESULTS, { recursive: true })
  const out = args.values.get('out') ?? 'compare'
  writeFileSync(join(RESULTS, `${out}.md`), md.replace('](compare.png)', `](${out}.png)`) + '\n')
  writeFileSync(join(RESULTS, `${out}.json`), JSON.stringify(res, null, 2) + '\n')
  const subtitle = `above 1 = Samsa better; log scale. ${setup.date.slice(0, 16).replace('T', ' ')} UTC, commit ${setup.distCommit ?? setup.commit}, fsync ${cfg.fsync}, load ${setup.loadStart[0].toFixed(1)}`
  writeFileSync(join(RESULTS, `${out}.png`), ratioChart(rows.map(r => ({ label: r.short, ratio: r.ratio })), { title: 'Samsa / Apache Kafka 3.9.1: same machine, same clients', subtitle }))
  log(`wrote bench/results/${out}.md, ${out}.json, ${out}.png`)
}
log(`done in ${setup.durationS.toFixed(0)} s`)
process.exit(failed ? 1 : 0)
