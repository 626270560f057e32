// Validation and parsing of config values, shared by broker and topic configs.
// A value is always carried as the string a user typed (as Kafka's DescribeConfigs shows it); parse*()
// turn it into the typed value. validateValue() returns null when the value is acceptable, else a message
// naming the key, the value and what was expected.
import type { ConfigDef } from './definitions.js'

const INTEGER = /^-?\d+$/
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

export function validateValue (d: ConfigDef, value: string | null): string | null {
  if (value === null) {
    return d.default === null ? null : `${d.name}: a value is required`
  }
  const v = value.trim()
  switch (d.type) {
    case 'boolean':
      if (v !== 'true' && v !== 'false') return `${d.name}=${value}: expected true or false`
      return null
    case 'int': case 'short': case 'long': {
      if (!INTEGER.test(v)) return `${d.name}=${value}: expected a whole number`
      // Exact bounds in BigInt: a long reaches 2^63 - 1 (Kafka's Long.MAX_VALUE, a common "never").
      const n = BigInt(v)
      const [lo, hi] = d.type === 'short' ? [-32768n, 32767n] : d.type === 'int' ? [-2147483648n, 2147483647n] : [-9223372036854775808n, 9223372036854775807n]
      if (n < lo || n > hi) return `${d.name}=${value}: out of range for a ${d.type}`
      return checkRange(d, Number(n), value)
    }
    case 'double': {
      if (!NUMBER.test(v)) return `${d.name}=${value}: expected a number`
      return checkRange(d, Number(v), value)
    }
    case 'list': {
      if (d.validValues !== undefined) {
        const items = parseList(v)
        if (items.length === 0) return `${d.name}=${value}: expected one or more of ${d.validValues.join(', ')}`
        for (const item of items) {
          if (!d.validValues.includes(item)) return `${d.name}=${value}: '${item}' is not one of ${d.validValues.join(', ')}`
        }
      }
      return null
    }
    default:
      if (d.validValues !== undefined && !d.validValues.includes(v)) {
        return `${d.name}=${value}: expected one of ${d.validValues.join(', ')}`
      }
      return null
  }
}

function checkRange (d: ConfigDef, n: number, value: string): string | null {
  if (d.min !== undefined && n < d.min) return `${d.name}=${value}: must be at least ${d.min}`
  if (d.max !== undefined && n > d.max) return `${d.name}=${value}: must be at most ${d.max}`
  return null
}

export function parseList (value: string): string[] {
  return value.split(',').map(s => s.trim()).filter(s => s.length > 0)
}

export function parseNumber (value: string): number {
  return Number(value.trim())
}

export function parseBoolean (value: string): boolean {
  return value.trim() === 'true'
}
