// The markdown report of a comparison run (bench/results/compare.md): setup, one table of every row with the
// Samsa/Kafka ratio normalised so that above 1 always means Samsa is better (value ratio for throughput,
// inverse ratio for times, latencies and memory), the per-row CPU split, and the profiles of the rows Samsa
// loses when run with --profile.
import { fmt, fmtInt } from '../lib/stats.js'

/** The figure of side n (a key of the row: samsa, kafka, baseline) in a table cell, with its unit. */
export function value (row, n) {
  const v = row[n]
  if (v == null) return 'n/a'
  const d = row.detail[n] ?? {}
  if (row.metric === 'records/s') return `${fmtInt(v)} (${fmt(d.mbPerSec)} MB/s)`
  if (row.metric === 'MiB') return `${fmt(v)} MiB`
  return `${fmt(v, 2)} ms`
}

/** Two decimals, more when that would round a loss up to 1.00. */
export function fmtRatio (x) {
  if (x >= 1 || x < 0.995) return x.toFixed(2)
  return x >= 0.9995 ? x.toFixed(4) : x.toFixed(3)
}

function ratioCell (r) {
  if (r.ratio == null) return 'n/a'
  return r.ratio >= 1 ? `**${fmtRatio(r.ratio)}**` : `${fmtRatio(r.ratio)} (Kafka ahead)`
}

export function renderMarkdown (res, { profileMarkdown }) {
  const s = res.setup
  const L = []
  const load = a => a.map(x => x.toFixed(2)).join(' / ')
  L.push('# Samsa vs Apache Kafka, side by side', '')
  L.push(`Run: \`npm run bench${(s.argv ?? []).length > 0 ? ` -- ${s.argv.join(' ')}` : ''}\` at ${s.date} (${fmt(s.durationS, 0)} s), commit ${s.commit}${s.dirty ? ' (src/ modified in the working tree)' : ''}; Samsa run from ${s.dist}${s.distCommit ? ` (built from commit ${s.distCommit})` : ''}.`, '')
  L.push(`Machine: ${s.cores} x ${s.cpu}, ${fmt(s.memGiB)} GiB, Linux ${s.kernel}; Node ${s.node}, Java ${s.java}. ` +
    `Load average (1/5/15 min) ${load(s.loadStart)} at the start, ${load(s.loadEnd)} at the end (shared machine: other work may have run).`, '')
  L.push('Setup:', '')
  L.push(`- Samsa: \`${s.samsaCmd}\`. Kafka ${s.kafka}: \`${s.kafkaCmd}\`. Both on 127.0.0.1, both running during the whole run, each with its own temp data dir on the same filesystem.`)
  L.push(`- Durability: Samsa \`--fsync ${s.fsync}\`${s.fsync === 'never' ? ' (acks answered from the page cache, no fsync)' : ''}; Kafka with its defaults (no flush.messages / flush.ms: the page cache, flushed by the OS). With one replica, acks=all and acks=1 wait for the same thing on both.`)
  L.push('- Topics: 1 partition, replication 1, created with the same kafkajs admin call on both; no compression; null keys; random values.')
  L.push(`- Java tools (kafka-tools ${s.kafka}) run with \`${s.toolOpts}\`; kafkajs ${s.kafkajs} and @platformatic/kafka ${s.platformatic} with their defaults. Each client run is a fresh process.`)
  L.push(`- Node producers: ${s.config.inFlight} concurrent send() loops of ${s.config.perSend[100]} x 100 B or ${s.config.perSend[1024]} x 1 KiB records (about the Java producer's 16 KiB batch and 5 in flight), ${s.config.nodeWarmup} s warm-up then ${s.config.nodeSeconds} s measured. ProducerPerformance: ${fmtInt(s.config.ppRecords[100])} x 100 B and ${fmtInt(s.config.ppRecords[1024])} x 1 KiB records, rate over the whole run.`)
  L.push('- Consume rows read the topics that ProducerPerformance acks=1 filled, from offset 0, in a fresh group.')
  L.push(`- Latency: a record every 1/${s.config.latencyRate} s, paced against the clock, producer and consumer in one process; time from the send call to the consumer's delivery; the first ${s.config.latencyWarmup} s are discarded.`)
  L.push(`- Before the produce rows both brokers get the same unmeasured warm-up (one ProducerPerformance run). Each row runs ${s.config.reps} time(s) per broker in the order A B B A (A = the broker that goes first, alternating from row to row), so drifting machine load hits both; the figures are the means of the runs, and "per run" gives the ratio of each pair of runs.`)
  L.push('- MB = 2^20 bytes of record values (ProducerPerformance\'s unit); records/s is the primary figure.', '')
  L.push('## Results', '')
  L.push('Samsa/Kafka is normalised so that **above 1 means Samsa is better**: Samsa÷Kafka for throughput, Kafka÷Samsa for times, latencies and memory.', '')
  L.push('| row | unit | Samsa | Kafka | Samsa/Kafka | per run |', '|---|---|---:|---:|---:|---|')
  for (const r of res.rows) {
    const runs = (r.perRep ?? []).length > 1 ? r.perRep.map(x => (x == null ? 'n/a' : fmtRatio(x))).join(', ') : ''
    L.push(`| ${r.label} | ${r.metric}${r.better === 'lower' ? ' (lower is better)' : ''} | ${value(r, 'samsa')} | ${value(r, 'kafka')} | ${ratioCell(r)} | ${runs} |`)
  }
  const wins = res.rows.filter(r => r.ratio != null && r.ratio >= 1).length
  const losses = res.rows.filter(r => r.ratio != null && r.ratio < 1)
  L.push('', `${wins} of ${res.rows.length} rows at or above 1.0.${losses.length > 0 ? ` Below 1.0: ${losses.map(r => `${r.short} (${fmtRatio(r.ratio)})`).join(', ')}.` : ''}`, '')
  L.push('![Samsa/Kafka per row](compare.png)', '')
  L.push('## CPU per run', '')
  L.push('Broker CPU is the broker process (all threads) over the run\'s wall time, 100% = one core; machine is every process on the machine (both brokers, the client, anything else), out of ' + `${s.cores * 100}%.`, '')
  L.push('| row | Samsa: broker CPU / machine | Kafka: broker CPU / machine | first | notes |', '|---|---:|---:|---|---|')
  L.push(...cpuRows(res.rows, 'samsa', 'kafka'))
  if (res.profiles.length > 0) {
    L.push('', '## Profiles of Samsa (node --cpu-prof, main thread; the figures above then include profiler overhead)', '')
    const lossKeys = new Set(losses.map(r => r.key.replace(/-(avg|p50|p99|p999)$/, '')))
    for (const p of res.profiles) {
      const key = p.name.replace(/^compare-/, '')
      if (![...lossKeys].some(k => k.replace(/[^a-z0-9=-]+/gi, '_') === key)) continue
      L.push(profileMarkdown(p.name, p.summary), '')
    }
  }
  return L.join('\n')
}

