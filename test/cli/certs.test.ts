// `samsa certs`: writes a CA, server and client certificates as PEM and PKCS12 files, prints broker settings
// that work as printed (a broker started with them accepts the printed kafkajs client over mTLS), reuses the CA
// on a second run, and refuses to overwrite without --force.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import kafkajs from 'kafkajs'
import { certsCommand } from '../../src/cli/certs.js'
import { UsageError } from '../../src/cli/args.js'
import { tempDir, withBroker } from '../helpers/broker.js'
import { loadTruststore } from '../../src/core/security/tls/truststore.js'

const { Kafka, logLevel } = kafkajs

async function run (argv: string[]): Promise<{ code: number, out: string }> {
  let out = ''
  const write = process.stdout.write
  process.stdout.write = ((chunk: string) => { out += chunk; return true }) as typeof process.stdout.write
  try {
    return { code: await certsCommand(argv), out }
  } finally {
    process.stdout.write = write
  }
}

t.test('samsa certs writes the files, prints working settings, reuses the CA', async t => {
  const dir = tempDir('samsa-certs-')
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { code, out } = await run(['--dir', dir, '--client', 'carol', '--host', 'broker.example.com,10.0.0.5', '--password', 'pw1'])
  t.equal(code, 0)
  const f = (n: string): string => path.join(dir, n)
  for (const n of ['ca.pem', 'ca-key.pem', 'server.pem', 'server.p12', 'client.pem', 'client-key.pem', 'client.p12', 'truststore.p12']) t.ok(fs.existsSync(f(n)), n)
  t.equal(fs.statSync(f('ca-key.pem')).mode & 0o077, 0, 'keys are private')
  t.equal(fs.statSync(f('server.pem')).mode & 0o077, 0)
  const server = new X509Certificate(fs.readFileSync(f('server.pem')))
  t.match(server.subjectAltName, /DNS:localhost/)
  t.match(server.subjectAltName, /DNS:broker.example.com/)
  t.match(server.subjectAltName, /IP Address:127.0.0.1/)
  t.match(server.subjectAltName, /IP Address:10.0.0.5/)
  t.ok(server.verify(new X509Certificate(fs.readFileSync(f('ca.pem'))).publicKey), 'signed by the CA')
  t.equal(new X509Certificate(fs.readFileSync(f('client.pem'))).subject, 'CN=carol')
  t.doesNotThrow(() => tls.createSecureContext({ pfx: fs.readFileSync(f('server.p12')), passphrase: 'pw1' }), 'server.p12 opens with the password')
  t.doesNotThrow(() => tls.createSecureContext({ pfx: fs.readFileSync(f('client.p12')), passphrase: 'pw1' }))
  t.equal(loadTruststore(k => ({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': f('truststore.p12'), 'ssl.truststore.password': 'pw1' } as Record<string, string>)[k] ?? null, p => fs.readFileSync(p))?.ca.length, 1)
  t.match(out, /ssl.keystore.location=.*server.pem/)
  t.match(out, /User:CN=carol/)
  t.match(out, /kafkajs/)

  // the printed server settings work, with the printed kafkajs client settings
  const settings: Record<string, string> = {}
  const brokerSection = out.slice(out.indexOf('Broker'), out.indexOf('\n\n', out.indexOf('Broker')))
  for (const line of brokerSection.split('\n')) {
    const m = /^ {2}(ssl\.[a-z.]+)=(.*)$/.exec(line)
    if (m !== null) settings[m[1]] = m[2]
  }
  t.same(Object.keys(settings).sort(), ['ssl.client.auth', 'ssl.keystore.location', 'ssl.keystore.type', 'ssl.truststore.location', 'ssl.truststore.type'])
  const b = await withBroker(t, { config: { listeners: 'SSL://127.0.0.1:0', ...settings } })
  const kafka = new Kafka({
    brokers: [`localhost:${b.port}`],
    ssl: { ca: [fs.readFileSync(f('ca.pem'), 'utf8')], cert: fs.readFileSync(f('client.pem'), 'utf8'), key: fs.readFileSync(f('client-key.pem'), 'utf8') },
    logLevel: logLevel.NOTHING
  })
  const admin = kafka.admin()
  await admin.connect()
  t.ok(Array.isArray(await admin.listTopics()), 'kafkajs connects over mTLS to localhost')
  await admin.disconnect()

  // again: refused without --force; with --force the CA is kept
  await t.rejects(run(['--dir', dir]), UsageError)
  const ca = fs.readFileSync(f('ca.pem'), 'utf8')
  const again = await run(['--dir', dir, '--client', 'dave', '--force'])
  t.match(again.out, /Reused the CA/)
  t.equal(fs.readFileSync(f('ca.pem'), 'utf8'), ca)
  t.equal(new X509Certificate(fs.readFileSync(f('client.pem'))).subject, 'CN=dave')
})

t.test('bad arguments are usage errors', async t => {
  await t.rejects(run(['--client', 'a,b']), UsageError)
  await t.rejects(run(['--days', '0']), UsageError)
  await t.rejects(run(['--nope']), UsageError)
  const help = await run(['--help'])
  t.match(help.out, /Usage: samsa certs/)
})
