// The security interop matrix: every client in each mode -- SASL_SSL with SCRAM-SHA-512, SASL_SSL with PLAIN,
// SSL with mTLS (client auth required) -- produces 30 records and reads them back (count and content), against
// Apache Kafka 3.9.1 (the control) and Samsa side by side, both configured with the same Kafka keys
// (lib/secure.ts brokerSecurityProps; Kafka through scripts/kafka/kafka.sh's flags). Plus Kafka's tools with
// --command-config: kafka-configs.sh makes alice's SCRAM-SHA-512 credential (the scram column depends on it) and
// describes it; kafka-acls.sh --add/--list/--remove and the effect of each on a real client (kafkajs as alice:
// denied produce -> allowed after --add -> denied after --remove), and a DENY for the mTLS principal (the client
// certificate's DN, User:CN=alice,OU=interop,O=Samsa,C=US) refusing the mTLS client.
//
// Clients: kafkajs, @platformatic/kafka (in-process), kcat, confluent-kafka (librdkafka), kafka-python, franz-go,
// the Java client 3.9.1 and 4.4.0 (test/compat/interop/java Secure.java). A client whose toolchain is missing is
// skipped with its reason; the Kafka column is skipped without java/mvn. Each broker starts once; the clients run
// a few at a time. The result table is printed as TAP comments and, with SAMSA_MATRIX_OUT=FILE, written there
// as Markdown (docs-draft/interop.md). SAMSA_MATRIX_LOG=FILE writes Samsa's log (info) there.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { pino } from 'pino'
import { withBroker } from '../../helpers/broker.js'
import { CACHE, INTEROP, ensureKafka, filesUnder, fingerprint, hasCommand, kafkaTool, prepared, run, tail, type Prepared, type RunResult } from './lib/common.js'
import {
  MODES, USERS, brokerSecurityProps, cellFor, kafkaStartArgs, kafkajsCell, kafkajsOptions, kcatCell, makeCerts, peerResults,
  platformaticCell, writeJavaProperties, KAFKA_SH, type Cell, type CellResult, type Certs, type Endpoints, type Mode
} from './lib/secure.js'

t.setTimeout(12 * 60_000)
const COUNT = 30
const T0 = Date.now()
/** SAMSA_MATRIX_VERBOSE=1: progress on stderr. */
const progress = (msg: string): void => { if (process.env.SAMSA_MATRIX_VERBOSE !== undefined) process.stderr.write(`[matrix +${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`) }
/** SAMSA_MATRIX_TARGETS=kafka|samsa: one column only (default both). */
const TARGETS = (process.env.SAMSA_MATRIX_TARGETS ?? 'kafka,samsa').split(',')

// ------------------------------------------------------------------------------------------ the peers

const JAVA_VERSIONS = (process.env.SAMSA_JAVA_CLIENTS ?? '3.9.1,4.4.0').split(',').map(v => v.trim()).filter(v => v !== '')
const GO_SRC = path.join(INTEROP, 'go')
const GO_BIN = path.join(CACHE, 'interop-go', 'interop')
const VENV_PY = path.join(CACHE, 'venv-kafka-python', 'bin', 'python')
const SECURE_PY = path.join(INTEROP, 'python', 'secure_interop.py')

async function buildJava (version: string): Promise<Prepared> {
  if (!hasCommand('java', ['-version'])) return { ok: false, reason: 'java is not installed' }
  if (!hasCommand('mvn', ['-v'])) return { ok: false, reason: 'Maven is not installed' }
  const dir = path.join(CACHE, 'interop-java', version)
  const src = path.join(INTEROP, 'java')
  const stamp = path.join(dir, '.source-hash')
  // the same build (and stamp) as java.test.ts: one program, Interop and Secure mains
  const hash = fingerprint(filesUnder(src).map(file => ({ file }))) + ' ' + version
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(path.join(dir, 'classpath'))) return { ok: true }
  const r = await run('mvn', ['-B', '-q', '-f', path.join(src, 'pom.xml'), `-Dkafka.version=${version}`, `-Dsamsa.build.dir=${dir}`, 'package'], { timeoutMs: 600_000 })
  const p = prepared(`building the Java interop program (kafka-clients ${version})`, r)
  if (p.ok) fs.writeFileSync(stamp, hash)
  return p
}

