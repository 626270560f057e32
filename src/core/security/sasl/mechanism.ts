// The server side of one SASL exchange, protocol-neutral (the Kafka front door drives it from SaslAuthenticate
// or legacy raw tokens; the AMQP front door can drive PLAIN from Connection.StartOk). One instance per
// exchange: evaluate() is called with each client token in order and answers a challenge to send back, or
// `done` with the authenticated principal (and the server's last token, possibly empty), or throws
// SaslAuthenticationError whose message is safe to send to the client (never a password, never which of user
// or password was wrong). Invariant: after `done` or a throw the instance is finished; evaluate() again throws.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Principal } from '../principal.js'

export type SaslStep =
  | { kind: 'challenge', token: Buffer }
  | {
    kind: 'done'
    token: Buffer
    principal: Principal
    /** When the credential stops being valid (an OAUTHBEARER token's exp), epoch ms; null when it does not. */
    credentialExpiresAtMs: number | null
  }

export interface SaslServerMechanism {
  /** The IANA name ("PLAIN", "SCRAM-SHA-256", ...). */
  readonly name: string
  /** The user name the client claimed so far (for the failure log), null before it said one. */
  readonly attemptedUser: string | null
  evaluate: (token: Buffer) => SaslStep | Promise<SaslStep>
}

/** Kafka's SaslAuthenticationException: the exchange failed; the message goes to the client. */
export class SaslAuthenticationError extends Error {
  override name = 'SaslAuthenticationError'
  /** SASL_AUTHENTICATION_FAILED (58), for errorCodeOf(). */
  readonly errorCode = 58
}

/** Kafka's message for a wrong secret (the same for an unknown user). */
export function invalidCredentials (mechanism: string): SaslAuthenticationError {
  return new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`)
}

/** Compares two secrets in time independent of where they differ (both hashed first: lengths may differ). */
export function sameSecret (a: Buffer, b: Buffer): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
