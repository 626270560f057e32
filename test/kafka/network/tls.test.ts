// TLS listeners end to end: kafkajs produces and consumes over SSL; mTLS (ssl.client.auth=required and
// requested) with the principal set from the client certificate's DN through ssl.principal.mapping.rules;
// PKCS12 keystores and truststores, encrypted PEM keys; JKS and bad passwords refused at start naming the key;
// certificates reloaded without a restart; plaintext on a TLS port and TLS on a PLAINTEXT port closed and
// logged while a neighbour connection keeps working; ssl.enabled.protocols.
import t from 'tap'
import tls from 'node:tls'
import fs from 'node:fs'
import net from 'node:net'
import { Writable } from 'node:stream'
import kafkajs from 'kafkajs'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { P12_PASSWORD, testCerts, untrustedClient, type TestCerts } from '../../helpers/tls-certs.js'
import { createLogger, type Logger } from '../../../src/logger.js'
import { startBroker } from '../../../src/index.js'
import { makeCertificates, encryptKey } from '../../../src/cli/cert-factory.js'
import { tempDir } from '../../helpers/broker.js'
import { ConfigError } from '../../../src/config/config-error.js'

const { Kafka, logLevel } = kafkajs

function captureLogger (): { logger: Logger, lines: any[] } {
  const lines: any[] = []
  const stream = new Writable({
    write (chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l))
      cb()
    }
  })
  return { logger: createLogger('info', stream), lines }
}

const certs: TestCerts = testCerts(t, ['alice', 'bob'])

function sslConfig (more: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: 'SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.files.server,
    ...more
  }
}

const MTLS = { 'ssl.client.auth': 'required', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.files.ca }

async function apiVersions (c: RawClient): Promise<number> {
  const r = await c.request(18, 3, { clientSoftwareName: 'tls-test', clientSoftwareVersion: '1' })
  return r.errorCode
}

function principals (b: TestBroker): string[] {
  return [...b.current.broker.connections()].map(c => `${c.session.principal.type}:${c.session.principal.name}`)
}

async function waitFor (cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

t.test('kafkajs produces and consumes over SSL, trusting the CA', async t => {
  const b = await withBroker(t, { config: sslConfig() })
  const kafka = new Kafka({ brokers: b.brokers, ssl: certs.kafkajsSsl(), logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'secure', messages: [{ key: 'k', value: 'over tls' }] })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: 'g-tls' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'secure', fromBeginning: true })
  const got = await new Promise<string>(resolve => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) })
  })
  await consumer.disconnect()
  t.equal(got, 'over tls')
  t.same(principals(b).filter(p => p !== 'User:ANONYMOUS'), [], 'without a client certificate the principal is ANONYMOUS')
})

t.test('mTLS required: a client certificate gives the principal User:<DN>; no certificate is refused and logged', async t => {
  const { logger, lines } = captureLogger()
  const b = await withBroker(t, { logger, config: sslConfig(MTLS) })
  const c = await RawClient.connectTls(b.port, certs.clientOptions('alice'))
  t.teardown(() => c.close())
  t.equal(await apiVersions(c), 0)
  t.ok(principals(b).includes('User:CN=alice'), `principal of alice: ${principals(b).join(', ')}`)

  // kafkajs with its client certificate
  const kafka = new Kafka({ brokers: b.brokers, ssl: certs.kafkajsSsl('bob'), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'm' }] })
  t.ok(principals(b).includes('User:CN=bob'))
  await admin.disconnect()

  // no certificate: the handshake fails (TLS 1.3: the client learns it on its first read)
  let refused = false
  try {
    const anon = await RawClient.connectTls(b.port, { ca: certs.set.ca.certPem, servername: 'localhost' })
    await apiVersions(anon).catch(() => { refused = true })
    anon.close()
  } catch {
    refused = true
  }
  t.ok(refused, 'a client without a certificate is refused')
  // an untrusted certificate
  let untrusted = false
  try {
    const m = await RawClient.connectTls(b.port, { ca: certs.set.ca.certPem, servername: 'localhost', ...untrustedClient() })
    await apiVersions(m).catch(() => { untrusted = true })
    m.close()
  } catch {
    untrusted = true
  }
  t.ok(untrusted, 'a certificate from another CA is refused')
  await waitFor(() => lines.filter(l => /TLS handshake failed on listener SSL/.test(l.msg)).length >= 2)
  const failures = lines.filter(l => /TLS handshake failed on listener SSL from 127\.0\.0\.1:\d+/.test(l.msg))
  t.ok(failures.every(l => l.level === 40), 'each logged once at WARN with the client address')
  t.ok(failures.some(l => /peer did not return a certificate/.test(l.msg)), 'the missing certificate is named')
  t.ok(failures.some(l => /client certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/.test(l.msg)), 'the untrusted certificate is named')
  t.equal(await apiVersions(c), 0, 'the mTLS neighbour keeps working')
})

