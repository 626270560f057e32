// The soak (issue 11): a Samsa broker in a child process under --minutes of mixed load, its RSS, open fds and
// produce latency sampled every --sample-seconds; the lines must stay flat. Not in CI (it takes half an hour).
//
//   npm run build && npx tsx bench/soak/run.ts [--minutes 30] [--data-dir D] [--broker-cmd "node dist/cli/main.js start"]
//
// Side by side, each bounded in rate (args.ts has the flags):
//  - 4 producers (producers.ts): kafkajs and @platformatic/kafka, acks=-1 and acks=1, 1-10 records of mixed
//    sizes per send, one send per 150 ms at most each, to soak-a (3 partitions), soak-b (2) and soak-c (1);
//    those topics roll 1 MiB segments, keep 6 MiB per partition (about 35 s of data at the default rates) and
//    remove deleted segments' files after 5 s (file.delete.delay.ms; a .deleted file stays open until then),
//    so segment rolls and retention deletions run all along and the fd line levels off within about a minute;
//  - 2 churning consumer groups (consumers.ts), kafkajs and platformatic, every record checked (ledger.ts);
//  - a fuzzer (fuzzer.ts), stalled readers and tricklers (slow-clients.ts), topic create/delete churn
//    (topic-churn.ts). The stalled readers fetch soak-big (2 partitions, 8 MiB each, written at setup).
// The broker runs with auto.create.topics.enable=false (a fuzzed Metadata request must not create topics) and
// log.retention.check.interval.ms=10000; its stderr goes to broker.log in a temporary directory.
// Warm-up before the first sample: the internal topics exist (the groups' members create __consumer_offsets;
// one transactional producer's init creates __transaction_state, which a fuzzed FindCoordinator would
// otherwise create mid-run, 50 partitions at once, a step in the fd line that is no leak).
// Every 5 s the broker's RSS is checked against --rss-limit-mib: past it the run stops (the harm is capped)
// and fails. At the end: the load stops, the consumer groups drain (up to 90 s) and are checked against the
// high watermarks, the broker gets SIGTERM and must exit 0. The report (report.ts) goes to --out; the exit
// code is 1 when the broker died, a verdict failed or the guard tripped.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { parseArgs, USAGE, UsageRequest, type SoakArgs } from './args.js'
import { BrokerProcess } from './broker-process.js'
import { ChurningGroup } from './consumers.js'
import { runFuzzer, type FuzzStats } from './fuzzer.js'
import { Metrics, percentile } from './metrics.js'
import { runProducer, type ProducerSpec } from './producers.js'
import { liveLine, markdownTable, TABLE_HEADER, tableRow, trendVerdicts, type Sample, type Verdict } from './report.js'
import { runStalledReader, runTrickler, type SlowStats } from './slow-clients.js'
import { Stopper, withTimeout } from './stopper.js'
import { runTopicChurn, type ChurnStats } from './topic-churn.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const LOAD_TOPICS = [{ topic: 'soak-a', partitions: 3 }, { topic: 'soak-b', partitions: 2 }, { topic: 'soak-c', partitions: 1 }]
const LOAD_TOPIC_CONFIG = [{ name: 'segment.bytes', value: String(1 << 20) }, { name: 'retention.bytes', value: String(6 << 20) }, { name: 'file.delete.delay.ms', value: '5000' }]
const BIG_TOPIC = 'soak-big'
const FUZZ_TOPIC = 'soak-fuzz'
const BROKER_FLAGS = ['--auto.create.topics.enable', 'false', '--log.retention.check.interval.ms', '10000']
const GUARD_CHECK_MS = 5000
const DRAIN_MS = 90_000

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

interface Outcome {
  samples: Sample[]
  verdicts: Verdict[]
  text: string
}

async function setupTopics (bootstrap: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'soak-setup', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...LOAD_TOPICS.map(t => ({ topic: t.topic, numPartitions: t.partitions, configEntries: LOAD_TOPIC_CONFIG })),
      { topic: BIG_TOPIC, numPartitions: 2 },
      { topic: FUZZ_TOPIC, numPartitions: 1 }
    ]
  })
  await admin.disconnect()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const value = Buffer.alloc(256 * 1024, 0x5a)
  for (let i = 0; i < 64; i++) await producer.send({ topic: BIG_TOPIC, acks: 1, messages: [{ partition: i % 2, value }] })
  await producer.disconnect()
  const txn = kafka.producer({ transactionalId: 'soak-warmup', idempotent: true, maxInFlightRequests: 1 })
  await txn.connect()
  await txn.disconnect()
}

