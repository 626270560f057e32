// Small statistics and formatting helpers.

/** Percentile (0..100) of numbers by nearest rank; sorts a copy. null for no samples. */
export function percentile (values, p) {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

export function median (values) {
  return percentile(values, 50)
}

/** p50/p99/p99.9/max/mean of latency samples in ms. */
export function latencySummary (samples) {
  if (samples.length === 0) return null
  const sorted = Float64Array.from(samples).sort()
  const at = p => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
  let sum = 0
  for (const v of sorted) sum += v
  return { count: sorted.length, p50: at(50), p99: at(99), p999: at(99.9), max: sorted[sorted.length - 1], mean: sum / sorted.length }
}

export const MiB = 1024 * 1024

/** Fixed-point formatting that keeps 3 significant digits for small numbers. */
export function fmt (v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-'
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  if (Math.abs(v) >= 100) return v.toFixed(Math.max(0, digits - 1))
  if (Math.abs(v) >= 10) return v.toFixed(digits)
  return v.toFixed(digits + 1)
}

export function fmtInt (v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-'
  return Math.round(v).toLocaleString('en-US')
}

export function sleep (ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}