t.test('ssl.principal.mapping.rules maps the DN', async t => {
  const b = await withBroker(t, { config: sslConfig({ ...MTLS, 'ssl.principal.mapping.rules': 'RULE:^CN=(.*?)(,.*)?$/$1/U,DEFAULT' }) })
  const c = await RawClient.connectTls(b.port, certs.clientOptions('alice'))
  t.teardown(() => c.close())
  t.equal(await apiVersions(c), 0)
  t.ok(principals(b).includes('User:ALICE'), principals(b).join(', '))
})

t.test('a DN no rule maps is refused', async t => {
  const { logger, lines } = captureLogger()
  const b = await withBroker(t, { logger, config: sslConfig({ ...MTLS, 'ssl.principal.mapping.rules': 'RULE:^CN=bob$/bob/' }) })
  const c = await RawClient.connectTls(b.port, certs.clientOptions('alice'))
  await t.rejects(apiVersions(c))
  await waitFor(() => lines.some(l => /no ssl.principal.mapping.rules rule applies to CN=alice/.test(l.msg)))
  t.pass('logged')
})

t.test('ssl.client.auth=requested: no certificate is ANONYMOUS, a trusted one maps, an untrusted one is refused', async t => {
  const b = await withBroker(t, { config: sslConfig({ ...MTLS, 'ssl.client.auth': 'requested' }) })
  const anon = await RawClient.connectTls(b.port, { ca: certs.set.ca.certPem, servername: 'localhost' })
  t.teardown(() => anon.close())
  t.equal(await apiVersions(anon), 0)
  const alice = await RawClient.connectTls(b.port, certs.clientOptions('alice'))
  t.teardown(() => alice.close())
  t.equal(await apiVersions(alice), 0)
  t.same(principals(b).sort(), ['User:ANONYMOUS', 'User:CN=alice'])
  const m = await RawClient.connectTls(b.port, { ca: certs.set.ca.certPem, servername: 'localhost', ...untrustedClient() }).catch(() => null)
  if (m !== null) {
    await t.rejects(apiVersions(m), 'an untrusted certificate is refused')
    m.close()
  } else {
    t.pass('an untrusted certificate is refused at the handshake')
  }
})

t.test('PKCS12 keystore and PKCS12 truststore', async t => {
  const b = await withBroker(t, {
    config: {
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': certs.files.serverP12,
      'ssl.keystore.password': P12_PASSWORD,
      'ssl.client.auth': 'required',
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': certs.files.truststore,
      'ssl.truststore.password': P12_PASSWORD
    }
  })
  const c = await RawClient.connectTls(b.port, certs.clientOptions('alice'))
  t.teardown(() => c.close())
  t.equal(await apiVersions(c), 0)
  t.ok(principals(b).includes('User:CN=alice'))
})

t.test('inline PEM keystore and truststore (ssl.keystore.certificate.chain, ssl.keystore.key, ssl.truststore.certificates)', async t => {
  const b = await withBroker(t, {
    config: {
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': certs.set.server.certPem + certs.set.ca.certPem,
      'ssl.keystore.key': certs.set.server.keyPem,
      'ssl.client.auth': 'required',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': certs.set.ca.certPem
    }
  })
  const c = await RawClient.connectTls(b.port, certs.clientOptions('bob'))
  t.teardown(() => c.close())
  t.equal(await apiVersions(c), 0)
  t.ok(principals(b).includes('User:CN=bob'))
})

