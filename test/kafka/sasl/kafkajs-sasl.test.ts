// kafkajs 2.2.4 over SASL_PLAINTEXT against a real broker: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (users made
// with AlterUserScramCredentials), OAUTHBEARER (an unsecured token, and a token signed with a key whose JWKS
// is in a file). Each produces and reads back a record; a wrong password is refused with kafkajs's SASL error.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { tempDir, withBroker, type TestBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { saltedPassword, scramByName } from '../../../src/core/security/sasl/scram-formulas.js'
import { fileSigner, unsecuredToken } from '../../helpers/oauth-tokens.js'

async function saslBroker (t: Test, config: Record<string, string> = {}): Promise<{ b: TestBroker, port: number }> {
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'sasl.plain.users': 'alice:alice-secret',
      ...config
    }
  })
  return { b, port: b.current.listeners[1]!.port }
}

async function addScramUser (plainPort: number, user: string, password: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', iterations = 4096): Promise<void> {
  const m = scramByName(mechanism)!
  const salt = Buffer.from(`salt-of-${user}`)
  const c = await RawClient.connect(plainPort)
  const r = await c.request(51, 0, { deletions: [], upsertions: [{ name: user, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) }] })
  c.close()
  if (r.results[0].errorCode !== 0) throw new Error(`AlterUserScramCredentials: ${r.results[0].errorMessage as string}`)
}

async function roundTrip (t: Test, port: number, sasl: SASLOptions, topic: string): Promise<void> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl, logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'k', value: `hello over ${sasl.mechanism}` }] })
  await producer.disconnect()
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  t.equal(offsets[0]!.high, '1', `${sasl.mechanism}: one record written`)
}

t.test('PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (unsecured) with kafkajs', async t => {
  const { b, port } = await saslBroker(t)
  const plainPort = b.current.listeners[0]!.port
  await roundTrip(t, port, { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, 'plain-topic')
  await addScramUser(plainPort, 'scram256', 's256-secret', 'SCRAM-SHA-256', 8192)
  await roundTrip(t, port, { mechanism: 'scram-sha-256', username: 'scram256', password: 's256-secret' }, 'scram256-topic')
  await addScramUser(plainPort, 'scram512', 's512-secret', 'SCRAM-SHA-512')
  await roundTrip(t, port, { mechanism: 'scram-sha-512', username: 'scram512', password: 's512-secret' }, 'scram512-topic')
  await roundTrip(t, port, {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => ({ value: unsecuredToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 }) })
  }, 'oauth-topic')
})

t.test('OAUTHBEARER with a token signed by a key from a JWKS file, expected audience and issuer', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const signer = await fileSigner(dir)
  const { port } = await saslBroker(t, {
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'sasl.oauthbearer.jwks.endpoint.url': signer.jwksUrl,
    'sasl.oauthbearer.expected.audience': 'kafka',
    'sasl.oauthbearer.expected.issuer': 'https://issuer.example'
  })
  const token = await signer.sign({ sub: 'svc-orders' }, { audience: 'kafka', issuer: 'https://issuer.example' })
  await roundTrip(t, port, { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) }, 'jwks-topic')
  const wrongAudience = await signer.sign({ sub: 'svc-orders' }, { audience: 'other', issuer: 'https://issuer.example' })
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: wrongAudience }) }, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  // RFC 7628: the broker answers the invalid_token challenge, which kafkajs takes as the end of the exchange;
  // its next request then finds the connection closed
  await t.rejects(async () => { await admin.connect(); await admin.listTopics() })
  await admin.disconnect()
})

t.test('kafkajs with a wrong password: its SASL authentication error with the broker\'s message', async t => {
  const { port } = await saslBroker(t)
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  await t.rejects(admin.connect(), { name: 'KafkaJSSASLAuthenticationError', message: /Invalid username or password/ })
  const scram = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'scram-sha-256', username: 'nobody', password: 'x' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  await t.rejects(scram.connect(), { name: 'KafkaJSSASLAuthenticationError', message: /invalid credentials with SASL mechanism SCRAM-SHA-256/ })
})

t.test('kafkajs re-authenticates on its connections (KIP-368) and keeps producing past the session lifetime', async t => {
  const { port } = await saslBroker(t, { 'connections.max.reauth.ms': '700' })
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const producer = kafka.producer()
  await producer.connect()
  for (let i = 0; i < 3; i++) {
    await producer.send({ topic: 'reauth-topic', messages: [{ value: `m${i}` }] })
    await new Promise(resolve => setTimeout(resolve, 900))
  }
  await producer.send({ topic: 'reauth-topic', messages: [{ value: 'last' }] })
  await producer.disconnect()
  const admin = kafka.admin()
  await admin.connect()
  t.equal((await admin.fetchTopicOffsets('reauth-topic'))[0]!.high, '4', 'every send succeeded with retries off')
  await admin.disconnect()
})
