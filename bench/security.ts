// What TLS + SASL cost, on Samsa and on Apache Kafka 3.9.1, side by side in one run (bench/results/security.md):
//  - produce and consume throughput over PLAINTEXT and over SASL_SSL with SCRAM-SHA-512, with Kafka's
//    ProducerPerformance / ConsumerPerformance (--producer.config / --consumer.config carry the security
//    settings) and with @platformatic/kafka (in this process);
//  - the TLS handshake rate: new TLS connections per second (node:tls, with the client certificate, to the SSL
//    listener with ssl.client.auth=required), the same Node client against both brokers.
// Both brokers get the same settings (test/compat/interop/lib/secure.ts: PKCS12 stores, PLAIN users in JAAS,
// SCRAM, StandardAuthorizer), run at the same time on 127.0.0.1, each measured while the other idles; the order
// alternates row to row. The figure that matters is the ratio: Samsa's SASL_SSL/PLAINTEXT against Kafka's.
//
//   npx tsx bench/security.ts [--records N] [--size BYTES] [--reps R] [--handshake-seconds S] [--out FILE]
// Each cell runs R times (default 2), broker order A B B A ...; the table gives the mean.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { spawn, type ChildProcess } from 'node:child_process'
import { brokerSecurityProps, cellFor, kafkaStartArgs, makeCerts, writeJavaProperties, USERS, type Certs, type Endpoints } from '../test/compat/interop/lib/secure.js'
import { KAFKA_SH, REPO, run, tail } from '../test/compat/interop/lib/common.js'

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def }
const RECORDS = arg('records', 200_000)
const SIZE = arg('size', 1024)
const NODE_RECORDS = Math.min(RECORDS, 50_000)
const HANDSHAKE_S = arg('handshake-seconds', 5)
const REPS = arg('reps', 2)
const outIdx = process.argv.indexOf('--out')
const OUT = outIdx > 0 ? process.argv[outIdx + 1] : path.join(REPO, 'bench/results/security.md')
const SAMSA_LOG = path.join(os.tmpdir(), `samsa-bench-security-${process.pid}.log`)
const TOOL_OPTS = '-Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-sec-'))
let samsaChild: ChildProcess | undefined
let kafkaDir: string | undefined
let certsDir: string | undefined
async function cleanup (): Promise<void> {
  samsaChild?.kill('SIGTERM')
  if (kafkaDir !== undefined) await run(KAFKA_SH, ['stop', '--dir', kafkaDir], { timeoutMs: 60_000 })
  fs.rmSync(tmp, { recursive: true, force: true })
  if (certsDir !== undefined) fs.rmSync(certsDir, { recursive: true, force: true })
}
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)) })

interface Broker { name: string, ep: Endpoints }

async function startSamsa (certs: Certs): Promise<Broker> {
  const config = { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL', ...brokerSecurityProps(certs) }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/security-samsa.ts'), JSON.stringify(config), path.join(tmp, 'samsa-data')], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] })
  samsaChild = child
  // Samsa's warnings (log level warn) go to a file: counted in the report, not mixed into the output
  const log = fs.createWriteStream(SAMSA_LOG)
  child.stderr!.pipe(log)
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; const m = /^listeners (.*)$/m.exec(out); if (m !== null) resolve(m[1]) })
    child.once('exit', code => reject(new Error(`Samsa exited with ${code}`)))
    setTimeout(() => reject(new Error('Samsa did not start in 60 s')), 60_000).unref()
  })
  const by = new Map((JSON.parse(line) as Array<{ name: string, address: string }>).map(l => [l.name, l.address]))
  return { name: 'Samsa', ep: { plaintext: by.get('PLAINTEXT')!, saslSsl: by.get('SASL_SSL')!, ssl: by.get('SSL')! } }
}

async function startKafka (certs: Certs): Promise<Broker> {
  kafkaDir = path.join(tmp, 'kafka')
  fs.mkdirSync(kafkaDir)
  const r = await run(KAFKA_SH, ['start', '--dir', kafkaDir, ...kafkaStartArgs(certs), '--scram-user', `SCRAM-SHA-512:alice:${USERS.alice}`], { timeoutMs: 180_000 })
  const ls = new Map([...r.stdout.matchAll(/^listener (\S+) (\S+)$/gm)].map(m => [m[1], m[2]]))
  if (r.code !== 0 || ls.size < 3) throw new Error(`Kafka did not start: ${tail(r.stderr + r.stdout)}`)
  return { name: 'Kafka 3.9.1', ep: { plaintext: ls.get('PLAINTEXT')!, saslSsl: ls.get('SASL_SSL')!, ssl: ls.get('SSL')! } }
}