t.test('an encrypted PEM key opens with ssl.key.password; a wrong or missing one fails the start naming the key', async t => {
  const encrypted = certs.write('server-encrypted.pem', encryptKey(certs.set.server.keyPem, 'k3y') + certs.set.server.certPem + certs.set.ca.certPem)
  const b = await withBroker(t, { config: sslConfig({ 'ssl.keystore.location': encrypted, 'ssl.key.password': 'k3y' }) })
  const c = await RawClient.connectTls(b.port, certs.clientOptions())
  t.teardown(() => c.close())
  t.equal(await apiVersions(c), 0)

  const dataDir = tempDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const wrong = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.keystore.location': encrypted, 'ssl.key.password': 'nope' }) }).catch(e => e)
  t.ok(wrong instanceof ConfigError, 'a ConfigError')
  t.match(wrong.message, /listener SSL: ssl.keystore.location .*server-encrypted.pem: ssl.key.password does not decrypt the private key/)
  const missing = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.keystore.location': encrypted }) }).catch(e => e)
  t.match(missing.message, /server-encrypted.pem: the private key is encrypted: set ssl.key.password/)
  const p12 = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.files.serverP12, 'ssl.keystore.password': 'nope' }) }).catch(e => e)
  t.match(p12.message, /server.p12: ssl.keystore.password does not open the PKCS12 keystore/)
})

t.test('JKS key and trust stores are refused with a keytool hint; a missing file is named', async t => {
  const jks = certs.write('server.jks', Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(64)]))
  const dataDir = tempDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const err = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': jks } }).catch(e => e)
  t.ok(err instanceof ConfigError)
  t.match(err.message, /server.jks is a JKS key store.*keytool -importkeystore .*-deststoretype PKCS12/)
  const trust = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.client.auth': 'required', 'ssl.truststore.location': jks }) }).catch(e => e)
  t.match(trust.message, /ssl.truststore.location .*server.jks is a JKS trust store/)
  const none = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.keystore.location': '/nonexistent/server.pem' }) }).catch(e => e)
  t.match(none.message, /ssl.keystore.location \/nonexistent\/server.pem cannot be read: no such file/)
  const nokeystore = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: { listeners: 'SSL://127.0.0.1:0' } }).catch(e => e)
  t.match(nokeystore.message, /a TLS listener needs a keystore/)
})

function peerFingerprint (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca: [certs.set.ca.certPem, ...extraCas], servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256)
      s.destroy()
    })
    s.on('error', reject)
  })
}
const extraCas: string[] = []

t.test('replaced certificate files are reloaded: new connections see the new certificate, open ones keep working', async t => {
  const { logger, lines } = captureLogger()
  const file = certs.write('reload.pem', certs.set.server.keyPem + certs.set.server.certPem)
  const b = await withBroker(t, { logger, config: sslConfig({ 'ssl.keystore.location': file, 'ssl.reload.interval.ms': '50' }) })
  const old = await RawClient.connectTls(b.port, certs.clientOptions())
  t.teardown(() => old.close())
  t.equal(await apiVersions(old), 0)
  const before = await peerFingerprint(b.port)

  const next = makeCertificates({ ca: certs.set.ca })
  fs.writeFileSync(file, next.server.keyPem + next.server.certPem)
  await waitFor(() => lines.some(l => l.msg === 'TLS key material reloaded'))
  const after = await peerFingerprint(b.port)
  t.not(after, before, 'a new connection gets the new certificate')
  t.equal(await apiVersions(old), 0, 'the open connection keeps working')

  // a broken file keeps the old context and logs once, naming the file
  fs.writeFileSync(file, 'not a certificate')
  await waitFor(() => lines.some(l => l.level === 50 && /reload.pem/.test(l.msg)))
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(lines.filter(l => l.level === 50 && /reload.pem/.test(l.msg)).length, 1, 'logged once')
  t.equal(await peerFingerprint(b.port), after, 'the last good certificate stays')

  // Broker.reloadTls(): an explicit reload
  const third = makeCertificates({ ca: certs.set.ca })
  fs.writeFileSync(file, third.server.keyPem + third.server.certPem)
  const result = b.current.broker.reloadTls()
  t.same(result, [{ listener: 'SSL', changed: true }])
  t.not(await peerFingerprint(b.port), after)
})

