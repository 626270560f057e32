// Per-interval counters of the soak's clients: produce latencies (ms, one per acknowledged send), records
// produced and consumed, errors by kind. roll() closes the interval and starts the next one; totals keep the
// whole run. Bounded: at most MAX_LATENCIES latencies per interval (later ones are counted, not kept; at the
// soak's rates an interval holds a few thousand) and MAX_KINDS distinct error kinds (the rest fold into
// 'other').

const MAX_LATENCIES = 200_000
const MAX_KINDS = 60

export interface Interval {
  latencies: number[]
  sends: number
  produced: number
  consumed: number
  errors: Map<string, number>
}

function emptyInterval (): Interval {
  return { latencies: [], sends: 0, produced: 0, consumed: 0, errors: new Map() }
}

export class Metrics {
  current: Interval = emptyInterval()
  readonly totalErrors = new Map<string, number>()
  /** First message seen of each error kind (for the report). */
  readonly examples = new Map<string, string>()
  totalSends = 0
  totalProduced = 0
  totalConsumed = 0

  send (latencyMs: number, records: number): void {
    const c = this.current
    if (c.latencies.length < MAX_LATENCIES) c.latencies.push(latencyMs)
    c.sends++
    c.produced += records
    this.totalSends++
    this.totalProduced += records
  }

  consumed (records: number): void {
    this.current.consumed += records
    this.totalConsumed += records
  }

  /** Counts one error of `source` (producer, consumer, admin, ...), kind taken from the error. */
  error (source: string, err: unknown): void {
    let kind = `${source}: ${errorKind(err)}`
    if (!this.totalErrors.has(kind) && this.totalErrors.size >= MAX_KINDS) kind = `${source}: other`
    this.current.errors.set(kind, (this.current.errors.get(kind) ?? 0) + 1)
    this.totalErrors.set(kind, (this.totalErrors.get(kind) ?? 0) + 1)
    if (!this.examples.has(kind)) this.examples.set(kind, String((err as Error)?.message ?? err).slice(0, 200))
  }

  roll (): Interval {
    const done = this.current
    this.current = emptyInterval()
    return done
  }
}

/** A short stable name for an error: its Kafka type or code when it has one, else its name, numbers folded. */
export function errorKind (err: unknown): string {
  const e = err as { type?: unknown, code?: unknown, name?: unknown, message?: unknown, cause?: unknown } | null
  if (e === null || typeof e !== 'object') return String(err).slice(0, 60)
  const parts: string[] = []
  if (typeof e.name === 'string') parts.push(e.name)
  if (typeof e.type === 'string') parts.push(e.type)
  else if (typeof e.code === 'string' || typeof e.code === 'number') parts.push(String(e.code))
  if (parts.length <= 1 && typeof e.message === 'string') parts.push(e.message.slice(0, 60))
  return parts.join(' ').replace(/\d+/g, 'N')
}

/** The p-th percentile (0..100) of values by nearest rank; NaN for none. Sorts a copy. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))
  return s[rank]
}
