// SASL on the wire with a raw client against a real broker: each bad input is a test (wrong password with
// the delay and a graceful close after the answer, unknown mechanism, request before authentication, an
// expired and a badly signed OAUTHBEARER token, a frame over sasl.server.max.receive.size), the legacy
// SaslHandshake v0 exchange, KIP-368 re-authentication and expiry, SCRAM credentials made with 50/51
// surviving a restart, and the SASL APIs on a PLAINTEXT listener.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import net from 'node:net'
import { withBroker, tempDir, type TestBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ScramClient } from '../../helpers/scram-client.js'
import { fileSigner, initialResponse, unsecuredToken } from '../../helpers/oauth-tokens.js'
import { saltedPassword, scramByName } from '../../../src/core/security/sasl/scram-formulas.js'

const SHA256 = scramByName('SCRAM-SHA-256')!
const PLAIN_OK = Buffer.from('\0alice\0alice-secret')

async function broker (t: Test, config: Record<string, string> = {}): Promise<{ b: TestBroker, port: number, plainPort: number }> {
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,OAUTHBEARER',
      'sasl.plain.users': 'alice:alice-secret,bob:bob-secret',
      ...config
    }
  })
  return { b, plainPort: b.current.listeners[0]!.port, port: b.current.listeners[1]!.port }
}

/** Resolves when the server ends the connection: 'end' (graceful FIN) or 'reset'. */
function howClosed (c: RawClient): Promise<{ how: 'end' | 'reset', at: number }> {
  return new Promise(resolve => {
    c.socket.once('end', () => resolve({ how: 'end', at: Date.now() }))
    c.socket.once('error', () => resolve({ how: 'reset', at: Date.now() }))
    c.socket.once('close', () => resolve({ how: 'reset', at: Date.now() }))
  })
}

t.test('wrong password: SASL_AUTHENTICATION_FAILED with a message, then a graceful close after the delay', async t => {
  const { port } = await broker(t, { 'connection.failed.authentication.delay.ms': '300' })
  const c = await RawClient.connect(port)
  t.same(await c.request(17, 1, { mechanism: 'PLAIN' }), { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'] })
  const closed = howClosed(c)
  const sent = Date.now()
  const r = await c.request(36, 2, { authBytes: Buffer.from('\0alice\0wrong') })
  const answered = Date.now()
  t.same([r.errorCode, r.errorMessage], [58, 'Authentication failed: Invalid username or password'])
  t.ok(answered - sent < 250, `answered at once (${answered - sent} ms)`)
  const { how, at } = await closed
  t.equal(how, 'end', 'ended gracefully (FIN), not reset')
  t.ok(at - sent >= 290, `closed after the delay (${at - sent} ms)`)
})

t.test('unknown user (SCRAM): the same failure as a wrong password', async t => {
  const { port } = await broker(t, { 'connection.failed.authentication.delay.ms': '0' })
  const c = await RawClient.connect(port)
  await c.request(17, 1, { mechanism: 'SCRAM-SHA-256' })
  const client = new ScramClient(SHA256, 'nobody', 'pw')
  const sf = await c.request(36, 1, { authBytes: client.first() })
  t.equal(sf.errorCode, 0)
  const r = await c.request(36, 1, { authBytes: client.final(sf.authBytes) })
  t.same([r.errorCode, r.errorMessage], [58, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256'])
  await c.closed
})

t.test('unknown mechanism: UNSUPPORTED_SASL_MECHANISM listing the enabled ones (per listener)', async t => {
  const { port } = await broker(t, { 'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256,PLAIN', 'connection.failed.authentication.delay.ms': '0' })
  const c = await RawClient.connect(port)
  t.same(await c.request(17, 1, { mechanism: 'GSSAPI' }), { errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'PLAIN'] })
  await c.closed
})

t.test('a request before authentication closes the connection (ApiVersions is allowed)', async t => {
  const { port } = await broker(t)
  const c = await RawClient.connect(port)
  t.equal((await c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })).errorCode, 0)
  await t.rejects(c.request(3, 1, { topics: null }), { message: 'connection closed' })
  const c2 = await RawClient.connect(port)
  await c2.request(17, 1, { mechanism: 'PLAIN' })
  await t.rejects(c2.request(3, 1, { topics: null }), { message: 'connection closed' }, 'after the handshake, before SaslAuthenticate')
})

t.test('PLAIN success, then any request', async t => {
  const { port } = await broker(t)
  const c = await RawClient.connect(port)
  await c.request(17, 1, { mechanism: 'PLAIN' })
  const r = await c.request(36, 0, { authBytes: PLAIN_OK })
  t.same([r.errorCode, r.errorMessage], [0, null])
  t.equal((await c.request(3, 1, { topics: null })).brokers.length, 1)
  c.close()
})

t.test('a SASL frame over sasl.server.max.receive.size closes the connection', async t => {
  const { port } = await broker(t, { 'sasl.server.max.receive.size': '1024' })
  const c = await RawClient.connect(port)
  await c.request(17, 1, { mechanism: 'PLAIN' })
  await t.rejects(c.request(36, 1, { authBytes: Buffer.alloc(2000, 1) }), { message: 'connection closed' })
  const ok = await RawClient.connect(port)
  await ok.request(17, 1, { mechanism: 'PLAIN' })
  t.equal((await ok.request(36, 1, { authBytes: PLAIN_OK })).errorCode, 0, 'a neighbour connection is not disturbed')
  ok.close()
})

t.test('OAUTHBEARER: an expired token gets the invalid_token challenge, then fails on %x01', async t => {
  const { port } = await broker(t, { 'connection.failed.authentication.delay.ms': '0' })
  const c = await RawClient.connect(port)
  await c.request(17, 1, { mechanism: 'OAUTHBEARER' })
  const ch = await c.request(36, 1, { authBytes: initialResponse(unsecuredToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 })) })
  t.same([ch.errorCode, ch.authBytes.toString()], [0, '{"status":"invalid_token"}'])
  const r = await c.request(36, 1, { authBytes: Buffer.from([1]) })
  t.equal(r.errorCode, 58)
  t.match(r.errorMessage, /token expired/)
  await c.closed
})

