// The per-connection SASL state machine with an injected clock and fake connection hooks: what may pass before
// authentication, handshake errors, the failure delay, frame limits, KIP-368 lifetime, expiry and
// re-authentication.
import t from 'tap'
import { SaslAuthenticator, type SaslConnectionHooks } from '../../../src/kafka/network/sasl-authenticator.js'
import { Session } from '../../../src/kafka/network/session.js'
import { SaslMechanisms } from '../../../src/core/security/sasl/mechanisms.js'
import { ScramCredentialStore } from '../../../src/core/security/sasl/scram-credentials.js'
import { loadBrokerConfig } from '../../../src/config/broker-config.js'
import { createLogger, silentLogger } from '../../../src/logger.js'
import { Writable } from 'node:stream'
import { initialResponse, unsecuredToken } from '../../helpers/oauth-tokens.js'

const config = loadBrokerConfig({
  overrides: [
    ['listeners', 'SASL_PLAINTEXT://127.0.0.1:0'],
    ['sasl.enabled.mechanisms', 'PLAIN,OAUTHBEARER'],
    ['sasl.plain.users', 'alice:alice-secret,bob:bob-secret']
  ]
})

function setup (opts: { reauthMs?: number, logger?: typeof silentLogger } = {}): { a: SaslAuthenticator, session: Session, ends: number[], limits: Array<[number, number]>, clock: { now: number } } {
  const clock = { now: 1_800_000_000_000 }
  const ends: number[] = []
  const limits: Array<[number, number]> = []
  const hooks: SaslConnectionHooks = { endAfterResponses: d => ends.push(d), setFrameLimits: (min, max) => limits.push([min, max]) }
  const session = new Session({ name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', advertised: { host: 'h', port: 1 } }, '127.0.0.1')
  const mechanisms = new SaslMechanisms(config, ScramCredentialStore.inMemory(), ['SASL_PLAINTEXT'], () => clock.now)
  const a = new SaslAuthenticator(session, { mechanisms, reauthMs: opts.reauthMs ?? 0, failedDelayMs: 250, maxReceiveSize: 1000, now: () => clock.now }, hooks, opts.logger ?? silentLogger, 1 << 20)
  return { a, session, ends, limits, clock }
}

const plainToken = (u: string, p: string): Buffer => Buffer.from(`\0${u}\0${p}`)

t.test('before authentication only ApiVersions, SaslHandshake and SaslAuthenticate pass', async t => {
  const { a, limits } = setup()
  t.same(limits, [[8, 1000]], 'frames bounded by sasl.server.max.receive.size')
  t.equal(a.check(18, 'ApiVersions'), null)
  t.equal(a.check(17, 'SaslHandshake'), null)
  t.equal(a.check(36, 'SaslAuthenticate'), null)
  t.match(a.check(3, 'Metadata'), /Metadata \(API key 3\) before SASL authentication completed on listener SASL_PLAINTEXT/)
})

t.test('unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection ends after the delay', async t => {
  const { a, ends } = setup()
  t.same(a.handshake('GSSAPI', 1), { errorCode: 33, mechanisms: ['PLAIN', 'OAUTHBEARER'] })
  t.same(ends, [250])
})

t.test('PLAIN success: principal set, frame limits restored, no lifetime', async t => {
  const { a, session, limits } = setup()
  t.same(a.handshake('PLAIN', 1), { errorCode: 0, mechanisms: ['PLAIN', 'OAUTHBEARER'] })
  const r = await a.authenticate(plainToken('alice', 'alice-secret'), 1)
  t.same([r.errorCode, r.sessionLifetimeMs], [0, 0n])
  t.ok(session.authenticated)
  t.same(session.principal, { type: 'User', name: 'alice' })
  t.same(limits.at(-1), [8, 1 << 20])
  t.equal(a.check(3, 'Metadata'), null)
  const again = await a.authenticate(plainToken('alice', 'alice-secret'), 1)
  t.equal(again.errorCode, 34, 'SaslAuthenticate after success: ILLEGAL_SASL_STATE')
})

t.test('wrong password: SASL_AUTHENTICATION_FAILED, the delay, no principal', async t => {
  const { a, session, ends } = setup()
  a.handshake('PLAIN', 1)
  const r = await a.authenticate(plainToken('alice', 'nope'), 1)
  t.same([r.errorCode, r.errorMessage], [58, 'Authentication failed: Invalid username or password'])
  t.same(ends, [250])
  t.notOk(session.authenticated)
  t.equal(session.principal.name, 'ANONYMOUS')
})

t.test('out of sequence: SaslAuthenticate without handshake, a second handshake', async t => {
  const { a, ends } = setup()
  t.equal((await a.authenticate(plainToken('alice', 'alice-secret'), 1)).errorCode, 34)
  t.same(ends, [250])
  const b = setup()
  b.a.handshake('PLAIN', 1)
  t.equal(b.a.handshake('PLAIN', 1).errorCode, 34)
})

t.test('legacy v0 handshake: raw tokens, frame minimum 0 until done', async t => {
  const { a, session, limits } = setup()
  a.handshake('PLAIN', 0)
  t.ok(a.expectsRawToken)
  t.same(limits.at(-1), [0, 1000])
  t.same(await a.rawToken(plainToken('alice', 'alice-secret')), Buffer.alloc(0))
  t.notOk(a.expectsRawToken)
  t.ok(session.authenticated)
  const b = setup()
  b.a.handshake('PLAIN', 0)
  t.equal(await b.a.rawToken(plainToken('alice', 'x')), null, 'a failed legacy exchange answers nothing')
  t.same(b.ends, [250])
})

t.test('KIP-368: lifetime, expiry closes at the next request, re-authentication', async t => {
  const { a, session, clock, ends } = setup({ reauthMs: 10_000 })
  a.handshake('PLAIN', 1)
  t.equal((await a.authenticate(plainToken('alice', 'alice-secret'), 1)).sessionLifetimeMs, 10_000n)
  clock.now += 9_999
  t.equal(a.check(0, 'Produce'), null)
  clock.now += 1
  t.match(a.check(0, 'Produce'), /after the SASL session of User:alice expired/)
  t.equal(a.check(17, 'SaslHandshake'), null, 're-authentication may start')
  t.equal(a.handshake('PLAIN', 1).errorCode, 0)
  t.equal(a.check(0, 'Produce'), null, 'requests pass while re-authenticating')
  const r = await a.authenticate(plainToken('alice', 'alice-secret'), 2)
  t.same([r.errorCode, r.sessionLifetimeMs], [0, 10_000n])
  t.equal(a.check(0, 'Produce'), null, 'a fresh session')
  clock.now += 10_000
  a.handshake('PLAIN', 1)
  const other = await a.authenticate(plainToken('bob', 'bob-secret'), 1)
  t.same([other.errorCode, other.errorMessage], [58, 'Re-authentication failed: the principal changed from User:alice to User:bob'])
  t.same(ends, [250])
  t.equal(session.principal.name, 'alice')
})

t.test('re-authentication must use v1 and the same mechanism', async t => {
  const { a } = setup({ reauthMs: 1000 })
  a.handshake('PLAIN', 1)
  await a.authenticate(plainToken('alice', 'alice-secret'), 1)
  t.equal(a.handshake('OAUTHBEARER', 1).errorCode, 34)
  const b = setup({ reauthMs: 1000 })
  b.a.handshake('PLAIN', 1)
  await b.a.authenticate(plainToken('alice', 'alice-secret'), 1)
  t.equal(b.a.handshake('PLAIN', 0).errorCode, 34)
})

t.test('an OAUTHBEARER token\'s expiry bounds the session', async t => {
  const { a, clock } = setup({ reauthMs: 600_000 })
  a.handshake('OAUTHBEARER', 1)
  const r = await a.authenticate(initialResponse(unsecuredToken({ sub: 'alice', exp: clock.now / 1000 + 30 })), 1)
  t.same([r.errorCode, r.sessionLifetimeMs], [0, 30_000n])
  const b = setup()
  b.a.handshake('OAUTHBEARER', 1)
  const r2 = await b.a.authenticate(initialResponse(unsecuredToken({ sub: 'alice', exp: b.clock.now / 1000 + 30 })), 1)
  t.equal(r2.sessionLifetimeMs, 30_000n, 'even without connections.max.reauth.ms')
  b.clock.now += 30_000
  t.match(b.a.check(1, 'Fetch'), /expired/)
})

t.test('one WARN per failure: user tried, mechanism, listener, host; never the password', async t => {
  const lines: any[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb() } })
  const { a } = setup({ logger: createLogger('info', sink) })
  a.handshake('PLAIN', 1)
  await a.authenticate(plainToken('alice', 'hunter2'), 1)
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 40, principal: 'User:alice', mechanism: 'PLAIN', host: '127.0.0.1', msg: /authentication failed on listener SASL_PLAINTEXT: Authentication failed: Invalid username or password/ })
  t.notOk(JSON.stringify(lines).includes('hunter2'), 'no password in the log')
})
