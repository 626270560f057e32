// SASL OAUTHBEARER (RFC 7628), server side, as Kafka's OAuthBearerSaslServer. Client initial response (GS2):
//   "n," ["a=" authzid] "," %x01 "auth=Bearer " token %x01 *(key "=" value %x01) %x01
// The token is checked by the listener's validator (oauth-validators.ts). Success: `done` with the token's
// principal and its exp (which bounds the session: KIP-368). Failure (RFC 7628 section 3.2.2): the server
// answers the JSON challenge {"status":"invalid_token"} and the exchange fails when the client answers with
// a single %x01, with the reason as the message. The authzid must be empty or the token's principal. SASL
// extensions (other keys) are accepted and not validated (Kafka's default). An empty initial response or a
// malformed one fails at once.
import { userPrincipal } from '../principal.js'
import { SaslAuthenticationError, type SaslServerMechanism, type SaslStep } from './mechanism.js'
import { OAuthTokenError, type OAuthTokenValidator } from './oauth-validators.js'

const GS2 = /^n,(?:a=([^,]*))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t\r\n]*\x01)*)\x01$/s
const AUTH = /^([A-Za-z]+) +([-_.a-zA-Z0-9+/=~]+)$/

export class OAuthBearerServer implements SaslServerMechanism {
  readonly name = 'OAUTHBEARER'
  attemptedUser: string | null = null
  private state: 'initial' | 'error-sent' | 'finished' = 'initial'
  private failure = ''

  constructor (private readonly validator: OAuthTokenValidator) {}

  async evaluate (token: Buffer): Promise<SaslStep> {
    if (this.state === 'error-sent') {
      this.state = 'finished'
      if (token.length === 1 && token[0] === 1) throw new SaslAuthenticationError(`Authentication failed: ${this.failure}`)
      throw new SaslAuthenticationError(`Authentication failed: ${this.failure} (and the client did not acknowledge the error with %x01)`)
    }
    if (this.state === 'finished') throw new SaslAuthenticationError('Authentication failed: OAUTHBEARER exchange already finished')
    const m = GS2.exec(token.toString('utf8'))
    if (m === null) {
      this.state = 'finished'
      throw new SaslAuthenticationError('Authentication failed: invalid OAUTHBEARER client initial response (expected "n,,\\x01auth=Bearer <token>\\x01\\x01")')
    }
    const pairs = new Map<string, string>()
    for (const kv of m[2]!.split('\x01')) {
      if (kv === '') continue
      const i = kv.indexOf('=')
      pairs.set(kv.slice(0, i), kv.slice(i + 1))
    }
    const auth = AUTH.exec(pairs.get('auth') ?? '')
    if (auth === null || auth[1]!.toLowerCase() !== 'bearer') {
      this.state = 'finished'
      throw new SaslAuthenticationError('Authentication failed: the OAUTHBEARER initial response has no "auth=Bearer <token>"')
    }
    try {
      const t = await this.validator.validate(auth[2]!)
      this.attemptedUser = t.principalName
      const authzid = m[1] ?? ''
      if (authzid !== '' && authzid !== t.principalName) {
        throw new OAuthTokenError(`Client requested an authorization id (${authzid}) that is different from the token's principal name (${t.principalName})`)
      }
      this.state = 'finished'
      return { kind: 'done', token: Buffer.alloc(0), principal: userPrincipal(t.principalName), credentialExpiresAtMs: t.expiresAtMs }
    } catch (err) {
      if (!(err instanceof OAuthTokenError)) throw err
      this.failure = err.message
      this.state = 'error-sent'
      return { kind: 'challenge', token: Buffer.from(JSON.stringify({ status: 'invalid_token' }), 'utf8') }
    }
  }
}
