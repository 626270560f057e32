// The server side of SCRAM-SHA-256/512 (RFC 5802/7677), as Kafka's ScramSaslServer:
//   client-first  gs2-header client-first-bare    gs2-header = ("n" | "y") "," ["a=" authzid] ","
//                 client-first-bare = "n=" saslname ",r=" c-nonce ["," extensions]
//   server-first  "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" iterations
//   client-final  "c=" base64(channel binding) ",r=" nonce ["," extensions] ",p=" base64(ClientProof)
//   server-final  "v=" base64(ServerSignature)
// Kafka's leniencies and rules, kept: the client-final nonce must *end with* the server-first nonce (old
// librdkafka, Debian's 2.0.2, relies on it); channel binding "p" is refused; the authzid must be empty or the
// user; saslname escapes =2C and =3D decoded; the extension tokenauth=true (delegation tokens) is refused (not
// implemented). An unknown user gets a made-up salt derived from the name (stable across attempts) and fails
// at the proof exactly like a wrong password. The proof is compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { userPrincipal } from '../principal.js'
import { SaslAuthenticationError, invalidCredentials, type SaslServerMechanism, type SaslStep } from './mechanism.js'
import { hash, hmac, type ScramCredential, type ScramMechanismInfo } from './scram-formulas.js'

export interface ScramCredentialLookup {
  get: (user: string, mechanism: string) => ScramCredential | undefined
}

/** A per-process secret for unknown users' made-up salts (so they cannot be told from real ones). */
const MOCK_SECRET = randomBytes(32)

const CLIENT_FIRST = /^([ny]),(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,(.*))?)$/s
const CLIENT_FINAL = /^(c=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,.*)?),p=([A-Za-z0-9+/=]+)$/s

function decodeSaslName (s: string): string | null {
  if (/=(?!2C|3D)/.test(s)) return null
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

export class ScramServer implements SaslServerMechanism {
  readonly name: string
  attemptedUser: string | null = null
  private state: 'first' | 'final' | 'finished' = 'first'
  private clientFirstBare = ''
  private serverFirst = ''
  private nonce = ''
  private credential: ScramCredential | null = null
  private known = false
  private user = ''

  constructor (
    private readonly mech: ScramMechanismInfo,
    private readonly store: ScramCredentialLookup,
    /** The server's nonce part (tests inject RFC vectors). */
    private readonly serverNonce: () => string = () => randomBytes(24).toString('base64url')
  ) {
    this.name = mech.name
  }

  evaluate (token: Buffer): SaslStep {
    if (this.state === 'first') return this.first(token.toString('utf8'))
    if (this.state === 'final') return this.final(token.toString('utf8'))
    throw new SaslAuthenticationError(`Authentication failed: ${this.name} exchange already finished`)
  }

  private first (msg: string): SaslStep {
    this.state = 'finished'
    if (msg.startsWith('p=')) throw new SaslAuthenticationError('Authentication failed: SCRAM channel binding is not supported')
    const m = CLIENT_FIRST.exec(msg)
    if (m === null) throw new SaslAuthenticationError(`Authentication failed: invalid SCRAM client-first message (expected "n,,n=<user>,r=<nonce>")`)
    const user = decodeSaslName(m[4]!)
    if (user === null || user === '') throw new SaslAuthenticationError('Authentication failed: invalid SCRAM user name (empty, or "=" not escaped as =3D)')
    this.attemptedUser = user
    const authzid = m[2] === undefined ? '' : decodeSaslName(m[2])
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
    }
    for (const ext of (m[6] ?? '').split(',')) {
      if (/^tokenauth=true$/i.test(ext)) throw new SaslAuthenticationError('Authentication failed: delegation tokens are not supported by this broker')
    }
    this.user = user
    this.clientFirstBare = m[3]!
    const stored = this.store.get(user, this.name)
    this.known = stored !== undefined
    this.credential = stored ?? this.mockCredential(user)
    this.nonce = m[5]! + this.serverNonce()
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`
    this.state = 'final'
    return { kind: 'challenge', token: Buffer.from(this.serverFirst, 'utf8') }
  }

  private final (msg: string): SaslStep {
    this.state = 'finished'
    const m = CLIENT_FINAL.exec(msg)
    if (m === null) throw new SaslAuthenticationError('Authentication failed: invalid SCRAM client-final message (expected "c=<binding>,r=<nonce>,p=<proof>")')
    if (!m[3]!.endsWith(this.nonce)) throw new SaslAuthenticationError('Authentication failed: Invalid client nonce in the final client message.')
    const cred = this.credential as ScramCredential
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${m[1]!}`
    const proof = Buffer.from(m[4]!, 'base64')
    const signature = hmac(this.mech, cred.storedKey, authMessage)
    if (proof.length !== signature.length) throw invalidCredentials(this.name)
    const clientKey = Buffer.alloc(proof.length)
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!
    const ok = timingSafeEqual(hash(this.mech, clientKey), cred.storedKey)
    if (!ok || !this.known) throw invalidCredentials(this.name)
    const serverSignature = hmac(this.mech, cred.serverKey, authMessage)
    return { kind: 'done', token: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), principal: userPrincipal(this.user), credentialExpiresAtMs: null }
  }

  private mockCredential (user: string): ScramCredential {
    const salt = hmac(this.mech, MOCK_SECRET, `salt:${user}`).subarray(0, 16)
    const key = hmac(this.mech, MOCK_SECRET, `key:${user}`)
    return { salt: Buffer.from(salt), storedKey: key, serverKey: key, iterations: 4096 }
  }
}
