// OAUTHBEARER (RFC 7628 framing, KIP-255 unsecured JWS, JWKS validation with jose): success, the
// {"status":"invalid_token"} challenge then failure on %x01, expiry, bad signatures, audience and issuer.
import t from 'tap'
import fs from 'node:fs'
import { OAuthBearerServer } from '../../../../src/core/security/sasl/oauthbearer.js'
import { JwksValidator, UnsecuredJwsValidator } from '../../../../src/core/security/sasl/oauth-validators.js'
import { fileSigner, initialResponse, unsecuredToken } from '../../../helpers/oauth-tokens.js'
import { tempDir } from '../../../helpers/broker.js'

const NOW = 1_800_000_000_000
const unsecured = (opts: Partial<ConstructorParameters<typeof UnsecuredJwsValidator>[0]> = {}): UnsecuredJwsValidator =>
  new UnsecuredJwsValidator({ principalClaim: 'sub', scopeClaim: 'scope', requiredScope: [], clockSkewMs: 0, now: () => NOW, ...opts })

/** Runs the exchange; the failure message when the token is refused. */
async function refusal (server: OAuthBearerServer, token: Buffer): Promise<string> {
  const step = await server.evaluate(token)
  if (step.kind !== 'challenge') throw new Error('expected the invalid_token challenge')
  if (step.token.toString() !== '{"status":"invalid_token"}') throw new Error(`challenge ${step.token.toString()}`)
  try {
    await server.evaluate(Buffer.from([1]))
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('expected a failure after %x01')
}

t.test('unsecured JWS: principal and expiry', async t => {
  const exp = NOW / 1000 + 60
  const step = await new OAuthBearerServer(unsecured()).evaluate(initialResponse(unsecuredToken({ sub: 'alice', exp, iat: NOW / 1000 }), '', { traceId: 'x' }))
  t.match(step, { kind: 'done', principal: { name: 'alice' }, credentialExpiresAtMs: exp * 1000 })
  t.match(await new OAuthBearerServer(unsecured()).evaluate(initialResponse(unsecuredToken({ sub: 'alice', exp }), 'alice')), { kind: 'done' }, 'authzid = principal')
})

t.test('unsecured JWS refusals: challenge, then failure with the reason', async t => {
  const s = (): OAuthBearerServer => new OAuthBearerServer(unsecured())
  const exp = NOW / 1000 + 60
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'alice', exp: NOW / 1000 - 1 }))), /token expired/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'alice' }))), /'exp' is missing/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ exp }))), /'sub' is missing/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'a', exp }, { alg: 'HS256' }))), /alg "none"/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'a', exp }) + 'sig')), /3 dot-separated/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'alice', exp }), 'bob')), /authorization id \(bob\)/)
  t.match(await refusal(new OAuthBearerServer(unsecured({ requiredScope: ['kafka'] })), initialResponse(unsecuredToken({ sub: 'a', exp, scope: 'other' }))), /required scope kafka/)
  t.match(await new OAuthBearerServer(unsecured({ clockSkewMs: 5000 })).evaluate(initialResponse(unsecuredToken({ sub: 'a', exp: NOW / 1000 - 2 }))), { kind: 'done' }, 'within the clock skew')
  const server = s()
  await server.evaluate(initialResponse(unsecuredToken({ sub: 'alice' })))
  await t.rejects(server.evaluate(Buffer.from('x')), { message: /did not acknowledge/ })
  await t.rejects(s().evaluate(Buffer.from('n,,auth=Bearer x')), { name: 'SaslAuthenticationError', message: /invalid OAUTHBEARER client initial response/ })
  await t.rejects(s().evaluate(Buffer.from('n,,\x01auth=Basic abc\x01\x01')), { message: /no "auth=Bearer <token>"/ })
})

t.test('JWKS from a file: signature, audience, issuer, expiry', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const signer = await fileSigner(dir)
  const other = await fileSigner(tempDir(), 'k1')
  const v = new JwksValidator({ url: signer.jwksUrl, refreshMs: 3600000, audience: ['kafka'], issuer: 'https://issuer.example', subClaim: 'sub', scopeClaim: 'scope', clockSkewSeconds: 30, now: Date.now })
  const s = (): OAuthBearerServer => new OAuthBearerServer(v)
  const good = await signer.sign({ sub: 'alice', scope: 'a b' }, { audience: 'kafka', issuer: 'https://issuer.example' })
  t.match(await s().evaluate(initialResponse(good)), { kind: 'done', principal: { name: 'alice' } })
  t.match(await refusal(s(), initialResponse(await other.sign({ sub: 'alice' }, { audience: 'kafka', issuer: 'https://issuer.example' }))), /signature verification failed/)
  t.match(await refusal(s(), initialResponse(await signer.sign({ sub: 'alice' }, { audience: 'elsewhere', issuer: 'https://issuer.example' }))), /"aud"/)
  t.match(await refusal(s(), initialResponse(await signer.sign({ sub: 'alice' }, { audience: 'kafka', issuer: 'https://evil.example' }))), /"iss"/)
  t.match(await refusal(s(), initialResponse(await signer.sign({ sub: 'alice' }, { audience: 'kafka', issuer: 'https://issuer.example', expSeconds: -120 }))), /"exp"/)
  t.match(await refusal(s(), initialResponse(unsecuredToken({ sub: 'alice', exp: Date.now() / 1000 + 60 }))), /not valid/)
  t.throws(() => new JwksValidator({ url: 'http://x', refreshMs: 1, audience: null, issuer: null, subClaim: 'sub', scopeClaim: 'scope', clockSkewSeconds: 0, now: Date.now }), { message: /https: or file:/ })
})
