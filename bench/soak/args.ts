// Command line of the soak (bench/soak/run.ts). Every rate has a flag so a short run can be made harsher or
// gentler; the defaults are what bench/results/soak.md was measured with.

export interface SoakArgs {
  minutes: number
  sampleSeconds: number
  dataDir: string | null
  brokerCmd: string[]
  out: string
  label: string
  rssLimitMiB: number
  produceIntervalMs: number
  fuzzRate: number
  stalledReaders: number
  stalledIntervalMs: number
  tricklers: number
  tricklePeriodMs: number
  topicChurnMs: number
}

export const USAGE = `Usage: npx tsx bench/soak/run.ts [options]

Runs a Samsa broker (built beforehand: npm run build) as a child process under mixed load for --minutes and
samples its RSS, open fds and produce latency every --sample-seconds; writes a report (default
bench/results/soak.md) and exits 1 when the broker died or a verdict failed.

  --minutes N               length of the load phase (default 30)
  --sample-seconds N        sampling interval (default 60)
  --data-dir DIR            the broker's data directory, new or empty, kept afterwards (default: a temporary
                            one, removed afterwards)
  --broker-cmd "CMD ..."    how to start the broker; --port 0 --data-dir DIR and config flags are appended
                            (default "node dist/cli/main.js start")
  --out FILE                report path (default bench/results/soak.md)
  --label TEXT              a line for the report's title (e.g. "3-minute validation run")
  --rss-limit-mib N         stop the run when the broker's RSS passes N MiB (default 4096)
  --produce-interval-ms N   each of the 4 producers sends at most once per N ms (default 150)
  --fuzz-rate N             fuzzer frames per second (default 20)
  --stalled-readers N       stalled readers (default 2)
  --stalled-interval-ms N   each stalled reader pipelines one Fetch per N ms (default 2000)
  --tricklers N             trickling connections (default 2)
  --trickle-period-ms N     one byte per N ms on each (default 3000)
  --topic-churn-ms N        one topic created and one deleted per N ms (default 10000)
`

export function parseArgs (argv: string[]): SoakArgs {
  const a: SoakArgs = {
    minutes: 30,
    sampleSeconds: 60,
    dataDir: null,
    brokerCmd: ['node', 'dist/cli/main.js', 'start'],
    out: 'bench/results/soak.md',
    label: '',
    rssLimitMiB: 4096,
    produceIntervalMs: 150,
    fuzzRate: 20,
    stalledReaders: 2,
    stalledIntervalMs: 2000,
    tricklers: 2,
    tricklePeriodMs: 3000,
    topicChurnMs: 10_000
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v)
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number (got ${v})`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const v = argv[i + 1]
    i++
    switch (flag) {
      case '--minutes': a.minutes = num('minutes', v); break
      case '--sample-seconds': a.sampleSeconds = Math.max(1, num('sample-seconds', v)); break
      case '--data-dir': if (v === undefined) throw new Error('--data-dir needs a directory'); a.dataDir = v; break
      case '--broker-cmd': if (v === undefined || v.trim() === '') throw new Error('--broker-cmd needs a command'); a.brokerCmd = v.trim().split(/\s+/); break
      case '--out': if (v === undefined) throw new Error('--out needs a file'); a.out = v; break
      case '--label': a.label = v ?? ''; break
      case '--rss-limit-mib': a.rssLimitMiB = num('rss-limit-mib', v); break
      case '--produce-interval-ms': a.produceIntervalMs = num('produce-interval-ms', v); break
      case '--fuzz-rate': a.fuzzRate = Math.max(0.1, num('fuzz-rate', v)); break
      case '--stalled-readers': a.stalledReaders = Math.floor(num('stalled-readers', v)); break
      case '--stalled-interval-ms': a.stalledIntervalMs = Math.max(10, num('stalled-interval-ms', v)); break
      case '--tricklers': a.tricklers = Math.floor(num('tricklers', v)); break
      case '--trickle-period-ms': a.tricklePeriodMs = Math.max(10, num('trickle-period-ms', v)); break
      case '--topic-churn-ms': a.topicChurnMs = Math.max(1000, num('topic-churn-ms', v)); break
      case '-h': case '--help': throw new UsageRequest()
      default: throw new Error(`unknown option ${flag}`)
    }
  }
  return a
}

export class UsageRequest extends Error {}