t.test('plaintext on a TLS port and TLS on a PLAINTEXT port: closed and logged; the neighbour keeps working', async t => {
  const { logger, lines } = captureLogger()
  const b = await withBroker(t, {
    logger,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': certs.files.server
    }
  })
  const plainPort = b.current.listeners[0].port
  const sslPort = b.current.listeners[1].port
  const plainNeighbour = await RawClient.connect(plainPort)
  const tlsNeighbour = await RawClient.connectTls(sslPort, certs.clientOptions())
  t.teardown(() => { plainNeighbour.close(); tlsNeighbour.close() })
  t.equal(await apiVersions(plainNeighbour), 0)
  t.equal(await apiVersions(tlsNeighbour), 0)

  // a Kafka request in plaintext to the TLS port
  const plainToTls = await RawClient.connect(sslPort)
  plainToTls.writeRaw(RawClient.frame(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 1))
  await plainToTls.closed
  // garbage
  const garbage = net.connect({ port: sslPort, host: '127.0.0.1' })
  garbage.on('error', () => {})
  garbage.end(Buffer.from('GET / HTTP/1.1\r\n\r\n'))
  await new Promise(resolve => garbage.once('close', resolve))
  // a TLS client to the PLAINTEXT port
  const tlsToPlain = tls.connect({ port: plainPort, host: '127.0.0.1', ca: certs.set.ca.certPem, servername: 'localhost' })
  const failed = await new Promise<Error>(resolve => tlsToPlain.once('error', resolve))
  t.ok(failed instanceof Error, `the TLS client fails: ${failed.message}`)

  // probes that go away mid-handshake are not failures: a TCP connect closed at once, and a TLS client closing
  // as soon as its side of the handshake is done (what a connection-rate benchmark or health check does)
  for (let i = 0; i < 5; i++) {
    const probe = net.connect({ port: sslPort, host: '127.0.0.1' })
    probe.on('error', () => {})
    await new Promise(resolve => probe.once('connect', resolve))
    probe.resetAndDestroy()
    const quick = tls.connect({ port: sslPort, host: '127.0.0.1', ...certs.clientOptions() })
    quick.on('error', () => {})
    await new Promise(resolve => quick.once('secureConnect', resolve))
    quick.destroy()
  }

  await waitFor(() => lines.some(l => /TLS handshake on PLAINTEXT listener PLAINTEXT from 127.0.0.1:\d+/.test(l.msg)))
  await waitFor(() => lines.filter(l => /TLS handshake failed on listener SSL from 127.0.0.1:\d+/.test(l.msg)).length >= 2)
  t.equal(lines.filter(l => /TLS handshake on PLAINTEXT listener/.test(l.msg)).length, 1, 'one WARN for the TLS client')
  t.ok(lines.filter(l => /TLS handshake/.test(l.msg)).every(l => l.level === 40), 'WARN level')
  t.equal(lines.filter(l => /TLS handshake failed/.test(l.msg)).length, 2, 'clients that went away mid-handshake are not logged as failures')
  t.equal(await apiVersions(plainNeighbour), 0, 'the PLAINTEXT neighbour keeps working')
  t.equal(await apiVersions(tlsNeighbour), 0, 'the SSL neighbour keeps working')
})

t.test('ssl.enabled.protocols=TLSv1.3 refuses a TLSv1.2-only client; ssl.cipher.suites takes IANA names', async t => {
  const b = await withBroker(t, { config: sslConfig({ 'ssl.enabled.protocols': 'TLSv1.3' }) })
  await t.rejects(RawClient.connectTls(b.port, { ...certs.clientOptions(), maxVersion: 'TLSv1.2' }), 'TLSv1.2 refused')
  const ok = await RawClient.connectTls(b.port, certs.clientOptions())
  t.equal(ok.socket instanceof tls.TLSSocket && (ok.socket).getProtocol(), 'TLSv1.3')
  ok.close()

  const b12 = await withBroker(t, { config: sslConfig({ 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' }) })
  const c = await RawClient.connectTls(b12.port, certs.clientOptions())
  const s = c.socket as tls.TLSSocket
  t.equal(s.getProtocol(), 'TLSv1.2')
  t.equal(s.getCipher().name, 'ECDHE-RSA-AES256-GCM-SHA384')
  t.equal(await apiVersions(c), 0)
  c.close()
  await t.rejects(RawClient.connectTls(b12.port, { ...certs.clientOptions(), ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), 'a client without the suite is refused')

  const dataDir = tempDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const bad = await startBroker({ port: 0, dataDir, logLevel: 'silent', config: sslConfig({ 'ssl.cipher.suites': 'TLS_FOO_WITH_BAR' }) }).catch(e => e)
  t.match(bad.message, /ssl.cipher.suites: unknown or unsupported cipher suite TLS_FOO_WITH_BAR/)
})
