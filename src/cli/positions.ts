// Where to start or stop reading, as people write it on the command line, and how it becomes an offset:
//
//   beginning | earliest     the log start offset
//   end | latest             the log end offset (the high watermark: what consumers can read)
//   42                       that offset
//   -100                     100 records before the end (not before the log start)
//   2024-05-01T10:00:00Z     a time: ISO 8601 (a date alone is midnight UTC; no zone = local time)
//   -15m  -2h  -1d  -30s     a time relative to now (ms, s, m, h, d, w)
//   @1714557600000           a time in epoch milliseconds
// A time becomes the first offset whose record timestamp is >= it (ListOffsets by timestamp), or the end
// when no record is that recent. Parsing errors are UsageErrors (exit 2) naming the flag and the value.
import { UsageError } from './args.js'
import type { SeekSpec } from '../client/seek.js'

export type PositionSpec = SeekSpec

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

const EXPECTED = 'expected beginning, end, an offset (42), -N (N records before the end), an ISO time (2024-05-01T10:00:00Z), ' +
  'a relative time (-15m, -2h, -1d) or @epoch-ms'

/** Epoch ms of an ISO, relative (-15m) or @epoch-ms time; null when `s` is none of them. */
export function parseTime (s: string, now = Date.now()): number | null {
  const rel = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(s)
  if (rel !== null) return Math.round(now - Number(rel[1]) * UNIT_MS[rel[2]!]!)
  if (s === 'now') return now
  const at = /^@(\d+)$/.exec(s)
  if (at !== null) return Number(at[1])
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    const t = Date.parse(s)
    return Number.isNaN(t) ? null : t
  }
  return null
}

export function parsePosition (flag: string, s: string, now = Date.now()): PositionSpec {
  const v = s.trim()
  if (v === 'beginning' || v === 'earliest' || v === 'start') return { kind: 'beginning' }
  if (v === 'end' || v === 'latest') return { kind: 'end' }
  if (/^\d+$/.test(v)) {
    const offset = Number(v)
    if (!Number.isSafeInteger(offset)) throw new UsageError(`bad ${flag} '${s}': offset too large`)
    return { kind: 'offset', offset }
  }
  if (/^-\d+$/.test(v)) return { kind: 'beforeEnd', count: Number(v.slice(1)) }
  const t = parseTime(v, now)
  if (t !== null) return { kind: 'time', timestamp: t }
  throw new UsageError(`bad ${flag} '${s}': ${EXPECTED}`)
}

export function describePosition (p: PositionSpec): string {
  switch (p.kind) {
    case 'beginning': return 'the beginning'
    case 'end': return 'the end'
    case 'offset': return `offset ${p.offset}`
    case 'beforeEnd': return `${p.count} records before the end`
    case 'time': return new Date(p.timestamp).toISOString()
  }
}