async function highWatermarks (admin: ReturnType<Kafka['admin']>): Promise<Map<string, number>> {
  const hw = new Map<string, number>()
  for (const t of LOAD_TOPICS) {
    for (const p of await admin.fetchTopicOffsets(t.topic)) hw.set(`${t.topic}/${p.partition}`, Number(p.high))
  }
  return hw
}

function countDirs (dir: string): number | null {
  try {
    return fs.readdirSync(dir).length
  } catch {
    return null
  }
}

async function soak (args: SoakArgs): Promise<Outcome> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-soak-'))
  const dataDir = args.dataDir ?? path.join(work, 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const logFile = path.join(work, 'broker.log')
  const startedAt = new Date()
  const broker = await BrokerProcess.start(args.brokerCmd, ROOT, dataDir, BROKER_FLAGS, logFile)
  const bootstrap = `${broker.host}:${broker.port}`
  console.log(`soak: broker pid ${broker.pid} on ${bootstrap}, data ${dataDir}, log ${logFile}`)
  try {
    await setupTopics(bootstrap)
  } catch (err) {
    broker.kill()
    throw err
  }

  const metrics = new Metrics()
  const stop = new Stopper()
  const fuzz: FuzzStats = { frames: 0, connections: 0, closedByBroker: 0, connectErrors: 0, bytesIn: 0 }
  const slow: SlowStats = { stalledRequests: 0, stalledConnects: 0, stalledClosedByBroker: 0, trickleBytes: 0, trickleConnects: 0, trickleClosedByBroker: 0 }
  const churn: ChurnStats = { created: 0, deleted: 0 }
  const topics = LOAD_TOPICS.map(t => t.topic)
  const checker = new Kafka({ clientId: 'soak-check', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin()
  await checker.connect()
  const logStart = async (tp: string): Promise<number> => {
    const cut = tp.lastIndexOf('/')
    const offsets = await checker.fetchTopicOffsets(tp.slice(0, cut))
    return Number(offsets.find(o => o.partition === Number(tp.slice(cut + 1)))?.low ?? -1)
  }
  const groups = [new ChurningGroup('kafkajs', 'soak-kafkajs', bootstrap, topics, metrics), new ChurningGroup('platformatic', 'soak-platformatic', bootstrap, topics, metrics)]
  await groups[0].start(2, stop)
  await groups[1].start(1, stop)

  const producerSpecs: ProducerSpec[] = [{ client: 'kafkajs', acks: -1 }, { client: 'kafkajs', acks: 1 }, { client: 'platformatic', acks: -1 }, { client: 'platformatic', acks: 1 }]
  const actors: Array<Promise<void>> = [
    ...producerSpecs.map(s => runProducer(s, bootstrap, LOAD_TOPICS, args.produceIntervalMs, metrics, stop)),
    runFuzzer(broker.host, broker.port, FUZZ_TOPIC, 'soak-fuzz-group', args.fuzzRate, fuzz, stop),
    ...Array.from({ length: args.stalledReaders }, () => runStalledReader(broker.host, broker.port, [{ topic: BIG_TOPIC, partition: 0 }, { topic: BIG_TOPIC, partition: 1 }], args.stalledIntervalMs, slow, stop)),
    ...Array.from({ length: args.tricklers }, () => runTrickler(broker.host, broker.port, args.tricklePeriodMs, slow, stop)),
    runTopicChurn(bootstrap, args.topicChurnMs, metrics, churn, stop),
    ...groups.map(async g => await g.churnDone())
  ]

  const samples: Sample[] = []
  const t0 = performance.now()
  const deadline = t0 + args.minutes * 60_000
  const sampleMs = args.sampleSeconds * 1000
  let nextSample = t0 + sampleMs
  let seenWarn = 0
  let seenError = 0
  let seenFuzz = 0
  let seenStalled = 0
  let guard: string | null = null
  let maxRss = 0
  const takeSample = async (): Promise<void> => {
    const iv = metrics.roll()
    let lag: number | null = null
    try {
      const hw = await withTimeout(highWatermarks(checker), 10_000, 'high watermarks')
      lag = Math.max(...groups.map(g => g.ledger.behind(hw).reduce((a, b) => a + b.hw - b.next, 0)))
    } catch {}
    const rss = broker.rssMiB()
    const s: Sample = {
      minute: (performance.now() - t0) / 60_000,
      rssMiB: rss,
      fds: broker.fds(),
      partitionDirs: countDirs(dataDir),
      sends: iv.sends,
      p50: percentile(iv.latencies, 50),
      p99: percentile(iv.latencies, 99),
      max: iv.latencies.length === 0 ? NaN : iv.latencies.reduce((a, b) => Math.max(a, b), 0),
      produced: iv.produced,
      consumed: iv.consumed,
      lag,
      errors: [...iv.errors.values()].reduce((a, b) => a + b, 0),
      warnLines: broker.warnLines - seenWarn,
      errorLines: broker.errorLines - seenError,
      fuzzFrames: fuzz.frames - seenFuzz,
      stalledRequests: slow.stalledRequests - seenStalled
    }
    seenWarn = broker.warnLines
    seenError = broker.errorLines
    seenFuzz = fuzz.frames
    seenStalled = slow.stalledRequests
    samples.push(s)
    console.log(liveLine(tableRow(s)))
    if (iv.errors.size > 0) console.log(`       errors: ${[...iv.errors].map(([k, n]) => `${k} x${n}`).join('; ')}`)
  }
  console.log(liveLine(TABLE_HEADER))
  const onSigint = (): void => { guard ??= 'interrupted (SIGINT)'; stop.stop() }
  process.once('SIGINT', onSigint)
  while (!stop.done) {
    const now = performance.now()
    await sleep(Math.max(0, Math.min(GUARD_CHECK_MS, nextSample - now, deadline - now)))
    if (!broker.alive) {
      guard = `the broker died at minute ${((performance.now() - t0) / 60_000).toFixed(1)} (code ${broker.exit?.code}, signal ${broker.exit?.signal})`
      break
    }
    const rss = broker.rssMiB() ?? 0
    maxRss = Math.max(maxRss, rss)
    if (rss > args.rssLimitMiB) {
      guard = `RSS ${rss.toFixed(0)} MiB passed the cap of ${args.rssLimitMiB} MiB at minute ${((performance.now() - t0) / 60_000).toFixed(1)}: run stopped`
      await takeSample()
      break
    }
    for (const g of groups) await g.ledger.settle(logStart)
    if (performance.now() >= nextSample - 5) {
      await takeSample()
      nextSample += sampleMs
    }
    if (performance.now() >= deadline - 5) break
  }
  stop.stop()
  process.removeListener('SIGINT', onSigint)
  if (guard !== null) console.log(`soak: ${guard}`)
  const loadSeconds = (performance.now() - t0) / 1000
  try {
    await withTimeout(Promise.all(actors), 60_000, 'load clients stopping')
  } catch (err) {
    metrics.error('soak shutdown', err)
  }

  // drain: the stable members read up to the high watermarks (producers have stopped)
  const groupNotes: string[] = []
  let caughtUp: boolean | null = null
  const fdOwners = broker.fdsByOwner(dataDir)
  if (broker.alive && guard === null) {
    const admin = checker
    try {
      const hw = await highWatermarks(admin)
      const until = performance.now() + DRAIN_MS
      while (performance.now() < until && groups.some(g => g.ledger.behind(hw).length > 0)) await sleep(1000)
      caughtUp = true
      for (const g of groups) {
        const behind = g.ledger.behind(hw)
        if (behind.length > 0) {
          caughtUp = false
          groupNotes.push(`${g.groupId} behind at the end: ${behind.map(b => `${b.tp} read to ${b.next}, high watermark ${b.hw}`).join('; ')}`)
        }
        await g.ledger.settle(logStart)
      }
    } catch (err) {
      metrics.error('soak drain check', err)
    }
  }
  try {
    await withTimeout(checker.disconnect(), 10_000, 'checker disconnect')
  } catch {}
  for (const g of groups) {
    try {
      await withTimeout(g.close(), 40_000, `${g.groupId} close`)
    } catch (err) {
      metrics.error('soak shutdown', err)
    }
  }
  const ended = await broker.stop(30_000)
  console.log(`soak: broker stopped (code ${ended.code}, signal ${ended.signal}${ended.killed ? ', SIGKILLed after 30 s' : ''})`)
  if (args.dataDir === null) fs.rmSync(dataDir, { recursive: true, force: true })

  // verdicts
  const verdicts: Verdict[] = trendVerdicts(samples)
  const errorSends = [...metrics.totalErrors].filter(([k]) => k.startsWith('producer')).reduce((a, [, n]) => a + n, 0)
  const attempts = metrics.totalSends + errorSends
  verdicts.push({ name: 'produce errors <= 1 %', ok: attempts > 0 && errorSends <= attempts * 0.01, detail: `${errorSends} failed of ${attempts} sends` })
  for (const g of groups) {
    const l = g.ledger
    const ok = l.gaps === 0 && l.duplicates === 0 && l.corrupt === 0
    verdicts.push({
      name: `group ${g.groupId}: no gaps, duplicates or corrupt records`,
      ok,
      detail: `${[...l.partitions.values()].reduce((a, p) => a + p.consumed, 0)} records read, ${l.gaps} gaps (${l.gapOffsets} offsets), ${l.retentionSkips} skips past records deleted by retention (allowed), ${l.duplicates} in-session duplicates, ${l.corrupt} corrupt, ${l.redelivered} redelivered after rebalances (allowed)${l.firstViolations.length > 0 ? '; first: ' + l.firstViolations.join('; ') : ''}`
    })
  }
  verdicts.push({ name: 'groups caught up with the high watermarks', ok: caughtUp === true, detail: caughtUp === null ? 'not checked (the run stopped early)' : groupNotes.length === 0 ? 'every partition read to its high watermark' : groupNotes.join('; ') })
  verdicts.push({ name: 'run completed: broker alive, under the RSS cap', ok: guard === null, detail: guard ?? `max RSS ${maxRss.toFixed(0)} MiB (cap ${args.rssLimitMiB} MiB)` })
  verdicts.push({ name: 'no ERROR lines in the broker log', ok: broker.errorLines === 0, detail: `${broker.errorLines} ERROR/FATAL lines (and non-JSON stderr lines), ${broker.warnLines} WARN lines` })
  verdicts.push({ name: 'clean stop: SIGTERM, exit 0', ok: ended.code === 0 && !ended.killed, detail: `exit code ${ended.code}, signal ${ended.signal}${ended.killed ? ', needed SIGKILL' : ''}` })

  const text = report(args, startedAt, loadSeconds, samples, verdicts, metrics, broker, fuzz, slow, churn, groups, logFile, fdOwners)
  return { samples, verdicts, text }
}

function report (args: SoakArgs, startedAt: Date, loadSeconds: number, samples: Sample[], verdicts: Verdict[], metrics: Metrics, broker: BrokerProcess,
  fuzz: FuzzStats, slow: SlowStats, churn: ChurnStats, groups: ChurningGroup[], logFile: string, fdOwners: Map<string, number>): string {
  const failed = verdicts.filter(v => !v.ok)
  const lines: string[] = []
  lines.push(`# Soak: ${args.minutes} minute${args.minutes === 1 ? '' : 's'} of mixed load${args.label !== '' ? ` (${args.label})` : ''}`, '')
  const argv = process.argv.slice(2).map(a => /^[\w./:=-]+$/.test(a) ? a : `"${a}"`).join(' ')
  lines.push(`Generated by \`npx tsx bench/soak/run.ts ${argv}\` on ${startedAt.toISOString()}, checkout ${gitHead()}. ` +
    `**${failed.length === 0 ? 'All verdicts passed.' : `${failed.length} verdict(s) failed: ${failed.map(v => v.name).join(', ')}.`}**`, '')
  lines.push('## Setup', '')
  lines.push(`- Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Node ${process.version}; shared with other work while it ran.`)
  lines.push(`- Broker: \`${args.brokerCmd.join(' ')} --port 0 --data-dir <temp> ${BROKER_FLAGS.join(' ')}\` (fsync default: acks=-1 waits for fdatasync), one process; the load clients run in one other Node process.`)
  lines.push(`- Load phase ${(loadSeconds / 60).toFixed(1)} min, a sample every ${args.sampleSeconds} s.`)
  lines.push(`- Producers: kafkajs and @platformatic/kafka, each with acks=-1 and acks=1 (4 producers), one send per ${args.produceIntervalMs} ms at most each, 1-10 records per send of 50 B-256 KiB (60 % <= 500 B, 1 % 256 KiB), kafkajs gzips every fifth; topics soak-a/b/c with 3/2/1 partitions (picked in proportion), segment.bytes 1 MiB, retention.bytes 6 MiB, file.delete.delay.ms 5000, retention checked every 10 s.`)
  lines.push(`- Consumer groups: soak-kafkajs (1 stable + 2 churning members) and soak-platformatic (1 stable + 1 churning); a churning member stays 20-60 s, leaves, returns 2-8 s later. Joins/leaves/rebalances seen: ${groups.map(g => `${g.groupId} ${g.stats.joins}/${g.stats.leaves}/${g.stats.rebalances}`).join(', ')}.`)
  lines.push(`- Fuzzer: ${args.fuzzRate} frames/s (valid, mutated and random frames over 14 APIs), reconnecting when closed: ${fuzz.frames} frames, ${fuzz.connections} connections, ${fuzz.closedByBroker} closed by the broker.`)
  lines.push(`- Stalled readers: ${args.stalledReaders} connections, each pipelining one Fetch (64 MiB max, 16 MiB per partition, soak-big holds 2 x 8 MiB) per ${args.stalledIntervalMs} ms, socket never read: ${slow.stalledRequests} requests written, ${slow.stalledConnects} connections, ${slow.stalledClosedByBroker} closed by the broker.`)
  lines.push(`- Tricklers: ${args.tricklers} connections announcing a 48 MiB Produce and sending 1 byte per ${args.tricklePeriodMs} ms: ${slow.trickleBytes} bytes trickled, ${slow.trickleConnects} connections, ${slow.trickleClosedByBroker} closed by the broker.`)
  lines.push(`- Topic churn: one topic (2 partitions, 20 records) created and the previous one deleted every ${args.topicChurnMs / 1000} s: ${churn.created} created, ${churn.deleted} deleted.`)
  lines.push(`- Guard: the run stops when the broker's RSS passes ${args.rssLimitMiB} MiB (checked every ${GUARD_CHECK_MS / 1000} s).`, '')
  lines.push('## Samples', '')
  lines.push('Per interval: broker RSS and open fds at its end (sockets, regular files), partition directories in the data dir, acknowledged sends and their latency (send() to acknowledgement), records produced and consumed (both groups), consumer lag at the end of the interval (records, the larger of the two groups), client errors, broker WARN/ERROR log lines, fuzz frames and stalled Fetch requests written.', '')
  lines.push(markdownTable(samples), '')
  lines.push('## Verdicts', '')
  lines.push('Trends compare the first third of the samples with the last third: RSS fails above first x 1.25 + 32 MiB, fds above first + max(32, 15 %), p99 (median of the per-interval p99) above first x 2 + 20 ms.', '')
  for (const v of verdicts) lines.push(`- ${v.ok ? 'PASS' : '**FAIL**'} ${v.name}: ${v.detail}`)
  lines.push('', '## Totals', '')
  lines.push(`- ${metrics.totalSends} acknowledged sends, ${metrics.totalProduced} records produced; ${metrics.totalConsumed} records consumed by the two groups (redeliveries included).`)
  if (fdOwners.size > 0) {
    lines.push(`- Open files at the end of the load phase, by owner: ${[...fdOwners].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}.`)
  }
  lines.push(`- Broker log: ${broker.warnLines} WARN and ${broker.errorLines} ERROR lines (${logFile}).`)
  if (broker.messages.size > 0) {
    lines.push('', '| broker log line (numbers folded) | count |', '|---|---:|')
    for (const [m, n] of [...broker.messages].sort((a, b) => b[1] - a[1])) lines.push(`| ${m.replace(/\|/g, '\\|')} | ${n} |`)
  }
  if (metrics.totalErrors.size > 0) {
    lines.push('', '| client error kind | count | first message |', '|---|---:|---|')
    for (const [k, n] of [...metrics.totalErrors].sort((a, b) => b[1] - a[1])) lines.push(`| ${k.replace(/\|/g, '\\|')} | ${n} | ${(metrics.examples.get(k) ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`)
  } else {
    lines.push('', 'No client errors.')
  }
  lines.push('')
  return lines.join('\n')
}

/** The checkout's commit (and whether its tree differs), for the report; '?' outside git. */
function gitHead (): string {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return `${head}${dirty ? ' (with uncommitted changes)' : ''}`
  } catch {
    return '?'
  }
}

async function main (): Promise<number> {
  let args: SoakArgs
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    if (err instanceof UsageRequest) {
      process.stdout.write(USAGE)
      return 0
    }
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const cli = path.resolve(ROOT, args.brokerCmd[1] ?? '')
  if (args.brokerCmd[0] === 'node' && args.brokerCmd[1]?.endsWith('.js') === true && !fs.existsSync(cli)) {
    process.stderr.write(`soak: ${cli} not found: build first (npm run build)\n`)
    return 2
  }
  const { verdicts, text } = await soak(args)
  const out = path.resolve(process.cwd(), args.out)
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, text)
  console.log(`\nsoak: report written to ${out}`)
  for (const v of verdicts) console.log(`  ${v.ok ? 'PASS' : 'FAIL'} ${v.name}: ${v.detail}`)
  return verdicts.every(v => v.ok) ? 0 : 1
}

main().then(code => process.exit(code), err => {
  console.error('soak failed:', err)
  process.exit(1)
})
