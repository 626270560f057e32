// How `samsa consume` prints a record (--format):
//   value (default)  the value, then a newline
//   json             one JSON object per line: topic, partition, offset, timestamp, timestampType, key,
//                    value, headers [{ key, value }] (keys, values and header values as UTF-8 text, null kept)
//   a template       kcat's tokens: %t topic, %p partition, %o offset, %T timestamp (epoch ms), %d timestamp
//                    (ISO 8601), %k key, %v or %s value, %K key length, %S value length (-1 when null),
//                    %h headers (k=v,k=v), %% a percent sign; escapes \n \t \\. A template without any
//                    newline gets one appended, so every record ends its line.
// The template is compiled once into a list of parts, not re-parsed per record.
import { UsageError } from './args.js'
import type { ConsumedRecord } from '../client/fetcher.js'

export type RecordFormatter = (r: ConsumedRecord) => string

const text = (b: Buffer | null): string => b === null ? '' : b.toString('utf8')

export function jsonRecord (r: ConsumedRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map(h => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') }))
  }) + '\n'
}

const TOKENS: Record<string, RecordFormatter> = {
  t: r => r.topic,
  p: r => String(r.partition),
  o: r => String(r.offset),
  T: r => String(r.timestamp),
  d: r => new Date(r.timestamp).toISOString(),
  k: r => text(r.key),
  v: r => text(r.value),
  s: r => text(r.value),
  K: r => String(r.key === null ? -1 : r.key.length),
  S: r => String(r.value === null ? -1 : r.value.length),
  h: r => r.headers.map(h => `${h.key}=${text(h.value)}`).join(',')
}

export function compileTemplate (template: string): RecordFormatter {
  const parts: Array<string | RecordFormatter> = []
  let lit = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!
    if (c === '\\' && i + 1 < template.length) {
      const n = template[++i]!
      lit += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '\\' ? '\\' : `\\${n}`
    } else if (c === '%') {
      const n = template[++i]
      if (n === '%') lit += '%'
      else if (n !== undefined && TOKENS[n] !== undefined) {
        if (lit !== '') parts.push(lit)
        lit = ''
        parts.push(TOKENS[n]!)
      } else {
        throw new UsageError(`bad --format '${template}': unknown token %${n ?? ''} (tokens: %t %p %o %T %d %k %v %s %K %S %h %%)`)
      }
    } else {
      lit += c
    }
  }
  if (lit !== '') parts.push(lit)
  if (!parts.some(p => typeof p === 'string' && p.includes('\n'))) parts.push('\n')
  return r => {
    let s = ''
    for (const p of parts) s += typeof p === 'string' ? p : p(r)
    return s
  }
}

export function recordFormatter (format: string | undefined): RecordFormatter {
  if (format === undefined || format === 'value') return r => text(r.value) + '\n'
  if (format === 'json') return jsonRecord
  if (!format.includes('%')) throw new UsageError(`bad --format '${format}': expected value, json or a template with %-tokens such as '%k=%v (%p@%o)'`)
  return compileTemplate(format)
}