async function tool (main: string, args: string[]): Promise<string> {
  const r = await run(KAFKA_SH, ['run', main, ...args], { timeoutMs: 300_000, env: { KAFKA_TOOL_OPTS: TOOL_OPTS } })
  if (r.code !== 0) throw new Error(`${main} exited ${r.code}: ${tail(r.stderr + r.stdout, 10)}`)
  return r.stdout
}

type Mode = 'PLAINTEXT' | 'SASL_SSL'
function clientProps (b: Broker, mode: Mode, certs: Certs): { bootstrap: string, file: string } {
  if (mode === 'PLAINTEXT') {
    const file = path.join(tmp, 'plaintext.properties')
    fs.writeFileSync(file, 'security.protocol=PLAINTEXT\n')
    return { bootstrap: b.ep.plaintext, file }
  }
  return { bootstrap: b.ep.saslSsl, file: writeJavaProperties(cellFor('scram', b.ep, certs, '', 0), certs, tmp) }
}

async function producerPerf (b: Broker, mode: Mode, certs: Certs, topic: string): Promise<number> {
  const { bootstrap, file } = clientProps(b, mode, certs)
  const out = await tool('org.apache.kafka.tools.ProducerPerformance', ['--topic', topic, '--num-records', String(RECORDS), '--record-size', String(SIZE),
    '--throughput', '-1', '--producer.config', file, '--producer-props', 'acks=1', `bootstrap.servers=${bootstrap}`])
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(out)
  if (m === null) throw new Error(`ProducerPerformance: no summary in ${tail(out, 5)}`)
  return Number(m[3])
}

async function consumerPerf (b: Broker, mode: Mode, certs: Certs, topic: string): Promise<number> {
  const { bootstrap, file } = clientProps(b, mode, certs)
  const out = await tool('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(RECORDS), '--timeout', '60000', '--consumer.config', file])
  const lines = out.trim().split('\n')
  const h = lines.findIndex(l => l.startsWith('start.time'))
  if (h < 0) throw new Error(`ConsumerPerformance: no result in ${tail(out, 5)}`)
  const names = lines[h].split(',').map(s => s.trim())
  const vals = lines[h + 1].split(',').map(s => s.trim())
  if (Number(vals[names.indexOf('data.consumed.in.nMsg')]) < RECORDS) throw new Error(`ConsumerPerformance read ${vals[names.indexOf('data.consumed.in.nMsg')]} of ${RECORDS}`)
  return Number(vals[names.indexOf('fetch.MB.sec')])
}

function pltConn (b: Broker, mode: Mode, certs: Certs): Record<string, unknown> {
  if (mode === 'PLAINTEXT') return { bootstrapBrokers: [b.ep.plaintext] }
  return { bootstrapBrokers: [b.ep.saslSsl], tls: { ca: [fs.readFileSync(certs.ca)] }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: USERS.alice } }
}

async function nodeProduce (b: Broker, mode: Mode, certs: Certs, topic: string): Promise<number> {
  const plt = await import('@platformatic/kafka')
  const producer: any = new plt.Producer({ clientId: 'bench-sec', ...pltConn(b, mode, certs), acks: plt.ProduceAcks.LEADER } as any)
  const value = Buffer.alloc(SIZE, 120)
  const batch = 200
  const t0 = performance.now()
  const inflight: Array<Promise<unknown>> = []
  for (let sent = 0; sent < NODE_RECORDS; sent += batch) {
    inflight.push(producer.send({ messages: Array.from({ length: Math.min(batch, NODE_RECORDS - sent) }, () => ({ topic, value })) }))
    if (inflight.length >= 5) await inflight.shift()
  }
  await Promise.all(inflight)
  const s = (performance.now() - t0) / 1000
  await producer.close()
  return NODE_RECORDS * SIZE / 1048576 / s
}

