// The markdown report of a two-build comparison (run.js --baseline, bench/results/compare-baseline.md): setup,
// one table of every row with this build / baseline normalised so that above 1 always means this build is
// better (value ratio for throughput, inverse ratio for times, latencies and memory), the ratio of every A/B
// pair of runs, the spread of the ratios over all rows with the rows outside the noise band (spread.js), the
// per-row CPU split, and with --profile the profiles of both builds for the rows this build loses.
import { fmt, fmtInt } from '../lib/stats.js'
import { cpuRows, fmtRatio, value } from './report.js'

const A = 'samsa'
const B = 'baseline'

const r2 = x => (x == null ? 'n/a' : fmtRatio(x))

function ratioCell (r) {
  if (r.ratio == null) return 'n/a'
  return r.ratio >= 1 ? `**${fmtRatio(r.ratio)}**` : `${fmtRatio(r.ratio)} (baseline ahead)`
}

function verdictCell (v) {
  if (v === 'below') return '**below noise**'
  if (v === 'above') return 'above noise'
  return v === 'within' ? 'within' : '-'
}

export function renderBaselineMarkdown (res, { profileMarkdown, png = 'compare-baseline.png' }) {
  const s = res.setup
  const sp = res.spread
  const nameA = s.sides[A]
  const nameB = s.sides[B]
  const L = []
  const load = a => a.map(x => x.toFixed(2)).join(' / ')
  L.push(`# Samsa: this build vs ${nameB}, side by side`, '')
  L.push(`Run: \`node bench/compare/run.js ${(s.argv ?? []).join(' ')}\` at ${s.date} (${fmt(s.durationS, 0)} s).`, '')
  L.push(`- ${nameA}: commit ${s.commit}${s.dirty ? ' (src/ modified in the working tree)' : ''}, run from ${s.dist}${s.distCommit ? ` (built from commit ${s.distCommit})` : ''}.`)
  L.push(`- ${nameB}: run from ${s.baseline.dist}${s.baseline.commit ? ` (commit ${s.baseline.commit})` : ''}.`, '')
  L.push(`Machine: ${s.cores} x ${s.cpu}, ${fmt(s.memGiB)} GiB, Linux ${s.kernel}; Node ${s.node}, Java ${s.java}. ` +
    `Load average (1/5/15 min) ${load(s.loadStart)} at the start, ${load(s.loadEnd)} at the end (shared machine: other work may have run).`, '')
  L.push('Setup:', '')
  L.push(`- Both sides: \`${s.samsaCmd}\`, each from its own copy of its build's dist/, with its own temp data dir on the same filesystem; both run during the whole run, on 127.0.0.1.`)
  L.push(`- The clients are the Kafka comparison's: Kafka's Java tools (kafka-tools ${s.kafka}, through scripts/kafka/kafka.sh) with \`${s.toolOpts}\`, kafkajs ${s.kafkajs} and @platformatic/kafka ${s.platformatic} with their defaults. Each client run is a fresh process.`)
  L.push(`- Node producers: ${s.config.inFlight} concurrent send() loops of ${s.config.perSend[100]} x 100 B or ${s.config.perSend[1024]} x 1 KiB records, ${s.config.nodeWarmup} s warm-up then ${s.config.nodeSeconds} s measured. ProducerPerformance: ${fmtInt(s.config.ppRecords[100])} x 100 B and ${fmtInt(s.config.ppRecords[1024])} x 1 KiB records. Consume rows read the topics ProducerPerformance acks=1 filled.`)
  L.push(`- Each row runs ${s.config.reps} time(s) per side in the order A B B A (A = the side that goes first, alternating from row to row); a pair is run i of each side. Start times: ${s.config.samsaStarts} starts of each build in the order A B B A A B ..., on empty data dirs; pair i is start i of each.`, '')
  L.push('## Results', '')
  L.push('this/baseline is normalised so that **above 1 means this build is better**: this÷baseline for throughput, baseline÷this for times, latencies and memory. "per pair" is the same ratio for each A/B pair of runs.', '')
  L.push(`| row | unit | ${nameA} | ${nameB} | this/baseline | per pair | noise |`, '|---|---|---:|---:|---:|---|---|')
  const verdicts = new Map(sp.rows.map(r => [r.key, r.verdict]))
  for (const r of res.rows) {
    const pairs = (r.perRep ?? []).length > 0 ? r.perRep.map(r2).join(', ') : '-'
    L.push(`| ${r.label} | ${r.metric}${r.better === 'lower' ? ' (lower is better)' : ''} | ${value(r, A)} | ${value(r, B)} | ${ratioCell(r)} | ${pairs} | ${verdictCell(verdicts.get(r.key))} |`)
  }
  L.push('')
  if (sp.overall.band === null) {
    L.push(`**No verdict**: ${sp.overall.n} rows with a ratio, fewer than needed to estimate the noise from their spread.`, '')
  } else if (sp.below.length === 0) {
    L.push(`**No row below the noise band** (${r2(sp.overall.band[0])} .. ${r2(sp.overall.band[1])}).${sp.above.length > 0 ? ` Above it: ${sp.above.join(', ')}.` : ''}`, '')
  } else {
    L.push(`**Below the noise band** (${r2(sp.overall.band[0])} .. ${r2(sp.overall.band[1])}): ${sp.below.join(', ')}.${sp.above.length > 0 ? ` Above it: ${sp.above.join(', ')}.` : ''}`, '')
  }
  L.push(`![this build / baseline per row](${png})`, '')

  L.push('## Spread of the ratios', '')
  L.push('Both sides run the same way and differ only by their build, so for a change that should not alter performance every ratio is 1 plus noise, and their spread over the rows is the noise of this run.', '')
  const o = sp.overall
  L.push(`- Rows: ${o.n} with a ratio; median ${r2(o.median)}, geometric mean ${r2(o.geomean)}, 10th-90th percentile ${r2(o.p10)} .. ${r2(o.p90)}; lowest ${o.lowest ? `${r2(o.lowest.ratio)} (${o.lowest.short})` : 'n/a'}, highest ${o.highest ? `${r2(o.highest.ratio)} (${o.highest.short})` : 'n/a'}.`)
  if (o.sigma !== null) L.push(`- Robust sigma of ln(ratio) (1.4826 x the median absolute deviation): ${o.sigma.toFixed(3)}, about ${fmt(100 * (Math.exp(o.sigma) - 1))}% per row; noise band exp(±${sp.sigmas} sigma) = ${r2(o.band[0])} .. ${r2(o.band[1])}.`)
  L.push(`- A/B pairs: ${sp.pairs.n} pair ratios, 10th-90th percentile ${r2(sp.pairs.p10)} .. ${r2(sp.pairs.p90)}, lowest ${r2(sp.pairs.min)}, highest ${r2(sp.pairs.max)}.`)
  if (sp.withinRow.n > 0) L.push(`- Within a row (${sp.withinRow.n} rows with two pairs or more): the highest pair ratio over the lowest is ${r2(sp.withinRow.medianRange)} at the median, ${r2(sp.withinRow.maxRange)} at most.`)
  L.push(`- A row is **below noise** when its ratio is under the band and none of its pairs came out at or above 1 (a row with fewer than two pairs: its ratio alone); above noise mirrors it. A heuristic: a row below noise in one run is a lead to re-run (\`--only\`, \`--clients\`, more \`--reps\`), not a proof.`, '')
  L.push('| group | rows | lowest | median | highest |', '|---|---:|---:|---:|---:|')
  for (const g of sp.groups) L.push(`| ${g.group} | ${g.n} | ${r2(g.min)} | ${r2(g.median)} | ${r2(g.max)} |`)
  L.push('')

  L.push('## CPU per run', '')
  L.push('Broker CPU is the broker process (all threads) over the run\'s wall time, 100% = one core; machine is every process on the machine (both brokers, the client, anything else), out of ' + `${s.cores * 100}%.`, '')
  L.push(`| row | ${nameA}: broker CPU / machine | ${nameB}: broker CPU / machine | first | notes |`, '|---|---:|---:|---|---|')
  L.push(...cpuRows(res.rows, A, B))
  if (res.profiles.length > 0) {
    L.push('', '## Profiles of both builds (node --cpu-prof, main thread; the figures above then include profiler overhead)', '')
    const lossKeys = new Set(res.rows.filter(r => r.ratio != null && r.ratio < 1).map(r => r.key.replace(/-(avg|p50|p99|p999)$/, '').replace(/[^a-z0-9=-]+/gi, '_')))
    const shown = res.profiles.filter(p => lossKeys.has(p.name.replace(/^(compare|baseline)-/, '')))
    if (shown.length === 0) L.push('No profiled row below 1.0; the .cpuprofile files are in bench/results/profiles/.', '')
    for (const p of shown) L.push(profileMarkdown(`${p.name.startsWith('baseline-') ? nameB : nameA}: ${p.name}`, p.summary), '')
  }
  return L.join('\n')
}
