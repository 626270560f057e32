// OAUTHBEARER against a JWKS served over https: (sasl.oauthbearer.jwks.endpoint.url=https://...), with a
// self-signed certificate made by openssl and trusted through NODE_EXTRA_CA_CERTS, which Node reads only at
// start: so the check runs in a child process. The key set is fetched once and cached (refresh.ms).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import https from 'node:https'
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../../helpers/broker.js'

const CHILD = process.env.SAMSA_JWKS_HTTPS_CHILD

async function child (dir: string): Promise<void> {
  const jose = await import('jose')
  const { JwksValidator } = await import('../../../../src/core/security/sasl/oauth-validators.js')
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256')
  const jwks = JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] })
  let fetches = 0
  const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => {
    fetches++
    res.setHeader('content-type', 'application/json')
    res.end(jwks)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const v = new JwksValidator({ url: `https://127.0.0.1:${port}/jwks.json`, refreshMs: 3600000, audience: ['kafka'], issuer: null, subClaim: 'sub', scopeClaim: 'scope', clockSkewSeconds: 0, now: Date.now })
  const sign = async (aud: string): Promise<string> => await new jose.SignJWT({ sub: 'svc' }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setAudience(aud).setExpirationTime('1h').sign(privateKey)
  const ok = await v.validate(await sign('kafka'))
  const again = await v.validate(await sign('kafka'))
  let refused = ''
  try { await v.validate(await sign('other')) } catch (err) { refused = (err as Error).message }
  server.close()
  process.stdout.write(JSON.stringify({ principal: ok.principalName, again: again.principalName, refused, fetches }) + '\n')
}

if (CHILD !== undefined) {
  await child(CHILD)
} else {
  t.test('JWKS over https: verified, cached, wrong audience refused', async t => {
    const dir = tempDir()
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' })
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, SAMSA_JWKS_HTTPS_CHILD: dir, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'), TAP_CHILD_ID: '' },
      encoding: 'utf8',
      timeout: 60000
    })
    t.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string)
    t.equal(out.principal, 'svc')
    t.equal(out.again, 'svc')
    t.match(out.refused, /"aud"/)
    t.equal(out.fetches, 1, 'the key set is fetched once')
  })
}
