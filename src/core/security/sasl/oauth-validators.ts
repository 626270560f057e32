// OAUTHBEARER token validation (KIP-255, KIP-768), two kinds, as Kafka's broker-side callback handlers:
// - unsecured (Kafka's default, OAuthBearerUnsecuredValidatorCallbackHandler; for development only): an
//   unsecured JWS "base64url(header).base64url(claims)." with alg "none" and an empty signature; the principal
//   claim (default "sub") a non-empty string; "exp" required (seconds), "iat" optional and not after exp; the
//   allowed clock skew (default 0 ms) applied to both; an optional required scope. JAAS options of Kafka's
//   OAuthBearerLoginModule: unsecuredValidatorPrincipalClaimName, unsecuredValidatorScopeClaimName,
//   unsecuredValidatorRequiredScope, unsecuredValidatorAllowableClockSkewMs.
// - JWKS (Kafka's OAuthBearerValidatorCallbackHandler, chosen when sasl.oauthbearer.jwks.endpoint.url is set):
//   a signed JWT verified with `jose` against the key set of an https: URL (fetched again after
//   sasl.oauthbearer.jwks.endpoint.refresh.ms, or at once for an unknown kid) or a file: URL (re-read after the
//   same interval); sasl.oauthbearer.expected.audience (any of them), expected.issuer, clock.skew.seconds,
//   sub.claim.name (required non-empty string), scope.claim.name (string of space-separated scopes, or a list);
//   "exp" required.
// A failure throws OAuthTokenError with the reason (sent to the client in the SASL failure message).
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export class OAuthTokenError extends Error {
  override name = 'OAuthTokenError'
}

export interface ValidatedToken {
  principalName: string
  /** exp, in epoch ms. */
  expiresAtMs: number
  scopes: string[]
}

export interface OAuthTokenValidator {
  validate: (token: string) => Promise<ValidatedToken>
}

function b64json (part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new OAuthTokenError(`the token's ${what} is not base64url`)
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new OAuthTokenError(`the token's ${what} is not JSON`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OAuthTokenError(`the token's ${what} is not a JSON object`)
  return v as Record<string, unknown>
}

function scopesOf (v: unknown, claim: string): string[] {
  if (v === undefined) return []
  if (typeof v === 'string') return v.split(' ').filter(s => s !== '')
  if (Array.isArray(v) && v.every(s => typeof s === 'string')) return v as string[]
  throw new OAuthTokenError(`the token's '${claim}' claim is neither a string nor a list of strings`)
}

export interface UnsecuredOptions {
  principalClaim: string
  scopeClaim: string
  requiredScope: string[]
  clockSkewMs: number
  now: () => number
}

export class UnsecuredJwsValidator implements OAuthTokenValidator {
  constructor (private readonly opts: UnsecuredOptions) {}

  async validate (token: string): Promise<ValidatedToken> {
    const parts = token.split('.')
    if (parts.length !== 3 || parts[2] !== '') {
      throw new OAuthTokenError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values, the last one empty')
    }
    const header = b64json(parts[0]!, 'header')
    if (header.alg !== 'none') throw new OAuthTokenError(`an unsecured JWS must have alg "none", got ${JSON.stringify(header.alg)}`)
    const claims = b64json(parts[1]!, 'claims')
    const { principalClaim, scopeClaim, clockSkewMs } = this.opts
    const principal = claims[principalClaim]
    if (typeof principal !== 'string' || principal.trim() === '') throw new OAuthTokenError(`the required claim '${principalClaim}' is missing or not a non-empty string`)
    const exp = claims.exp
    if (typeof exp !== 'number') throw new OAuthTokenError('the required claim \'exp\' is missing or not a number')
    const now = this.opts.now()
    const expMs = exp * 1000
    if (now - clockSkewMs >= expMs) throw new OAuthTokenError(`the token expired at ${new Date(expMs).toISOString()} (now ${new Date(now).toISOString()}, allowed clock skew ${clockSkewMs} ms)`)
    if (claims.iat !== undefined) {
      if (typeof claims.iat !== 'number') throw new OAuthTokenError('the claim \'iat\' is not a number')
      if (claims.iat * 1000 > now + clockSkewMs) throw new OAuthTokenError(`the token is issued in the future (iat ${new Date(claims.iat * 1000).toISOString()})`)
      if (claims.iat >= exp) throw new OAuthTokenError('the token\'s iat is not before its exp')
    }
    const scopes = scopesOf(claims[scopeClaim], scopeClaim)
    const missing = this.opts.requiredScope.filter(s => !scopes.includes(s))
    if (missing.length > 0) throw new OAuthTokenError(`the token lacks the required scope ${missing.join(' ')}`)
    return { principalName: principal, expiresAtMs: expMs, scopes }
  }
}

export interface JwksOptions {
  url: string
  refreshMs: number
  audience: string[] | null
  issuer: string | null
  subClaim: string
  scopeClaim: string
  clockSkewSeconds: number
  now: () => number
}

type KeySet = Parameters<typeof import('jose').jwtVerify>[1]

export class JwksValidator implements OAuthTokenValidator {
  private keys: KeySet | null = null
  private loadedAt = 0

  constructor (private readonly opts: JwksOptions) {
    if (!/^(https|file):/.test(opts.url)) throw new OAuthTokenError(`sasl.oauthbearer.jwks.endpoint.url must be an https: or file: URL, got ${opts.url}`)
  }

  private async keySet (): Promise<KeySet> {
    const jose = await import('jose')
    const now = this.opts.now()
    if (this.opts.url.startsWith('https:')) {
      this.keys ??= jose.createRemoteJWKSet(new URL(this.opts.url), { cacheMaxAge: this.opts.refreshMs })
      return this.keys
    }
    if (this.keys === null || now - this.loadedAt >= this.opts.refreshMs) {
      const path = fileURLToPath(this.opts.url)
      let jwks: unknown
      try {
        jwks = JSON.parse(await readFile(path, 'utf8'))
      } catch (err) {
        throw new OAuthTokenError(`cannot read the JWKS file ${path}: ${(err as Error).message}`)
      }
      this.keys = jose.createLocalJWKSet(jwks as Parameters<typeof jose.createLocalJWKSet>[0])
      this.loadedAt = now
    }
    return this.keys
  }

  async validate (token: string): Promise<ValidatedToken> {
    const jose = await import('jose')
    const keys = await this.keySet()
    const o = this.opts
    let payload: Record<string, unknown>
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        audience: o.audience ?? undefined,
        issuer: o.issuer ?? undefined,
        clockTolerance: o.clockSkewSeconds,
        requiredClaims: ['exp', o.subClaim],
        currentDate: new Date(o.now())
      }))
    } catch (err) {
      if (err instanceof OAuthTokenError) throw err
      throw new OAuthTokenError(`the token is not valid: ${(err as Error).message}`)
    }
    const sub = payload[o.subClaim]
    if (typeof sub !== 'string' || sub.trim() === '') throw new OAuthTokenError(`the claim '${o.subClaim}' is not a non-empty string`)
    return { principalName: sub, expiresAtMs: (payload.exp as number) * 1000, scopes: scopesOf(payload[o.scopeClaim], o.scopeClaim) }
  }
}
