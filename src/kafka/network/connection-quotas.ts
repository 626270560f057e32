// ConnectionQuotas: how many connections the broker holds, in all and per client IP (Kafka's max.connections,
// max.connections.per.ip and max.connections.per.ip.overrides), shared by every listener.
//
// A TCP connection is counted from the moment it is accepted (before a TLS handshake or its first byte) until
// its socket closes. Over a limit the new connection is refused (the server closes it at once), as Kafka does for
// per-IP limits; existing connections are never touched. Overrides name IP addresses ("127.0.0.1:5,[::1]:2");
// an IPv4 address seen as IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as a.b.c.d.
// Invariants: total == sum of per-IP counts; an IP with no connection has no entry (the table is bounded by the
// open connections). Threading: main thread.

import { ConfigError } from '../../config/config-error.js'

export interface ConnectionLimits {
  maxConnections: number
  maxPerIp: number
  /** Per-IP exceptions to maxPerIp. */
  overrides: ReadonlyMap<string, number>
}

export class ConnectionQuotas {
  private readonly byIp = new Map<string, number>()
  private count = 0

  constructor (private readonly limits: ConnectionLimits) {}

  get total (): number {
    return this.count
  }

  countOf (ip: string): number {
    return this.byIp.get(normalizeIp(ip)) ?? 0
  }

  /** Counts a new connection from ip; or, over a limit, counts nothing and returns why it is refused. */
  tryAcquire (ip: string): string | null {
    const key = normalizeIp(ip)
    if (this.count >= this.limits.maxConnections) {
      return `max.connections (${this.limits.maxConnections}) reached`
    }
    const limit = this.limits.overrides.get(key) ?? this.limits.maxPerIp
    const n = this.byIp.get(key) ?? 0
    if (n >= limit) {
      return `${this.limits.overrides.has(key) ? 'max.connections.per.ip.overrides' : 'max.connections.per.ip'} (${limit}) reached for ${key}`
    }
    this.byIp.set(key, n + 1)
    this.count++
    return null
  }

  release (ip: string): void {
    const key = normalizeIp(ip)
    const n = this.byIp.get(key)
    if (n === undefined) return
    if (n <= 1) this.byIp.delete(key)
    else this.byIp.set(key, n - 1)
    this.count--
  }
}

export function normalizeIp (ip: string): string {
  const s = ip.trim().toLowerCase()
  if (s.startsWith('[') && s.endsWith(']')) return s.slice(1, -1)
  if (s.startsWith('::ffff:') && /^\d+\.\d+\.\d+\.\d+$/.test(s.slice(7))) return s.slice(7)
  return s
}

/** Parses max.connections.per.ip.overrides: "ip:count,ip:count" (the count after the last colon). */
export function parseIpOverrides (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const raw of text.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    const at = entry.lastIndexOf(':')
    const count = at < 0 ? NaN : Number(entry.slice(at + 1))
    if (at <= 0 || !Number.isInteger(count) || count < 0) {
      throw new ConfigError(`max.connections.per.ip.overrides: '${entry}' is not ip:count`)
    }
    out.set(normalizeIp(entry.slice(0, at)), count)
  }
  return out
}
