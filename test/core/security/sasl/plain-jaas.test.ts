// PLAIN (RFC 4616 as Kafka's PlainSaslServer), the JAAS parser (Kafka's sasl.jaas.config grammar), and where
// a listener's PLAIN users come from (JAAS per listener and mechanism, sasl.plain.users).
import t from 'tap'
import { PlainServer } from '../../../../src/core/security/sasl/plain.js'
import { parseJaasConfig } from '../../../../src/core/security/sasl/jaas.js'
import { SaslMechanisms } from '../../../../src/core/security/sasl/mechanisms.js'
import { ScramCredentialStore } from '../../../../src/core/security/sasl/scram-credentials.js'
import { loadBrokerConfig } from '../../../../src/config/broker-config.js'

const users = new Map([['alice', 'alice-secret']])
const plain = async (token: string): Promise<unknown> => await new PlainServer(users).evaluate(Buffer.from(token))

t.test('PLAIN: success, authzid rules, failures', async t => {
  t.match(await plain('\0alice\0alice-secret'), { kind: 'done', principal: { type: 'User', name: 'alice' } })
  t.match(await plain('alice\0alice\0alice-secret'), { kind: 'done' }, 'authzid equal to the user')
  await t.rejects(plain('bob\0alice\0alice-secret'), { name: 'SaslAuthenticationError', message: /authorization id that is different from username/ })
  await t.rejects(plain('\0alice\0wrong'), { message: 'Authentication failed: Invalid username or password' })
  await t.rejects(plain('\0mallory\0alice-secret'), { message: 'Authentication failed: Invalid username or password' }, 'unknown user: same message')
  await t.rejects(plain('\0alice\0alice-secre'), { message: /Invalid username or password/ }, 'a prefix of the password')
  await t.rejects(plain('alice\0alice-secret'), { message: 'Invalid SASL/PLAIN response: expected 3 tokens, got 2' })
  await t.rejects(plain('\0\0pw'), { message: /username not specified/ })
  await t.rejects(plain('\0alice\0'), { message: /password not specified/ })
  const s = new PlainServer(users)
  await s.evaluate(Buffer.from('\0alice\0alice-secret'))
  await t.rejects(s.evaluate(Buffer.from('\0alice\0alice-secret')), { message: /one client message/ })
})

t.test('JAAS: Kafka\'s grammar, quoting and escapes', async t => {
  const e = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\\"b\\\\c" user_alice="alice secret" user_bob=bare-word_1;')
  t.equal(e.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule')
  t.equal(e.controlFlag, 'required')
  t.same([...e.options], [['username', 'admin'], ['password', 'a"b\\c'], ['user_alice', 'alice secret'], ['user_bob', 'bare-word_1']])
  t.same([...parseJaasConfig('M optional /* c */ a="x;y" // end\n ;').options], [['a', 'x;y']])
  t.same([...parseJaasConfig('M REQUIRED a="\\u0041\\n";').options], [['a', 'A\n']])
  const bad = (s: string, re: RegExp): void => { t.throws(() => parseJaasConfig(s, 'sasl.jaas.config'), { name: 'JaasConfigError', message: re }, s) }
  bad('', /empty/)
  bad('M', /control flag/)
  bad('M mandatory;', /control flag/)
  bad('M required a="x"', /missing ';'/)
  bad('M required a="x;', /unterminated quoted value/)
  bad('M required a=;', /expected a value for option a/)
  bad('M required a "x";', /expected '=' after option a/)
  bad('M required; N required;', /more than one login module/)
  bad('M required a=x # ;', /unexpected '#'/)
})

t.test('PLAIN users per listener: listener+mechanism JAAS, then sasl.jaas.config, plus sasl.plain.users', async t => {
  const config = loadBrokerConfig({
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,OTHER://127.0.0.1:0'],
      ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,OTHER:SASL_PLAINTEXT'],
      ['listener.name.sasl_plaintext.plain.sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a-pw";'],
      ['sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_carol="c-pw";'],
      ['sasl.plain.users', 'dave:d-pw:with-colon'],
      ['sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-512,GSSAPI']
    ]
  })
  const m = new SaslMechanisms(config, ScramCredentialStore.inMemory(), ['SASL_PLAINTEXT', 'OTHER'])
  t.same(m.enabled('SASL_PLAINTEXT'), ['PLAIN', 'SCRAM-SHA-512'], 'GSSAPI dropped')
  t.match(m.warnings.join('\n'), /GSSAPI\/Kerberos is not/)
  const ok = async (l: string, u: string, p: string): Promise<boolean> => {
    try { await m.create(l, 'PLAIN')!.evaluate(Buffer.from(`\0${u}\0${p}`)); return true } catch { return false }
  }
  t.ok(await ok('SASL_PLAINTEXT', 'alice', 'a-pw'))
  t.notOk(await ok('SASL_PLAINTEXT', 'carol', 'c-pw'), 'the listener\'s own JAAS entry wins over sasl.jaas.config')
  t.ok(await ok('SASL_PLAINTEXT', 'dave', 'd-pw:with-colon'), 'sasl.plain.users: password after the first colon')
  t.ok(await ok('OTHER', 'carol', 'c-pw'), 'sasl.jaas.config for a listener without its own')
  t.equal(m.create('SASL_PLAINTEXT', 'OAUTHBEARER'), null, 'not enabled')
  t.throws(() => new SaslMechanisms(loadBrokerConfig({ overrides: [['sasl.jaas.config', 'PlainLoginModule required user_a="x"']] }), ScramCredentialStore.inMemory(), ['PLAINTEXT']),
    { name: 'JaasConfigError', message: /sasl.jaas.config: missing ';'/ })
})

t.test('OAUTHBEARER settings per listener and mechanism choose JWKS validation', async t => {
  const config = loadBrokerConfig({
    overrides: [
      ['listeners', 'SASL_SSL://127.0.0.1:0'],
      ['sasl.enabled.mechanisms', 'OAUTHBEARER'],
      ['listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.jwks.endpoint.url', 'file:///nonexistent/jwks.json']
    ]
  })
  const m = new SaslMechanisms(config, ScramCredentialStore.inMemory(), ['SASL_SSL'])
  const server = m.create('SASL_SSL', 'OAUTHBEARER')!
  const step = await server.evaluate(Buffer.from('n,,\x01auth=Bearer a.b.\x01\x01'))
  t.equal(step.kind, 'challenge')
  await t.rejects(async () => await server.evaluate(Buffer.from([1])), { message: /cannot read the JWKS file \/nonexistent\/jwks.json/ })
})
