// SASL PLAIN (RFC 4616) against a fixed user table. One client message:
//   [authzid] NUL authcid NUL passwd        (UTF-8)
// As Kafka's PlainSaslServer: exactly three fields; user and password must be non-empty; the authzid must be
// empty or equal the user; an unknown user and a wrong password fail with the same message. The password is
// compared in constant time. The user table comes from the config (plain-users.ts), never from the client.
import { userPrincipal } from '../principal.js'
import { SaslAuthenticationError, sameSecret, type SaslServerMechanism, type SaslStep } from './mechanism.js'

export class PlainServer implements SaslServerMechanism {
  readonly name = 'PLAIN'
  attemptedUser: string | null = null
  private finished = false

  constructor (private readonly users: ReadonlyMap<string, string>) {}

  async evaluate (token: Buffer): Promise<SaslStep> {
    if (this.finished) throw new SaslAuthenticationError('Authentication failed: PLAIN takes one client message')
    this.finished = true
    const parts = token.toString('utf8').split('\u0000')
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`)
    const [authzid, user, password] = parts as [string, string, string]
    if (user === '') throw new SaslAuthenticationError('Authentication failed: username not specified')
    this.attemptedUser = user
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified')
    const expected = this.users.get(user)
    // an unknown user costs the same comparison as a known one
    const ok = sameSecret(Buffer.from(password, 'utf8'), Buffer.from(expected ?? '\u0000unknown user', 'utf8'))
    if (!ok || expected === undefined) throw new SaslAuthenticationError('Authentication failed: Invalid username or password')
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
    }
    return { kind: 'done', token: Buffer.alloc(0), principal: userPrincipal(user), credentialExpiresAtMs: null }
  }
}
