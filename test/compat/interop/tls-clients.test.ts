// mTLS against Samsa from @platformatic/kafka and from clients outside Node: kcat (librdkafka, PEM files) and Kafka 3.9's Java console
// producer and consumer (PKCS12 keystore and the truststore.p12 `samsa certs` writes).
// Skips when kcat, or Java and Kafka's jars, are unavailable.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { withBroker } from '../../helpers/broker.js'
import { P12_PASSWORD, testCerts } from '../../helpers/tls-certs.js'
import { ensureKafka, hasCommand, kafkaTool, run, tail } from './lib/common.js'

t.setTimeout(5 * 60_000)

const certs = testCerts(t, ['alice', 'bob'])
const MTLS = {
  listeners: 'SSL://127.0.0.1:0',
  'ssl.keystore.type': 'PEM',
  'ssl.keystore.location': certs.files.server,
  'ssl.client.auth': 'required',
  'ssl.truststore.type': 'PEM',
  'ssl.truststore.location': certs.files.ca
}

t.test('kcat (librdkafka) produces and consumes over mTLS', { skip: hasCommand('kcat', ['-V']) ? false : 'kcat is not installed' }, async t => {
  const b = await withBroker(t, { config: MTLS })
  // bob's key and certificate as files
  const bob = certs.clients.get('bob')!
  const cert = certs.write('bob.pem', bob.certPem)
  const key = certs.write('bob-key.pem', bob.keyPem)
  const ssl = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.files.ca}`, '-X', `ssl.certificate.location=${cert}`, '-X', `ssl.key.location=${key}`]
  const p = await run('kcat', ['-P', '-b', `localhost:${b.port}`, '-t', 'kc', ...ssl], { input: 'one\ntwo\n', timeoutMs: 30_000 })
  t.equal(p.code, 0, tail(p.stderr))
  const c = await run('kcat', ['-C', '-b', `localhost:${b.port}`, '-t', 'kc', '-o', 'beginning', '-e', '-q', ...ssl], { timeoutMs: 30_000 })
  t.equal(c.code, 0, tail(c.stderr))
  t.same(c.stdout.trim().split('\n'), ['one', 'two'])
  const denied = await run('kcat', ['-L', '-b', `localhost:${b.port}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.files.ca}`, '-m', '5'], { timeoutMs: 30_000 })
  t.not(denied.code, 0, 'without a client certificate kcat cannot list metadata')
})

t.test('@platformatic/kafka over mTLS (tls: ca, cert, key)', async t => {
  const { Admin, Producer, stringSerializers } = await import('@platformatic/kafka')
  const b = await withBroker(t, { config: MTLS })
  const alice = certs.clients.get('alice')!
  const tls = { ca: certs.set.ca.certPem, cert: alice.certPem, key: alice.keyPem }
  const admin = new Admin({ clientId: 'plt-tls', bootstrapBrokers: [`localhost:${b.port}`], tls })
  t.teardown(async () => await admin.close())
  await admin.createTopics({ topics: ['plt-tls'], partitions: 1, replicas: 1 })
  const producer = new Producer({ clientId: 'plt-tls-p', bootstrapBrokers: [`localhost:${b.port}`], tls, serializers: stringSerializers })
  t.teardown(async () => await producer.close())
  const r = await producer.send({ messages: [{ topic: 'plt-tls', value: 'secure' }] })
  t.equal(r.offsets?.[0]?.offset, 0n)
  t.ok([...b.current.broker.connections()].some(c => c.session.principal.name === 'CN=alice'), 'principal User:CN=alice')
})

const kafka = await ensureKafka()
const skipJava = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

t.test('Java console producer and consumer over mTLS with PKCS12 key and trust stores', { skip: skipJava }, async t => {
  const b = await withBroker(t, { config: MTLS })
  const props = path.join(certs.dir, 'client.properties')
  fs.writeFileSync(props, [
    'security.protocol=SSL',
    'ssl.truststore.type=PKCS12', `ssl.truststore.location=${certs.files.truststore}`, `ssl.truststore.password=${P12_PASSWORD}`,
    'ssl.keystore.type=PKCS12', `ssl.keystore.location=${certs.files.clientP12}`, `ssl.keystore.password=${P12_PASSWORD}`
  ].join('\n') + '\n')
  const bs = ['--bootstrap-server', `localhost:${b.port}`]
  const p = await kafkaTool('console-producer', [...bs, '--topic', 'java', '--producer.config', props], { input: 'from-java\n' })
  t.equal(p.code, 0, tail(p.stderr + p.stdout))
  const c = await kafkaTool('console-consumer', [...bs, '--topic', 'java', '--from-beginning', '--max-messages', '1', '--consumer.config', props])
  t.equal(c.code, 0, tail(c.stderr + c.stdout))
  t.match(c.stdout, /from-java/)
})
