// Test helper: OAUTHBEARER tokens: KIP-255 unsecured JWS, and JWTs signed with a key whose JWKS is written to
// a file (jose), plus the RFC 7628 client initial response.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

export function unsecuredToken (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b(header)}.${b(claims)}.`
}

export function initialResponse (token: string, authzid = '', extensions: Record<string, string> = {}): Buffer {
  const ext = Object.entries(extensions).map(([k, v]) => `${k}=${v}\x01`).join('')
  return Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\x01auth=Bearer ${token}\x01${ext}\x01`)
}

export interface Signer {
  jwksUrl: string
  sign: (claims: Record<string, unknown>, opts?: { audience?: string, issuer?: string, expSeconds?: number }) => Promise<string>
}

/** A fresh RS256 key; its public JWKS written to `<dir>/jwks.json`. */
export async function fileSigner (dir: string, kid = 'k1'): Promise<Signer> {
  const jose = await import('jose')
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256')
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  const file = path.join(dir, 'jwks.json')
  fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }))
  return {
    jwksUrl: pathToFileURL(file).href,
    sign: async (claims, opts = {}) => {
      let jwt = new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 3600))
      if (opts.audience !== undefined) jwt = jwt.setAudience(opts.audience)
      if (opts.issuer !== undefined) jwt = jwt.setIssuer(opts.issuer)
      return await jwt.sign(privateKey)
    }
  }
}
