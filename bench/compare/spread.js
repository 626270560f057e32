// How far the ratios of a two-build comparison (run.js --baseline) move by noise alone, and which rows fall
// outside that. Both sides are Samsa, run the same way with the same clients; only the build differs. For a
// change that should not alter performance, every row's ratio (this build / baseline, normalised so that
// above 1 means this build is better) is 1 plus noise, so the spread of the ratios over all rows measures
// that noise on this machine, in this run:
//  - per row: the ratio of each A/B pair of runs (row.perRep) and their range;
//  - over all rows: median, geometric mean, 10th-90th percentile, lowest and highest of the row ratios, and a
//    robust sigma of their natural logarithm (1.4826 x the median absolute deviation from the median: a
//    normal distribution's sigma, which one or two regressed rows barely move);
//  - the noise band: exp(-2 sigma) .. exp(+2 sigma) around 1.
// A row is "below noise" when its ratio is under the band and none of its pairs came out at or above 1 (a
// row with one pair or none is judged by its ratio alone); "above noise" mirrors it. With fewer than
// MIN_ROWS ratios there is no band and no verdict.
import { median, percentile } from '../lib/stats.js'

export const MIN_ROWS = 5
const SIGMAS = 2

const usable = x => x !== null && x !== undefined && Number.isFinite(x) && x > 0

/** rows: run.js rows ({ key, short, group, ratio, perRep }). Returns the spread report (see the header). */
export function ratioSpread (rows) {
  const rated = rows.filter(r => usable(r.ratio))
  const logs = rated.map(r => Math.log(r.ratio))
  const mid = logs.length === 0 ? null : median(logs)
  const sigma = logs.length < MIN_ROWS ? null : 1.4826 * median(logs.map(x => Math.abs(x - mid)))
  const band = sigma === null ? null : [Math.exp(-SIGMAS * sigma), Math.exp(SIGMAS * sigma)]

  const perRow = rows.map(r => {
    const pairs = (r.perRep ?? []).filter(usable)
    const lo = pairs.length === 0 ? null : Math.min(...pairs)
    const hi = pairs.length === 0 ? null : Math.max(...pairs)
    let verdict = null
    if (band !== null && usable(r.ratio)) {
      const twoSided = pairs.length >= 2
      if (r.ratio < band[0] && !(twoSided && hi >= 1)) verdict = 'below'
      else if (r.ratio > band[1] && !(twoSided && lo <= 1)) verdict = 'above'
      else verdict = 'within'
    }
    return { key: r.key, short: r.short, group: r.group, ratio: r.ratio ?? null, pairs, lo, hi, verdict }
  })

  const pairRatios = perRow.flatMap(r => r.pairs)
  const ranges = perRow.filter(r => r.pairs.length >= 2).map(r => r.hi / r.lo)
  const extreme = pick => rated.length === 0 ? null : rated.reduce((a, r) => (pick(r.ratio, a.ratio) ? r : a))
  const lowest = extreme((x, y) => x < y)
  const highest = extreme((x, y) => x > y)
  const groups = [...new Set(rated.map(r => r.group))].map(group => {
    const rs = rated.filter(r => r.group === group).map(r => r.ratio)
    return { group, n: rs.length, min: Math.min(...rs), median: median(rs), max: Math.max(...rs) }
  })

  return {
    sigmas: SIGMAS,
    overall: {
      n: rated.length,
      median: mid === null ? null : Math.exp(mid),
      geomean: logs.length === 0 ? null : Math.exp(logs.reduce((a, x) => a + x, 0) / logs.length),
      p10: percentile(rated.map(r => r.ratio), 10),
      p90: percentile(rated.map(r => r.ratio), 90),
      lowest: lowest === null ? null : { short: lowest.short, ratio: lowest.ratio },
      highest: highest === null ? null : { short: highest.short, ratio: highest.ratio },
      sigma,
      band
    },
    pairs: {
      n: pairRatios.length,
      p10: percentile(pairRatios, 10),
      p90: percentile(pairRatios, 90),
      min: pairRatios.length === 0 ? null : Math.min(...pairRatios),
      max: pairRatios.length === 0 ? null : Math.max(...pairRatios)
    },
    withinRow: { n: ranges.length, medianRange: ranges.length === 0 ? null : median(ranges), maxRange: ranges.length === 0 ? null : Math.max(...ranges) },
    groups,
    rows: perRow,
    below: perRow.filter(r => r.verdict === 'below').map(r => r.short),
    above: perRow.filter(r => r.verdict === 'above').map(r => r.short)
  }
}