async function nodeConsume (b: Broker, mode: Mode, certs: Certs, topic: string): Promise<number> {
  const plt = await import('@platformatic/kafka')
  const consumer: any = new plt.Consumer({ groupId: `bench-sec-${Date.now()}`, clientId: 'bench-sec', ...pltConn(b, mode, certs), maxWaitTime: 200 } as any)
  const stream = await consumer.consume({ autocommit: false, topics: [topic], mode: 'earliest', sessionTimeout: 10_000, heartbeatInterval: 1000 })
  let n = 0
  let t0 = 0
  const deadline = Date.now() + 120_000
  for await (const _m of stream as AsyncIterable<unknown>) {
    if (n === 0) t0 = performance.now() // after the group join, as ConsumerPerformance's fetch rate
    if (++n >= NODE_RECORDS || Date.now() > deadline) break
  }
  const s = (performance.now() - t0) / 1000
  await stream.close().catch(() => {})
  await consumer.close(true).catch(() => {})
  if (n < NODE_RECORDS) throw new Error(`consumed ${n} of ${NODE_RECORDS}`)
  return NODE_RECORDS * SIZE / 1048576 / s
}

/** New TLS connections per second (full handshake with the client certificate, then closed), 8 at a time. */
async function handshakes (b: Broker, certs: Certs): Promise<number> {
  const [host, port] = b.ep.ssl.split(':')
  const opts = { host, port: Number(port), ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), servername: 'localhost' }
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    const s = tls.connect(opts, () => { s.destroy(); resolve() })
    s.once('error', reject)
  })
  const end = performance.now() + HANDSHAKE_S * 1000
  let done = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: 8 }, async () => { while (performance.now() < end) { await one(); done++ } }))
  return done / ((performance.now() - t0) / 1000)
}

async function createTopics (b: Broker, topics: string[]): Promise<void> {
  const { Kafka } = await import('kafkajs')
  const admin = new Kafka({ clientId: 'bench-sec', brokers: [b.ep.plaintext], logLevel: 0 }).admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: topics.map(topic => ({ topic, numPartitions: 1, replicationFactor: 1 })) })
  await admin.disconnect()
}

interface Row { name: string, unit: string, fn: (b: Broker, mode: Mode) => Promise<number> }

