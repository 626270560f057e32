// Shared by the security interop matrix (test/compat/interop/security-matrix.test.ts) and bench/security.ts:
// test certificates (scripts/kafka/test-certs.sh), the broker security settings both brokers get (Kafka's own
// keys: three listeners PLAINTEXT / SASL_SSL / SSL with client auth required, PLAIN users in JAAS, SCRAM,
// StandardAuthorizer with super users), the client side of each mode as a "cell" (bootstrap, topic, count,
// security), the Java client properties file for a cell (also Kafka's tools' --command-config), and the clients
// driven in-process (kafkajs, @platformatic/kafka) or as programs (kcat, the Java / Go / Python programs print
// `ok MODE ...` / `not ok MODE: DETAIL` per cell).
//
// Modes: scram = SASL_SSL + SCRAM-SHA-512 as alice (credential made with kafka-configs.sh), plain = SASL_SSL +
// PLAIN as alice (from the JAAS config), mtls = SSL with the client certificate CN=alice,OU=interop,O=Samsa,C=US.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KAFKA_SH, REPO, run, tail, type RunResult } from './common.js'

export const STORE_PASSWORD = 'test-secret'
export const USERS = { admin: 'admin-secret', alice: 'alice-secret' }
export const MODES = ['scram', 'plain', 'mtls'] as const
export type Mode = typeof MODES[number]

export interface Certs { dir: string, ca: string, clientCert: string, clientKey: string, truststore: string, clientP12: string }

/** CA, server and client certificates in a new temp dir (openssl + keytool). */
export async function makeCerts (): Promise<Certs> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-certs-'))
  const r = await run(path.join(REPO, 'scripts/kafka/test-certs.sh'), [dir, 'alice'], { timeoutMs: 60_000 })
  if (r.code !== 0) throw new Error(`test-certs.sh failed: ${tail(r.stderr)}`)
  return { dir, ca: path.join(dir, 'ca.pem'), clientCert: path.join(dir, 'client.pem'), clientKey: path.join(dir, 'client-key.pem'), truststore: path.join(dir, 'truststore.p12'), clientP12: path.join(dir, 'client.p12') }
}

const jaasPlain = 'org.apache.kafka.common.security.plain.PlainLoginModule required' +
  Object.entries(USERS).map(([u, p]) => ` user_${u}="${p}"`).join('') + ';'

/**
 * The security settings as Kafka's server.properties keys, for the listener names SASL_SSL and SSL. Kafka gets
 * the same through scripts/kafka/kafka.sh's flags (the matrix checks its server.properties holds each line).
 */
export function brokerSecurityProps (certs: Certs): Record<string, string> {
  return {
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': path.join(certs.dir, 'server.p12'),
    'ssl.keystore.password': STORE_PASSWORD,
    'ssl.key.password': STORE_PASSWORD,
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': certs.truststore,
    'ssl.truststore.password': STORE_PASSWORD,
    'listener.name.ssl.ssl.client.auth': 'required',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaasPlain,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS;User:admin',
    'allow.everyone.if.no.acl.found': 'true'
  }
}

/** kafka.sh start flags giving Kafka the settings of brokerSecurityProps. */
export function kafkaStartArgs (certs: Certs): string[] {
  return ['--listener', 'SASL_SSL://127.0.0.1:0', '--listener', 'SSL://127.0.0.1:0', '--ssl-dir', certs.dir, '--ssl-client-auth', 'required',
    ...Object.entries(USERS).flatMap(([u, p]) => ['--plain-user', `${u}:${p}`]),
    '--authorizer', '--super-users', 'User:admin', '--allow-everyone']
}

export interface Endpoints { plaintext: string, saslSsl: string, ssl: string }

export interface Cell {
  mode: string
  bootstrap: string
  topic: string
  count: number
  protocol: 'SSL' | 'SASL_SSL' | 'SASL_PLAINTEXT' | 'PLAINTEXT'
  mechanism: '' | 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  username: string
  password: string
  ca: string
  cert: string
  key: string
}