t.test('OAUTHBEARER with JWKS: a badly signed token and a wrong audience are refused', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const signer = await fileSigner(dir)
  const stranger = await fileSigner(tempDir())
  const { port } = await broker(t, { 'sasl.oauthbearer.jwks.endpoint.url': signer.jwksUrl, 'sasl.oauthbearer.expected.audience': 'kafka,kafka-2', 'connection.failed.authentication.delay.ms': '0' })
  const attempt = async (token: string): Promise<{ errorCode: number, errorMessage: string | null, sessionLifetimeMs: bigint }> => {
    const c = await RawClient.connect(port)
    await c.request(17, 1, { mechanism: 'OAUTHBEARER' })
    const first = await c.request(36, 1, { authBytes: initialResponse(token) })
    if (first.authBytes.length === 0) { c.close(); return first }
    return await c.request(36, 1, { authBytes: Buffer.from([1]) })
  }
  const good = await attempt(await signer.sign({ sub: 'svc' }, { audience: 'kafka-2', expSeconds: 120 }))
  t.equal(good.errorCode, 0)
  t.ok(good.sessionLifetimeMs > 100_000n && good.sessionLifetimeMs <= 120_000n, `the token's expiry is the session lifetime (${good.sessionLifetimeMs})`)
  const bad = await attempt(await stranger.sign({ sub: 'svc' }, { audience: 'kafka' }))
  t.equal(bad.errorCode, 58)
  t.match(bad.errorMessage, /signature verification failed/)
  const aud = await attempt(await signer.sign({ sub: 'svc' }, { audience: 'elsewhere' }))
  t.equal(aud.errorCode, 58)
  t.match(aud.errorMessage, /"aud"/)
})

t.test('legacy SaslHandshake v0: raw size-prefixed tokens', async t => {
  const { port } = await broker(t)
  const c = await RawClient.connect(port)
  t.equal((await c.request(17, 0, { mechanism: 'PLAIN' })).errorCode, 0)
  const socket: net.Socket = c.socket
  socket.removeAllListeners('data')
  const got = new Promise<Buffer>(resolve => socket.once('data', resolve))
  const token = Buffer.alloc(4 + PLAIN_OK.length)
  token.writeInt32BE(PLAIN_OK.length, 0)
  PLAIN_OK.copy(token, 4)
  socket.write(token)
  t.same(await got, Buffer.from([0, 0, 0, 0]), 'an empty raw token answers success')
  const metadata = new Promise<Buffer>(resolve => socket.once('data', resolve))
  socket.write(RawClient.frame(3, 1, { topics: null }, 7))
  t.equal((await metadata).readInt32BE(4), 7, 'Kafka requests follow')
  c.close()
})

