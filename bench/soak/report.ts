// The soak's samples, verdicts and report. One Sample per interval (a minute by default): broker RSS and fds
// at its end, the produce latencies and counts of the interval, the broker's WARN/ERROR lines in it.
// Verdicts compare the first third of the samples with the last third (at least one sample each):
//   RSS     last-third mean <= first-third mean x 1.25 + 32 MiB
//   fds     last-third mean <= first-third mean + max(32, 15 %)
//   p99     last-third median of the per-interval p99 <= 2 x the first third's + 20 ms
// and, over the whole run: produce errors <= 1 % of sends; each group read without gaps, in-session duplicates
// or corrupt values and caught up with the high watermark at the end; the broker alive until the end,
// exiting 0 on SIGTERM; RSS never above the run's cap; no ERROR line in the broker's log.
import type { FdCounts } from './broker-process.js'

export interface Sample {
  minute: number
  rssMiB: number | null
  fds: FdCounts | null
  partitionDirs: number | null
  sends: number
  p50: number
  p99: number
  max: number
  produced: number
  consumed: number
  /** Records the more lagging group has still to read, at the end of the interval (null: not measured). */
  lag: number | null
  errors: number
  warnLines: number
  errorLines: number
  fuzzFrames: number
  stalledRequests: number
}

export interface Verdict { name: string, ok: boolean, detail: string }

const fmt = (v: number | null, digits = 0): string => v === null || Number.isNaN(v) ? '-' : v.toFixed(digits)

export const TABLE_HEADER = ['min', 'RSS MiB', 'fds', 'sock', 'files', 'part dirs', 'sends', 'p50 ms', 'p99 ms', 'max ms', 'produced', 'consumed', 'lag', 'errors', 'WARN', 'ERROR', 'fuzz frames', 'stalled reqs']

export function tableRow (s: Sample): string[] {
  return [fmt(s.minute, 1), fmt(s.rssMiB), fmt(s.fds?.total ?? null), fmt(s.fds?.sockets ?? null), fmt(s.fds?.files ?? null), fmt(s.partitionDirs),
    String(s.sends), fmt(s.p50, 1), fmt(s.p99, 1), fmt(s.max, 1), String(s.produced), String(s.consumed), fmt(s.lag), String(s.errors), String(s.warnLines), String(s.errorLines),
    String(s.fuzzFrames), String(s.stalledRequests)]
}

/** A fixed-width line for the live table. */
export function liveLine (cells: string[]): string {
  return cells.map((c, i) => c.padStart(Math.max(TABLE_HEADER[i].length, 6))).join(' ')
}

export function markdownTable (samples: Sample[]): string {
  const lines = [`| ${TABLE_HEADER.join(' | ')} |`, `|${TABLE_HEADER.map(() => '---:').join('|')}|`]
  for (const s of samples) lines.push(`| ${tableRow(s).join(' | ')} |`)
  return lines.join('\n')
}

function thirds<T> (xs: T[]): [T[], T[]] {
  const k = Math.max(1, Math.ceil(xs.length / 3))
  return [xs.slice(0, k), xs.slice(xs.length - k)]
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Slope between the centres of the first and last thirds, per minute. */
function slope (first: Array<{ minute: number, v: number }>, last: Array<{ minute: number, v: number }>): number {
  const dt = mean(last.map(x => x.minute)) - mean(first.map(x => x.minute))
  return dt > 0 ? (mean(last.map(x => x.v)) - mean(first.map(x => x.v))) / dt : 0
}

/** The three trend verdicts (RSS, fds, p99) over the samples. */
export function trendVerdicts (samples: Sample[]): Verdict[] {
  const out: Verdict[] = []
  const series = (pick: (s: Sample) => number | null): Array<{ minute: number, v: number }> =>
    samples.flatMap(s => { const v = pick(s); return v === null || Number.isNaN(v) ? [] : [{ minute: s.minute, v }] })
  const rss = series(s => s.rssMiB)
  if (rss.length === 0) out.push({ name: 'RSS flat', ok: false, detail: 'no RSS samples' })
  else {
    const [a, b] = thirds(rss)
    const fa = mean(a.map(x => x.v))
    const lb = mean(b.map(x => x.v))
    const limit = fa * 1.25 + 32
    out.push({ name: 'RSS flat', ok: lb <= limit, detail: `first third ${fa.toFixed(0)} MiB, last third ${lb.toFixed(0)} MiB (limit ${limit.toFixed(0)}), slope ${slope(a, b).toFixed(1)} MiB/min` })
  }
  const fds = series(s => s.fds?.total ?? null)
  if (fds.length === 0) out.push({ name: 'fds flat', ok: false, detail: 'no fd samples' })
  else {
    const [a, b] = thirds(fds)
    const fa = mean(a.map(x => x.v))
    const lb = mean(b.map(x => x.v))
    const limit = fa + Math.max(32, fa * 0.15)
    out.push({ name: 'fds flat', ok: lb <= limit, detail: `first third ${fa.toFixed(0)}, last third ${lb.toFixed(0)} (limit ${limit.toFixed(0)}), slope ${slope(a, b).toFixed(1)} fds/min` })
  }
  const p99 = series(s => s.sends > 0 ? s.p99 : null)
  if (p99.length === 0) out.push({ name: 'p99 flat', ok: false, detail: 'no acknowledged sends' })
  else {
    const [a, b] = thirds(p99)
    const fa = median(a.map(x => x.v))
    const lb = median(b.map(x => x.v))
    const limit = fa * 2 + 20
    out.push({ name: 'p99 flat', ok: lb <= limit, detail: `first third ${fa.toFixed(1)} ms, last third ${lb.toFixed(1)} ms (limit ${limit.toFixed(1)}), slope ${slope(a, b).toFixed(2)} ms/min` })
  }
  return out
}