export function cellFor (mode: Mode, ep: Endpoints, certs: Certs, topic: string, count: number, user: keyof typeof USERS = 'alice'): Cell {
  const base = { mode, topic, count, ca: certs.ca, username: user, password: USERS[user], cert: '', key: '' }
  if (mode === 'scram') return { ...base, bootstrap: ep.saslSsl, protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' }
  if (mode === 'plain') return { ...base, bootstrap: ep.saslSsl, protocol: 'SASL_SSL', mechanism: 'PLAIN' }
  return { ...base, bootstrap: ep.ssl, protocol: 'SSL', mechanism: '', username: '', password: '', cert: certs.clientCert, key: certs.clientKey }
}

/** The Java client's properties for a cell (usable as --command-config / --producer.config too). */
export function javaProperties (c: Cell, certs: Certs): string {
  // bounded waits, so a broker that never answers fails a cell (or a tool) in seconds, not minutes
  const lines = [`security.protocol=${c.protocol}`, 'request.timeout.ms=10000', 'default.api.timeout.ms=15000']
  if (c.protocol === 'SSL' || c.protocol === 'SASL_SSL') {
    lines.push('ssl.truststore.type=PKCS12', `ssl.truststore.location=${certs.truststore}`, `ssl.truststore.password=${STORE_PASSWORD}`)
    if (c.cert !== '') lines.push('ssl.keystore.type=PKCS12', `ssl.keystore.location=${certs.clientP12}`, `ssl.keystore.password=${STORE_PASSWORD}`, `ssl.key.password=${STORE_PASSWORD}`)
  }
  if (c.mechanism !== '') {
    const module = c.mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule'
    lines.push(`sasl.mechanism=${c.mechanism}`, `sasl.jaas.config=${module} required username="${c.username}" password="${c.password}";`)
  }
  return lines.join('\n') + '\n'
}

export function writeJavaProperties (c: Cell, certs: Certs, dir: string): string {
  const file = path.join(dir, `${c.mode}-${c.username || 'cert'}-${Math.random().toString(36).slice(2, 8)}.properties`)
  fs.writeFileSync(file, javaProperties(c, certs))
  return file
}

export const valueOf = (c: Cell, i: number): string => `${c.mode}-value-${i}`

/** Throws unless `values` are exactly the cell's records in order. */
export function checkValues (c: Cell, values: string[]): string {
  if (values.length !== c.count) throw new Error(`consumed ${values.length} of ${c.count} records`)
  values.forEach((v, i) => { if (v !== valueOf(c, i)) throw new Error(`record ${i} is ${JSON.stringify(v)}`) })
  return `produced ${c.count}, consumed ${c.count}`
}

// ------------------------------------------------------------------------------------------ in-process

const withTimeout = async <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms) })])
  } finally { clearTimeout(timer) }
}

/** kafkajs client options for a cell (ssl: CA, plus cert/key for mTLS; sasl: mechanism in kafkajs' spelling). */
export function kafkajsOptions (c: Cell): Record<string, unknown> {
  const [host, port] = c.bootstrap.split(':')
  const o: Record<string, unknown> = { clientId: `sec-${c.mode}`, brokers: [`${host}:${port}`], logLevel: 0, retry: { retries: 2, initialRetryTime: 200 }, connectionTimeout: 10_000, authenticationTimeout: 10_000 }
  if (c.protocol === 'SSL' || c.protocol === 'SASL_SSL') {
    o.ssl = { ca: [fs.readFileSync(c.ca)], ...(c.cert !== '' ? { cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key) } : {}) }
  }
  if (c.mechanism !== '') o.sasl = { mechanism: c.mechanism.toLowerCase(), username: c.username, password: c.password }
  return o
}

export async function kafkajsCell (c: Cell): Promise<string> {
  const { Kafka } = await import('kafkajs')
  const kafka = new Kafka(kafkajsOptions(c) as any)
  const producer = kafka.producer()
  try {
    await withTimeout(producer.connect(), 20_000, 'producer connect')
    await withTimeout(producer.send({ topic: c.topic, acks: -1, messages: Array.from({ length: c.count }, (_, i) => ({ key: `k-${i}`, value: valueOf(c, i) })) }), 20_000, 'produce')
  } finally { await producer.disconnect().catch(() => {}) }
  const consumer = kafka.consumer({ groupId: `sec-kafkajs-${c.mode}-${Date.now()}`, maxWaitTimeInMs: 200 })
  const values: string[] = []
  try {
    await withTimeout(consumer.connect(), 20_000, 'consumer connect')
    await consumer.subscribe({ topic: c.topic, fromBeginning: true })
    let done!: () => void
    const all = new Promise<void>(resolve => { done = resolve })
    await consumer.run({ eachMessage: async ({ message }) => { values.push(String(message.value)); if (values.length >= c.count) done() } })
    await withTimeout(all, 20_000, `consume (${values.length} of ${c.count})`)
  } finally { await consumer.disconnect().catch(() => {}) }
  return checkValues(c, values)
}