async function main (): Promise<void> {
  const certs = await makeCerts()
  certsDir = certs.dir
  const [kafka, samsa] = await Promise.all([startKafka(certs), startSamsa(certs)])
  // alice's SCRAM credential on Samsa with Kafka's tool (Kafka got it at format time)
  const adminProps = writeJavaProperties(cellFor('plain', samsa.ep, certs, '', 0, 'admin'), certs, tmp)
  await tool('kafka.admin.ConfigCommand', ['--bootstrap-server', samsa.ep.saslSsl, '--command-config', adminProps, '--alter', '--add-config', `SCRAM-SHA-512=[password=${USERS.alice}]`, '--entity-type', 'users', '--entity-name', 'alice'])
  const brokers = [kafka, samsa]
  const topics = ['perf-PLAINTEXT', 'perf-SASL_SSL', 'node-PLAINTEXT', 'node-SASL_SSL']
  await Promise.all(brokers.map(async b => await createTopics(b, [...topics, 'warmup'])))
  for (const b of brokers) await producerPerf(b, 'PLAINTEXT', certs, 'warmup') // unmeasured JIT / V8 warm-up
  const rows: Row[] = [
    { name: `ProducerPerformance ${RECORDS} x ${SIZE} B, acks=1`, unit: 'MB/s', fn: async (b, m) => await producerPerf(b, m, certs, `perf-${m}`) },
    { name: `ConsumerPerformance ${RECORDS} x ${SIZE} B`, unit: 'MB/s', fn: async (b, m) => await consumerPerf(b, m, certs, `perf-${m}`) },
    { name: `@platformatic/kafka produce ${NODE_RECORDS} x ${SIZE} B, acks=1`, unit: 'MB/s', fn: async (b, m) => await nodeProduce(b, m, certs, `node-${m}`) },
    { name: `@platformatic/kafka consume ${NODE_RECORDS} x ${SIZE} B`, unit: 'MB/s', fn: async (b, m) => await nodeConsume(b, m, certs, `node-${m}`) }
  ]
  const runLines: string[] = []
  const results: Array<{ row: string, unit: string, v: Record<string, Record<Mode, number>> }> = []
  for (const [i, row] of rows.entries()) {
    const runs: Record<string, Record<Mode, number[]>> = {}
    for (let rep = 0; rep < REPS; rep++) {
      const order = (i + rep) % 2 === 0 ? brokers : [...brokers].reverse()
      for (const b of order) {
        runs[b.name] ??= { PLAINTEXT: [], SASL_SSL: [] }
        const p = await row.fn(b, 'PLAINTEXT')
        const t = await row.fn(b, 'SASL_SSL')
        runs[b.name].PLAINTEXT.push(p)
        runs[b.name].SASL_SSL.push(t)
        const line = `${row.name} ${b.name} run ${rep + 1}: PLAINTEXT ${p.toFixed(1)}, SASL_SSL ${t.toFixed(1)} ${row.unit}`
        runLines.push(line)
        process.stderr.write(line + '\n')
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length
    const v: Record<string, Record<Mode, number>> = {}
    for (const [name, r] of Object.entries(runs)) v[name] = { PLAINTEXT: mean(r.PLAINTEXT), SASL_SSL: mean(r.SASL_SSL) }
    results.push({ row: row.name, unit: row.unit, v })
  }
  const hs: Record<string, number> = {}
  for (const b of [samsa, kafka]) { await handshakes(b, certs); hs[b.name] = await handshakes(b, certs) } // first pass warms up
  process.stderr.write(`TLS handshakes/s: ${JSON.stringify(hs)}\n`)
  const f = (x: number): string => x.toFixed(1)
  const load = os.loadavg().map(x => x.toFixed(2)).join(' ')
  const md = [
    '# TLS + SASL cost: Samsa vs Apache Kafka 3.9.1',
    '',
    `Run ${new Date().toISOString()} with \`npx tsx bench/security.ts\` (bench/security.ts); ${os.cpus().length} cores (shared with other work: load average at the end ${load}), Node ${process.version}.`,
    `Both brokers on 127.0.0.1 with the same security settings (PKCS12 stores, RSA 2048 certificates, SASL_SSL with SCRAM-SHA-512 as alice, SSL with client auth required; StandardAuthorizer with allow.everyone.if.no.acl.found=true), Samsa with fsync never (Kafka's default durability), one partition per topic; each cell the mean of ${REPS} runs, broker order A B B A alternating per row (a topic is written again by each produce run; the consumer rows read the first ${RECORDS} records).`,
    'TLS cost = SASL_SSL / PLAINTEXT throughput of the same broker (1.00 = free). Cost ratio = Samsa\'s TLS cost / Kafka\'s TLS cost: >= 1.00 means TLS costs Samsa no more, as a ratio, than it costs Kafka.',
    '',
    '| row | Kafka PLAINTEXT | Kafka SASL_SSL | Kafka TLS cost | Samsa PLAINTEXT | Samsa SASL_SSL | Samsa TLS cost | cost ratio (Samsa/Kafka) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(r => {
      const k = r.v[kafka.name]; const s = r.v[samsa.name]
      const kc = k.SASL_SSL / k.PLAINTEXT; const sc = s.SASL_SSL / s.PLAINTEXT
      return `| ${r.row} (${r.unit}) | ${f(k.PLAINTEXT)} | ${f(k.SASL_SSL)} | ${kc.toFixed(2)} | ${f(s.PLAINTEXT)} | ${f(s.SASL_SSL)} | ${sc.toFixed(2)} | ${(sc / kc).toFixed(2)} |`
    }),
    '',
    `Samsa's log (level warn) during the run: ${fs.existsSync(SAMSA_LOG) ? fs.readFileSync(SAMSA_LOG, 'utf8').split('\n').filter(l => l !== '').length : 0} lines (${SAMSA_LOG}).`,
    '',
    'Every run, in the order run (on a shared 2-core machine the spread between runs of one cell is often larger than the differences between brokers: read the cost ratios as within about +-40%):',
    '',
    '```',
    ...runLines,
    '```',
    '',
    `TLS handshake rate (node:tls client with the client certificate to the SSL listener, 8 concurrent, ${HANDSHAKE_S} s after a warm-up pass): Kafka ${f(hs[kafka.name])}/s, Samsa ${f(hs[samsa.name])}/s, Samsa/Kafka ${(hs[samsa.name] / hs[kafka.name]).toFixed(2)}.`,
    ''
  ].join('\n')
  fs.writeFileSync(OUT, md)
  process.stdout.write(md)
}

try { await main() } finally { await cleanup() }
