// @platformatic/kafka over SASL_PLAINTEXT (flexible SaslHandshake v1 / SaslAuthenticate v2): PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER each produce a record; a wrong password is refused.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { saltedPassword, scramByName } from '../../../src/core/security/sasl/scram-formulas.js'
import { unsecuredToken } from '../../helpers/oauth-tokens.js'

let plt: typeof import('@platformatic/kafka') | null = null
try {
  plt = await import('@platformatic/kafka')
} catch {}

t.test('@platformatic/kafka with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER', { skip: plt === null ? '@platformatic/kafka is not installed (npm install)' : false }, async t => {
  const { Admin, Producer, stringSerializers } = plt as typeof import('@platformatic/kafka')
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'sasl.plain.users': 'alice:alice-secret'
    }
  })
  const [plainL, saslL] = b.current.listeners
  const admin = await RawClient.connect(plainL!.port)
  for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const m = scramByName(mech)!
    const salt = Buffer.from('plt-salt')
    const r = await admin.request(51, 0, { deletions: [], upsertions: [{ name: 'carol', mechanism: m.type, iterations: 4096, salt, saltedPassword: saltedPassword(m, 'carol-secret', salt, 4096) }] })
    t.equal(r.results[0].errorCode, 0)
  }
  admin.close()
  const pltAdmin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: [`127.0.0.1:${saslL!.port}`], sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } })
  await pltAdmin.createTopics({ topics: ['plt-sasl'], partitions: 1, replicas: 1 })
  await pltAdmin.close()
  const token = unsecuredToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 })
  const cases = [
    { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' },
    { mechanism: 'SCRAM-SHA-256', username: 'carol', password: 'carol-secret' },
    { mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'carol-secret' },
    { mechanism: 'OAUTHBEARER', token }
  ] as const
  for (const sasl of cases) {
    const producer = new Producer({ clientId: 'plt-sasl', bootstrapBrokers: [`127.0.0.1:${saslL!.port}`], serializers: stringSerializers, sasl: sasl as any, retries: 0 })
    try {
      const r = await producer.send({ messages: [{ topic: 'plt-sasl', key: 'k', value: sasl.mechanism }] })
      t.ok(r.offsets?.length === 1, `${sasl.mechanism}: produced`)
    } finally {
      await producer.close()
    }
  }
  const bad = new Producer({ clientId: 'plt-bad', bootstrapBrokers: [`127.0.0.1:${saslL!.port}`], serializers: stringSerializers, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'nope' }, retries: 0 })
  await t.rejects(bad.send({ messages: [{ topic: 'plt-sasl', value: 'x' }] }))
  await bad.close()
})