export async function platformaticCell (c: Cell): Promise<string> {
  const plt = await import('@platformatic/kafka')
  const conn: Record<string, unknown> = { bootstrapBrokers: [c.bootstrap], connectTimeout: 10_000, requestTimeout: 15_000, retries: 2 }
  if (c.protocol === 'SSL' || c.protocol === 'SASL_SSL') {
    conn.tls = { ca: [fs.readFileSync(c.ca)], ...(c.cert !== '' ? { cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key) } : {}) }
  }
  if (c.mechanism !== '') conn.sasl = { mechanism: c.mechanism, username: c.username, password: c.password }
  const producer: any = new plt.Producer({ clientId: `sec-plt-${c.mode}`, ...conn, serializers: plt.stringSerializers, acks: plt.ProduceAcks.ALL } as any)
  try {
    await withTimeout(producer.send({ messages: Array.from({ length: c.count }, (_, i) => ({ topic: c.topic, key: `k-${i}`, value: valueOf(c, i) })) }), 20_000, 'produce')
  } finally { await producer.close().catch(() => {}) }
  const consumer: any = new plt.Consumer({ groupId: `sec-plt-${c.mode}-${Date.now()}`, clientId: `sec-plt-${c.mode}`, ...conn, deserializers: plt.stringDeserializers, maxWaitTime: 300 } as any)
  const values: string[] = []
  try {
    const stream = await withTimeout(consumer.consume({ autocommit: false, topics: [c.topic], sessionTimeout: 10_000, heartbeatInterval: 500, mode: 'earliest' } as any), 20_000, 'consumer join')
    const deadline = Date.now() + 20_000
    await withTimeout((async () => {
      for await (const m of stream as AsyncIterable<{ value: unknown }>) {
        values.push(String(m.value))
        if (values.length >= c.count || Date.now() > deadline) break
      }
    })(), 22_000, `consume (${values.length} of ${c.count})`)
    await (stream as any).close().catch(() => {})
  } finally { await consumer.close(true).catch(() => {}) }
  return checkValues(c, values)
}

// ------------------------------------------------------------------------------------------ kcat

export function kcatArgs (c: Cell): string[] {
  const a = ['-b', c.bootstrap, '-X', `security.protocol=${c.protocol.toLowerCase()}`]
  if (c.protocol === 'SSL' || c.protocol === 'SASL_SSL') {
    a.push('-X', `ssl.ca.location=${c.ca}`)
    if (c.cert !== '') a.push('-X', `ssl.certificate.location=${c.cert}`, '-X', `ssl.key.location=${c.key}`)
  }
  if (c.mechanism !== '') a.push('-X', `sasl.mechanism=${c.mechanism}`, '-X', `sasl.username=${c.username}`, '-X', `sasl.password=${c.password}`)
  return a
}

export async function kcatCell (c: Cell): Promise<string> {
  const input = Array.from({ length: c.count }, (_, i) => `k-${i}:${valueOf(c, i)}\n`).join('')
  const p = await run('kcat', [...kcatArgs(c), '-P', '-t', c.topic, '-K', ':', '-X', 'message.timeout.ms=20000'], { input, timeoutMs: 40_000 })
  if (p.code !== 0) throw new Error(`kcat -P exited ${p.code}: ${tail(p.stderr, 5)}`)
  const r = await run('kcat', [...kcatArgs(c), '-C', '-t', c.topic, '-p', '0', '-o', 'beginning', '-c', String(c.count), '-e', '-q', '-f', '%s\n'], { timeoutMs: 30_000 })
  if (r.code !== 0) throw new Error(`kcat -C exited ${r.code}: ${tail(r.stderr, 5)}`)
  return checkValues(c, r.stdout.split('\n').filter(l => l !== ''))
}

// ------------------------------------------------------------------------------------------ peers' output

export type CellResult = { ok: true, detail: string } | { ok: false, detail: string }

/** `ok MODE ...` / `not ok MODE: DETAIL` lines of a peer program -> result per mode; modes not reported fail. */
export function peerResults (modes: readonly string[], r: RunResult): Map<string, CellResult> {
  const out = new Map<string, CellResult>()
  for (const line of r.stdout.split('\n')) {
    let m: RegExpExecArray | null
    if ((m = /^ok (\S+) ?(.*)$/.exec(line)) !== null) out.set(m[1], { ok: true, detail: m[2] })
    else if ((m = /^not ok ([^\s:]+)\s*:?\s*(.*)$/.exec(line)) !== null) out.set(m[1], { ok: false, detail: m[2] })
  }
  for (const mode of modes) {
    if (!out.has(mode)) out.set(mode, { ok: false, detail: `no result (exit ${r.code ?? r.signal}): ${tail(r.stderr + r.stdout, 8).replace(/\s+/g, ' ').slice(0, 800)}` })
  }
  return out
}

export { KAFKA_SH }