t.test('KIP-368: session lifetime, re-authentication on the same connection, expiry closes', async t => {
  const { port } = await broker(t, { 'connections.max.reauth.ms': '400' })
  const c = await RawClient.connect(port)
  await c.request(17, 1, { mechanism: 'PLAIN' })
  const r = await c.request(36, 1, { authBytes: PLAIN_OK })
  t.equal(r.sessionLifetimeMs, 400n)
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal((await c.request(17, 1, { mechanism: 'PLAIN' })).errorCode, 0, 're-authentication starts')
  t.equal((await c.request(36, 2, { authBytes: PLAIN_OK })).sessionLifetimeMs, 400n)
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal((await c.request(3, 1, { topics: null })).brokers.length, 1, 'still within the renewed session')
  await new Promise(resolve => setTimeout(resolve, 200))
  await t.rejects(c.request(3, 1, { topics: null }), { message: 'connection closed' }, 'expired: closed at the next request')
  const other = await RawClient.connect(port)
  await other.request(17, 1, { mechanism: 'PLAIN' })
  await other.request(36, 1, { authBytes: PLAIN_OK })
  await other.request(17, 1, { mechanism: 'PLAIN' })
  const changed = await other.request(36, 1, { authBytes: Buffer.from('\0bob\0bob-secret') })
  t.same([changed.errorCode, changed.errorMessage], [58, 'Re-authentication failed: the principal changed from User:alice to User:bob'])
  await other.closed
})

t.test('SCRAM credentials via AlterUserScramCredentials survive a restart; DescribeUserScramCredentials', async t => {
  const { b, port, plainPort } = await broker(t)
  const admin = await RawClient.connect(plainPort)
  const salt = Buffer.from('carol-salt')
  const r = await admin.request(51, 0, {
    deletions: [{ name: 'nobody', mechanism: 1 }],
    upsertions: [
      { name: 'carol', mechanism: 1, iterations: 8192, salt, saltedPassword: saltedPassword(SHA256, 'carol-secret', salt, 8192) },
      { name: 'dave', mechanism: 1, iterations: 100, salt, saltedPassword: Buffer.from('x') },
      { name: 'erin', mechanism: 9, iterations: 4096, salt, saltedPassword: Buffer.from('x') }
    ]
  })
  t.same(r.results.map((x: any) => [x.user, x.errorCode]), [['nobody', 91], ['carol', 0], ['dave', 93], ['erin', 33]])
  admin.close()
  await b.restart()
  const state = fs.readFileSync(`${b.dataDir}/samsa-scram-credentials.msgpack`)
  t.notOk(state.includes(Buffer.from('carol-secret')), 'no password on disk')
  const admin2 = await RawClient.connect(b.current.listeners[0]!.port)
  const d = await admin2.request(50, 0, { users: null })
  t.same(d.results.map((x: any) => [x.user, x.credentialInfos]), [['carol', [{ mechanism: 1, iterations: 8192 }]]])
  const d2 = await admin2.request(50, 0, { users: [{ name: 'carol' }, { name: 'zed' }] })
  t.same(d2.results.map((x: any) => [x.user, x.errorCode]), [['carol', 0], ['zed', 91]])
  admin2.close()
  const c = await RawClient.connect(b.current.listeners[1]!.port)
  await c.request(17, 1, { mechanism: 'SCRAM-SHA-256' })
  const client = new ScramClient(SHA256, 'carol', 'carol-secret')
  const sf = await c.request(36, 1, { authBytes: client.first() })
  t.match(sf.authBytes.toString(), /,i=8192$/)
  const fin = await c.request(36, 1, { authBytes: client.final(sf.authBytes) })
  t.equal(fin.errorCode, 0)
  t.ok(client.verify(fin.authBytes), 'the server proves it holds the credential')
  c.close()
  t.ok(port > 0)
})

t.test('SaslHandshake and SaslAuthenticate on a PLAINTEXT listener: ILLEGAL_SASL_STATE', async t => {
  const { plainPort } = await broker(t)
  const c = await RawClient.connect(plainPort)
  t.same(await c.request(17, 1, { mechanism: 'PLAIN' }), { errorCode: 34, mechanisms: [] })
  t.equal((await c.request(36, 1, { authBytes: PLAIN_OK })).errorCode, 34)
  t.equal((await c.request(3, 1, { topics: null })).brokers.length, 1, 'the connection stays usable')
  c.close()
})
