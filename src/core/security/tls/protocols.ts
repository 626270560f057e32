// ssl.enabled.protocols and ssl.cipher.suites as Node's tls options.
//
// Protocols: Kafka lists versions; Node takes a range (minVersion..maxVersion). Only TLSv1.2 and TLSv1.3 are
// accepted (as Kafka 3.x's default), so every list is a contiguous range.
// Cipher suites: Java clients and Kafka configs use IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), OpenSSL
// and Node use their own (ECDHE-RSA-AES128-GCM-SHA256). Both are accepted; IANA TLS 1.2 names are mapped by the
// table below, TLS 1.3 suites keep their one name (TLS_AES_128_GCM_SHA256), which Node accepts in `ciphers`.
// Unknown names fail at start naming the suite. As in Java, a list without any TLS 1.3 suite leaves TLS 1.3
// nothing to negotiate with, so TLS 1.3 is off (OpenSSL would otherwise keep its default TLS 1.3 suites).
import { TlsConfigError } from './errors.js'

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3'

const VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3']

/** The version range of ssl.enabled.protocols (null: Kafka's default TLSv1.2,TLSv1.3). */
export function protocolRange (enabled: string | null, key = 'ssl.enabled.protocols'): { minVersion: TlsVersion, maxVersion: TlsVersion } {
  const list = splitList(enabled ?? 'TLSv1.2,TLSv1.3')
  if (list.length === 0) throw new TlsConfigError(`${key} is empty: name TLSv1.2 and/or TLSv1.3`)
  for (const v of list) {
    if (!(VERSIONS as readonly string[]).includes(v)) throw new TlsConfigError(`${key}: ${v} is not supported (TLSv1.2, TLSv1.3)`)
  }
  const ranks = list.map(v => VERSIONS.indexOf(v as TlsVersion))
  return { minVersion: VERSIONS[Math.min(...ranks)], maxVersion: VERSIONS[Math.max(...ranks)] }
}

/** TLS 1.3 suites: the same name in IANA and OpenSSL. */
export const TLS13_SUITES: ReadonlySet<string> = new Set([
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'
])

/** IANA -> OpenSSL names of the TLS 1.2 suites OpenSSL 3 offers with forward secrecy or plain RSA. */
export const IANA_TO_OPENSSL: ReadonlyMap<string, string> = new Map([
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA']
])

/**
 * Node's `ciphers` string for ssl.cipher.suites, or undefined (Node's defaults) when the list is empty. Names that
 * are neither a known IANA name nor a TLS 1.3 suite pass through as OpenSSL names; createSecureContext rejects
 * the unknown ones (see ServerTls).
 */
export function cipherList (suites: string | null, key = 'ssl.cipher.suites'): string | undefined {
  const list = splitList(suites)
  if (list.length === 0) return undefined
  return list.map(s => {
    if (TLS13_SUITES.has(s)) return s
    const mapped = IANA_TO_OPENSSL.get(s)
    if (mapped !== undefined) return mapped
    if (s.startsWith('TLS_') || s.startsWith('SSL_')) throw new TlsConfigError(`${key}: unknown or unsupported cipher suite ${s}`)
    return s
  }).join(':')
}

/** The version range and cipher string of a listener's ssl.enabled.protocols and ssl.cipher.suites. */
export function tlsParameters (enabled: string | null, suites: string | null): { minVersion: TlsVersion, maxVersion: TlsVersion, ciphers?: string } {
  const range = protocolRange(enabled)
  const ciphers = cipherList(suites)
  if (ciphers === undefined) return range
  const has13 = ciphers.split(':').some(c => TLS13_SUITES.has(c))
  if (!has13 && range.maxVersion === 'TLSv1.3') {
    if (range.minVersion === 'TLSv1.3') throw new TlsConfigError(`ssl.cipher.suites names no TLS 1.3 suite but ssl.enabled.protocols allows only TLSv1.3 (add e.g. TLS_AES_128_GCM_SHA256)`)
    return { minVersion: range.minVersion, maxVersion: 'TLSv1.2', ciphers }
  }
  return { ...range, ciphers }
}

function splitList (v: string | null): string[] {
  return (v ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
}