/** The lines of the per-run CPU table (row, side A, side B, first, notes); sideA, sideB: keys of row.detail. */
export function cpuRows (rows, sideA, sideB) {
  const L = []
  for (const r of rows) {
    const a = r.detail[sideA] ?? {}
    const b = r.detail[sideB] ?? {}
    if (a.brokerCpuPct === undefined) continue
    const notes = []
    if (a.avgLatencyMs !== undefined) notes.push(`ProducerPerformance mean/p99 latency ${fmt(a.avgLatencyMs)}/${a.p99Ms} ms vs ${fmt(b.avgLatencyMs)}/${b.p99Ms} ms`)
    if (a.rebalanceMs !== undefined) notes.push(`group join ${a.rebalanceMs} vs ${b.rebalanceMs} ms`)
    if (a.clientCpuPct !== undefined) notes.push(`client CPU ${fmt(a.clientCpuPct, 0)}% vs ${fmt(b.clientCpuPct, 0)}%`)
    if (a.errors > 0 || b.errors > 0) notes.push(`send errors ${a.errors} vs ${b.errors}`)
    if (a.achievedRate !== undefined) notes.push(`sent ${fmt(a.achievedRate, 0)} vs ${fmt(b.achievedRate, 0)} records/s, max ${fmt(a.max, 2)} vs ${fmt(b.max, 2)} ms`)
    L.push(`| ${r.short} | ${fmt(a.brokerCpuPct, 0)}% / ${fmt(a.machineBusyPct, 0)}% | ${fmt(b.brokerCpuPct, 0)}% / ${fmt(b.machineBusyPct, 0)}% | ${r.first} | ${notes.join('; ')} |`)
  }
  return L
}