async function buildGo (): Promise<Prepared> {
  if (!hasCommand('go', ['version'])) return { ok: false, reason: 'Go is not installed' }
  fs.mkdirSync(path.dirname(GO_BIN), { recursive: true })
  const stamp = path.join(path.dirname(GO_BIN), '.source-hash')
  const hash = fingerprint(filesUnder(GO_SRC).map(file => ({ file })))
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(GO_BIN)) return { ok: true }
  const r = await run('go', ['build', '-o', GO_BIN, '.'], { cwd: GO_SRC, timeoutMs: 600_000, env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' } })
  const p = prepared('building the franz-go interop program', r)
  if (p.ok) fs.writeFileSync(stamp, hash)
  return p
}

const confluentProbe = spawnSync('/usr/bin/python3', ['-c', 'import confluent_kafka; print(confluent_kafka.libversion()[0])'], { encoding: 'utf8' })

/** Each client: how to run a list of cells against one broker; null = skipped with reason. */
interface Client { name: string, skip: string | false, runCells: (cells: Cell[], certs: Certs, tmp: string) => Promise<Map<string, CellResult>> }

const inProcess = (fn: (c: Cell) => Promise<string>) => async (cells: Cell[]): Promise<Map<string, CellResult>> => {
  const out = new Map<string, CellResult>()
  for (const c of cells) {
    try { out.set(c.mode, { ok: true, detail: await fn(c) }) } catch (e) { out.set(c.mode, { ok: false, detail: errText(e) }) }
  }
  return out
}

function errText (e: unknown): string {
  const err = e as Error & { type?: string, cause?: unknown, originalError?: unknown }
  let s = `${err?.name ?? 'Error'}${err?.type !== undefined ? ` ${err.type}` : ''}: ${err?.message ?? String(e)}`
  if (err?.cause !== undefined) s += ` <- ${errText(err.cause)}`
  return s.replace(/\s+/g, ' ').slice(0, 800)
}

const clients: Client[] = []
async function prepareClients (): Promise<void> {
  clients.push({ name: 'kafkajs 2.2.4', skip: false, runCells: inProcess(kafkajsCell) })
  let plt = true
  try { await import('@platformatic/kafka') } catch { plt = false }
  clients.push({ name: '@platformatic/kafka', skip: plt ? false : '@platformatic/kafka is not installed', runCells: inProcess(platformaticCell) })
  clients.push({ name: 'kcat (librdkafka)', skip: hasCommand('kcat', ['-V']) ? false : 'kcat is not installed (apt-get install kcat)', runCells: inProcess(kcatCell) })
  const py = (lib: string, bin: string) => async (cells: Cell[], _certs: Certs, tmp: string) => {
    const file = path.join(tmp, `cells-${lib}-${Math.random().toString(36).slice(2, 8)}.json`)
    fs.writeFileSync(file, JSON.stringify(cells))
    return peerResults(cells.map(c => c.mode), await run(bin, [SECURE_PY, lib, file], { timeoutMs: 240_000, env: { PYTHONUNBUFFERED: '1' } }))
  }
  clients.push({ name: `confluent-kafka (librdkafka ${confluentProbe.stdout.trim()})`, skip: confluentProbe.status === 0 ? false : 'confluent_kafka is not importable by /usr/bin/python3', runCells: py('confluent', '/usr/bin/python3') })
  clients.push({ name: 'kafka-python', skip: fs.existsSync(VENV_PY) ? false : 'the kafka-python venv is missing (run test/compat/interop/kafka-python.test.ts once)', runCells: py('kafka-python', VENV_PY) })
  const [go, ...javas] = await Promise.all([buildGo(), ...JAVA_VERSIONS.map(buildJava)])
  if (go.error !== undefined) t.fail(go.error)
  clients.push({
    name: 'franz-go',
    skip: go.ok ? false : go.reason ?? 'the franz-go program did not build',
    runCells: async (cells, _certs, tmp) => {
      const file = path.join(tmp, `cells-go-${Math.random().toString(36).slice(2, 8)}.json`)
      fs.writeFileSync(file, JSON.stringify(cells))
      return peerResults(cells.map(c => c.mode), await run(GO_BIN, ['secure', file], { timeoutMs: 240_000 }))
    }
  })
  JAVA_VERSIONS.forEach((version, i) => {
    const ready = javas[i]
    if (ready.error !== undefined) t.fail(ready.error)
    const dir = path.join(CACHE, 'interop-java', version)
    clients.push({
      name: `Java client ${version}`,
      skip: ready.ok ? false : ready.reason ?? 'the Java program did not build',
      runCells: async (cells, certs, tmp) => {
        const cp = [path.join(dir, 'java-client-interop-1.0.jar'), fs.readFileSync(path.join(dir, 'classpath'), 'utf8').trim()].join(':')
        const args = cells.flatMap(c => [c.mode, c.bootstrap, c.topic, String(c.count), writeJavaProperties(c, certs, tmp)])
        return peerResults(cells.map(c => c.mode), await run('java', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=error', '-cp', cp, 'samsa.interop.Secure', ...args], { timeoutMs: 240_000 }))
      }
    })
  })
}

// ------------------------------------------------------------------------------------------ the brokers

interface Target { name: string, skip: string | false, ep?: Endpoints, error?: string }

/** At most `n` tasks at a time (2 cores shared with the brokers). */
function limiter (n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: Array<() => void> = []
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>(resolve => queue.push(resolve))
    active++
    try { return await fn() } finally { active--; queue.shift()?.() }
  }
}
const limit = limiter(Number(process.env.SAMSA_MATRIX_PARALLEL ?? 3))

function toolOk (r: RunResult): string | undefined {
  return r.code === 0 ? undefined : `exit ${r.code}: ${tail(r.stderr + r.stdout, 6).replace(/\s+/g, ' ').slice(0, 800)}`
}

async function createTopics (ep: Endpoints, topics: string[]): Promise<void> {
  const { Kafka } = await import('kafkajs')
  const admin = new Kafka({ clientId: 'sec-setup', brokers: [ep.plaintext], logLevel: 0 }).admin()
  await admin.connect()
  try { await admin.createTopics({ waitForLeaders: true, topics: topics.map(topic => ({ topic, numPartitions: 1, replicationFactor: 1 })) }) } finally { await admin.disconnect() }
}

/** kafka-configs.sh with the admin's PLAIN login (--command-config) makes alice's SCRAM-SHA-512 credential. */
async function scramSetup (ep: Endpoints, certs: Certs, tmp: string): Promise<{ alter?: string, describe?: string, login?: string }> {
  const adminProps = writeJavaProperties(cellFor('plain', ep, certs, '', 0, 'admin'), certs, tmp)
  const BS = ['--bootstrap-server', ep.saslSsl, '--command-config', adminProps]
  const out: { alter?: string, describe?: string, login?: string } = {}
  const r = await kafkaTool('configs', [...BS, '--alter', '--add-config', `SCRAM-SHA-512=[iterations=8192,password=${USERS.alice}]`, '--entity-type', 'users', '--entity-name', 'alice'])
  out.alter = toolOk(r) ?? (/Completed updating config for user alice/.test(r.stdout) ? undefined : `unexpected output: ${tail(r.stdout, 3)}`)
  const d = await kafkaTool('configs', [...BS, '--describe', '--entity-type', 'users', '--entity-name', 'alice'])
  out.describe = toolOk(d) ?? (/SCRAM-SHA-512=iterations=8192/.test(d.stdout) ? undefined : `describe shows no SCRAM-SHA-512=iterations=8192: ${tail(d.stdout, 3)}`)
  // Kafka applies the credential through its metadata log: wait (bounded) until alice can log in.
  const { Kafka } = await import('kafkajs')
  const deadline = Date.now() + 15_000
  for (;;) {
    const admin = new Kafka({ ...kafkajsOptions(cellFor('scram', ep, certs, '', 0)), retry: { retries: 0 } } as any).admin()
    try { await admin.connect(); await admin.disconnect(); out.login = undefined; break } catch (e) {
      out.login = `alice cannot log in with SCRAM-SHA-512: ${errText(e)}`
      if (Date.now() > deadline) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
  return out
}

/** alice (PLAIN, or mTLS with her certificate; kafkajs) produces one record to `topic`: undefined if stored, else the error. */
async function aliceProduce (ep: Endpoints, certs: Certs, topic: string, mode: Mode = 'plain'): Promise<string | undefined> {
  const { Kafka } = await import('kafkajs')
  const producer = new Kafka({ ...kafkajsOptions(cellFor(mode, ep, certs, topic, 1)), retry: { retries: 0 } } as any).producer({ retry: { retries: 0 } })
  try {
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: [{ value: 'acl-probe' }] })
    return undefined
  } catch (e) { return errText(e) } finally { await producer.disconnect().catch(() => {}) }
}

const MTLS_PRINCIPAL = 'User:CN=alice,OU=interop,O=Samsa,C=US'
const DENIED = /TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/i

/** Polls (bounded) until alice's produce is allowed (want undefined) or denied (want 'denied'). */
async function aliceUntil (ep: Endpoints, certs: Certs, topic: string, want: 'allowed' | 'denied', mode: Mode = 'plain'): Promise<string | undefined> {
  const deadline = Date.now() + 15_000
  let last: string | undefined
  for (;;) {
    last = await aliceProduce(ep, certs, topic, mode)
    if (want === 'allowed' ? last === undefined : (last !== undefined && DENIED.test(last))) return undefined
    if (Date.now() > deadline) return want === 'allowed' ? `still refused: ${last}` : `not refused with TOPIC_AUTHORIZATION_FAILED: ${last ?? 'the produce succeeded'}`
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

async function aclFlow (ep: Endpoints, certs: Certs, tmp: string): Promise<Array<[string, string | undefined]>> {
  const adminProps = writeJavaProperties(cellFor('plain', ep, certs, '', 0, 'admin'), certs, tmp)
  const BS = ['--bootstrap-server', ep.saslSsl, '--command-config', adminProps]
  const topic = 'sec-acl'
  const steps: Array<[string, string | undefined]> = []
  steps.push(['kafka-acls --add: admin All on the topic (alice now has no match)', toolOk(await kafkaTool('acls', [...BS, '--add', '--allow-principal', 'User:admin', '--operation', 'All', '--topic', topic]))])
  steps.push(['alice produce denied (TOPIC_AUTHORIZATION_FAILED)', await aliceUntil(ep, certs, topic, 'denied')])
  steps.push(['kafka-acls --add --allow-principal User:alice --operation Write', toolOk(await kafkaTool('acls', [...BS, '--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', topic]))])
  steps.push(['alice produce allowed after --add', await aliceUntil(ep, certs, topic, 'allowed')])
  const l = await kafkaTool('acls', [...BS, '--list', '--topic', topic])
  steps.push(['kafka-acls --list shows both bindings', toolOk(l) ?? (/principal=User:alice, host=\*, operation=WRITE, permissionType=ALLOW/.test(l.stdout) && /principal=User:admin, host=\*, operation=ALL, permissionType=ALLOW/.test(l.stdout) ? undefined : `list output: ${tail(l.stdout, 6).replace(/\s+/g, ' ')}`)])
  steps.push(['kafka-acls --remove alice Write', toolOk(await kafkaTool('acls', [...BS, '--remove', '--force', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', topic]))])
  steps.push(['alice produce denied again after --remove', await aliceUntil(ep, certs, topic, 'denied')])
  const l2 = await kafkaTool('acls', [...BS, '--list', '--topic', topic])
  steps.push(['kafka-acls --list no longer shows alice', toolOk(l2) ?? (/User:alice/.test(l2.stdout) ? `still listed: ${tail(l2.stdout, 4).replace(/\s+/g, ' ')}` : undefined)])
  // The mTLS principal is the certificate's distinguished name in Java's RFC 2253 form (ssl.principal.mapping.rules DEFAULT)
  steps.push(['mTLS client (no ACL on its topic) may produce', await aliceUntil(ep, certs, 'sec-acl-mtls', 'allowed', 'mtls')])
  steps.push(["kafka-acls --add --deny-principal 'User:CN=alice,OU=interop,O=Samsa,C=US' --operation Write", toolOk(await kafkaTool('acls', [...BS, '--add', '--deny-principal', MTLS_PRINCIPAL, '--operation', 'Write', '--topic', 'sec-acl-mtls']))])
  steps.push(['mTLS client denied by the ACL naming its certificate DN', await aliceUntil(ep, certs, 'sec-acl-mtls', 'denied', 'mtls')])
  return steps
}

// ------------------------------------------------------------------------------------------ the run

const tools = ['openssl', 'keytool'].filter(c => !hasCommand(c, c === 'openssl' ? ['version'] : ['-help']))
const certSkip = tools.length > 0 ? `${tools.join(' and ')} not installed: no test certificates` : false

type Results = Map<string, Map<string, Map<string, CellResult>>> // target -> client -> mode -> result
const results: Results = new Map()
const extras = new Map<string, Array<[string, string | undefined]>>() // target -> tool steps

t.test('security interop matrix: Kafka 3.9.1 (control) and Samsa, same settings, same clients', { skip: certSkip }, async t => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-matrix-'))
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const certs = await makeCerts()
  t.teardown(() => fs.rmSync(certs.dir, { recursive: true, force: true }))
  const props = brokerSecurityProps(certs)

  const kafkaTarget = async (): Promise<Target> => {
    const k = await ensureKafka()
    if (!k.ok) return { name: 'Kafka 3.9.1', skip: k.reason ?? k.error ?? 'Kafka unavailable' }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-kafka-'))
    t.teardown(async () => { await run(KAFKA_SH, ['stop', '--dir', dir], { timeoutMs: 60_000 }); fs.rmSync(dir, { recursive: true, force: true }) })
    const r = await run(KAFKA_SH, ['start', '--dir', dir, ...kafkaStartArgs(certs)], { timeoutMs: 180_000 })
    const ls = new Map([...r.stdout.matchAll(/^listener (\S+) (\S+)$/gm)].map(m => [m[1], m[2]]))
    if (r.code !== 0 || ls.size < 3) return { name: 'Kafka 3.9.1', skip: false, error: `Kafka did not start: ${tail(r.stderr + r.stdout)}` }
    const server = fs.readFileSync(path.join(dir, 'server.properties'), 'utf8').split('\n')
    const missing = Object.entries(props).filter(([k, v]) => !server.includes(`${k}=${v}`))
    if (missing.length > 0) t.fail(`Kafka's server.properties lacks the settings Samsa gets: ${missing.map(([k]) => k).join(', ')}`)
    return { name: 'Kafka 3.9.1', skip: false, ep: { plaintext: ls.get('PLAINTEXT')!, saslSsl: ls.get('SASL_SSL')!, ssl: ls.get('SSL')! } }
  }
  const samsaTarget = async (): Promise<Target> => {
    try {
      const logFile = process.env.SAMSA_MATRIX_LOG
      const b = await withBroker(t, {
        ...(logFile !== undefined ? { logger: pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true })) as any } : {}),
        config: { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL', ...props }
      })
      const by = new Map(b.current.listeners.map(l => [l.name, l.address]))
      return { name: 'Samsa', skip: false, ep: { plaintext: by.get('PLAINTEXT')!, saslSsl: by.get('SASL_SSL')!, ssl: by.get('SSL')! } }
    } catch (e) { return { name: 'Samsa', skip: false, error: `Samsa did not start with the security settings: ${errText(e)}` } }
  }
  const [, ...targets] = await Promise.all([
    prepareClients().then(() => progress(`clients ready: ${clients.map(c => `${c.name}${c.skip !== false ? ' (skipped)' : ''}`).join(', ')}`)),
    TARGETS.includes('kafka') ? kafkaTarget().then(x => { progress(`Kafka: ${JSON.stringify(x)}`); return x }) : { name: 'Kafka 3.9.1', skip: 'SAMSA_MATRIX_TARGETS leaves it out' } as Target,
    TARGETS.includes('samsa') ? samsaTarget().then(x => { progress(`Samsa: ${JSON.stringify(x)}`); return x }) : { name: 'Samsa', skip: 'SAMSA_MATRIX_TARGETS leaves it out' } as Target
  ])

  await Promise.all(targets.map(async target => {
    const byClient = new Map<string, Map<string, CellResult>>()
    results.set(target.name, byClient)
    if (target.skip !== false || target.ep === undefined) return
    const ep = target.ep
    const topicOf = (client: string, mode: string): string => `sec-${client.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${mode}`
    try { await createTopics(ep, ['sec-acl', 'sec-acl-mtls', ...clients.flatMap(c => MODES.map(m => topicOf(c.name, m)))]) } catch (e) { target.error = `creating the topics over PLAINTEXT failed: ${errText(e)}`; return }
    progress(`${target.name}: topics created`)
    const scram = await scramSetup(ep, certs, tmp)
    progress(`${target.name}: kafka-configs done ${JSON.stringify(scram)}`)
    const steps: Array<[string, string | undefined]> = [
      ['kafka-configs --alter --add-config SCRAM-SHA-512=[iterations=8192,password=...] --entity-type users --entity-name alice', scram.alter],
      ['kafka-configs --describe --entity-type users shows SCRAM-SHA-512=iterations=8192', scram.describe],
      ['alice logs in with SCRAM-SHA-512 after kafka-configs', scram.login]
    ]
    extras.set(target.name, steps)
    await Promise.all(clients.filter(c => c.skip === false).map(c => limit(async () => {
      const cells = MODES.map(m => cellFor(m, ep, certs, topicOf(c.name, m), COUNT))
      progress(`${target.name}: ${c.name} starts`)
      try { byClient.set(c.name, await c.runCells(cells, certs, tmp)) } catch (e) {
        byClient.set(c.name, new Map(MODES.map(m => [m, { ok: false, detail: errText(e) }])))
      }
      progress(`${target.name}: ${c.name} ${JSON.stringify([...byClient.get(c.name)!])}`)
    })))
    steps.push(...await aclFlow(ep, certs, tmp))
    progress(`${target.name}: ACL flow ${JSON.stringify(steps.slice(3))}`)
  }))

  for (const target of targets) {
    t.test(target.name, { skip: target.skip }, async t => {
      if (target.error !== undefined) { t.fail(target.error); return }
      for (const [step, err] of extras.get(target.name) ?? []) t.ok(err === undefined, `Kafka tools: ${step}${err !== undefined ? ` -- ${err}` : ''}`)
      for (const c of clients) {
        t.test(c.name, { skip: c.skip }, async t => {
          for (const mode of MODES) {
            const r = results.get(target.name)?.get(c.name)?.get(mode)
            t.ok(r?.ok === true, `${mode}: ${r?.detail ?? 'not run'}`)
          }
        })
      }
    })
  }
  const table = markdownTable(targets, clients)
  for (const line of table.split('\n')) t.comment(line)
  if (process.env.SAMSA_MATRIX_OUT !== undefined) fs.writeFileSync(process.env.SAMSA_MATRIX_OUT, table + '\n')
})

function markdownTable (targets: Target[], cs: Client[]): string {
  const label: Record<Mode, string> = { scram: 'SASL_SSL SCRAM-SHA-512', plain: 'SASL_SSL PLAIN', mtls: 'SSL mTLS' }
  const cell = (target: Target, client: Client, mode: string): string => {
    if (client.skip !== false) return 'skipped'
    if (target.skip !== false) return 'skipped'
    if (target.error !== undefined) return 'not run'
    const r = results.get(target.name)?.get(client.name)?.get(mode)
    return r === undefined ? 'not run' : r.ok ? 'pass' : 'FAIL'
  }
  const head = ['client', ...targets.flatMap(tg => MODES.map(m => `${tg.name}: ${label[m]}`))]
  const rows = cs.map(c => [c.name, ...targets.flatMap(tg => MODES.map(m => cell(tg, c, m)))])
  const toolRows = (extras.get(targets.find(tg => extras.has(tg.name))?.name ?? '') ?? []).map(([step], i) =>
    [step, ...targets.map(tg => { const s = extras.get(tg.name)?.[i]; return tg.skip !== false ? 'skipped' : s === undefined ? 'not run' : s[1] === undefined ? 'pass' : 'FAIL' })])
  const md = (r: string[]): string => `| ${r.join(' | ')} |`
  return [md(head), md(head.map(() => '---')), ...rows.map(md), '', md(['Kafka tools (--command-config) and the effect of ACLs', ...targets.map(tg => tg.name)]), md(['---', ...targets.map(() => '---')]), ...toolRows.map(md)].join('\n')
}
