// The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener (owned by its Connection; the
// socket may be TLS or not, this does not care). States, as Kafka's SaslServerAuthenticator:
//   handshake --SaslHandshake(mechanism offered)--> authenticate --exchange done--> complete
//   any --failure--> failed (the answer is flushed, then the connection ends after
//                            connection.failed.authentication.delay.ms: socket.end, not destroy)
//   complete --SaslHandshake (KIP-368 re-authentication, v1 only)--> authenticate (reauthenticating)
// Before authentication only ApiVersions (18), SaslHandshake (17) and SaslAuthenticate (36) are allowed; any
// other request closes the connection. SaslHandshake v0 is the legacy exchange: the next frames are raw
// size-prefixed SASL tokens (answered the same way), not Kafka requests; v1 is followed by SaslAuthenticate.
// Frames before authentication are bounded by sasl.server.max.receive.size. KIP-368: with
// connections.max.reauth.ms > 0 or a credential that expires (OAUTHBEARER exp), the session lifetime is the
// smaller of the two, answered in SaslAuthenticate v1+; a request other than SaslHandshake after the session
// expired closes the connection; re-authentication must yield the same principal. Each failure logs one WARN
// with the user name tried, mechanism, listener and client host (never a secret). Time comes from `now`.
import type { Logger } from '../../logger.js'
import { ErrorCode } from '../../protocol/errors.js'
import { principalString } from '../../core/security/principal.js'
import { SaslAuthenticationError, type SaslServerMechanism, type SaslStep } from '../../core/security/sasl/mechanism.js'
import type { SaslMechanisms } from '../../core/security/sasl/mechanisms.js'
import { MIN_FRAME } from './frame-reader.js'
import type { Session } from './session.js'

/** What the authenticator asks of its connection. */
export interface SaslConnectionHooks {
  /** Stop reading; end the connection gracefully once every response queued so far is written, after delayMs. */
  endAfterResponses: (delayMs: number) => void
  /** Accepted frame sizes from the next frame on. */
  setFrameLimits: (min: number, max: number, maxName: string) => void
}

/** The broker-wide SASL settings a connection is built with. */
export interface SaslSettings {
  mechanisms: Pick<SaslMechanisms, 'enabled' | 'create'>
  reauthMs: number
  failedDelayMs: number
  maxReceiveSize: number
  now?: () => number
}

export interface SaslAuthenticateAnswer {
  errorCode: number
  errorMessage: string | null
  authBytes: Buffer
  sessionLifetimeMs: bigint
}

const ALLOWED_BEFORE_AUTH = new Set([17, 18, 36])
const EMPTY = Buffer.alloc(0)

export class SaslAuthenticator {
  state: 'handshake' | 'authenticate' | 'complete' | 'failed' = 'handshake'
  /** True after a SaslHandshake v0: the next frames are raw tokens. */
  legacy = false
  reauthenticating = false
  /** When the session ends without re-authentication (epoch ms), null when it does not. */
  expiresAtMs: number | null = null
  /** The lifetime answered for the last completed exchange (null: unlimited). */
  private lifetimeMs: number | null = null
  private mechanism: SaslServerMechanism | null = null
  private mechanismName: string | null = null
  private readonly now: () => number

  constructor (
    private readonly session: Session,
    private readonly settings: SaslSettings,
    private readonly hooks: SaslConnectionHooks,
    private readonly logger: Logger,
    private readonly maxFrameBytes: number
  ) {
    this.now = settings.now ?? Date.now
    hooks.setFrameLimits(MIN_FRAME, settings.maxReceiveSize, 'sasl.server.max.receive.size')
  }

  /** True while raw legacy tokens are expected instead of Kafka requests. */
  get expectsRawToken (): boolean {
    return this.legacy && this.state === 'authenticate'
  }

  /** Why a request with this API key must close the connection now, or null when it may proceed. */
  check (apiKey: number, apiName: string): string | null {
    const listener = this.session.listener.name
    if (!this.session.authenticated) {
      if (ALLOWED_BEFORE_AUTH.has(apiKey)) return null
      return `${apiName} (API key ${apiKey}) before SASL authentication completed on listener ${listener}: only ApiVersions, SaslHandshake and SaslAuthenticate are allowed`
    }
    if (this.expiresAtMs !== null && !this.reauthenticating && apiKey !== 17 && this.now() >= this.expiresAtMs) {
      return `${apiName} (API key ${apiKey}) after the SASL session of ${principalString(this.session.principal)} expired on listener ${listener} (re-authentication is required: connections.max.reauth.ms or the credential's expiry)`
    }
    return null
  }

  /** SaslHandshake: chooses the mechanism (and the legacy framing for v0). */
  handshake (requested: string, version: number): { errorCode: number, mechanisms: string[] } {
    const listener = this.session.listener.name
    const enabled = this.settings.mechanisms.enabled(listener)
    if (this.state === 'failed') return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled }
    if (this.state === 'authenticate') {
      this.failState(`SaslHandshake received while a ${this.mechanismName ?? ''} exchange is in progress`)
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled }
    }
    if (this.state === 'complete') {
      if (version === 0) {
        this.failState('re-authentication needs SaslHandshake v1 or later (KIP-368)')
        return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled }
      }
      if (requested !== this.mechanismName) {
        this.failState(`re-authentication must use the same SASL mechanism (${this.mechanismName ?? '?'}), got ${requested}`)
        return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled }
      }
    }
    const mechanism = this.settings.mechanisms.create(listener, requested)
    if (mechanism === null) {
      this.logFailure(null, requested, `unsupported SASL mechanism ${requested} (enabled on listener ${listener}: ${enabled.join(', ') || 'none'})`)
      this.state = 'failed'
      this.hooks.endAfterResponses(this.settings.failedDelayMs)
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled }
    }
    this.reauthenticating = this.state === 'complete'
    this.mechanism = mechanism
    this.mechanismName = requested
    this.state = 'authenticate'
    this.legacy = version === 0
    if (this.legacy) this.hooks.setFrameLimits(0, this.settings.maxReceiveSize, 'sasl.server.max.receive.size')
    return { errorCode: ErrorCode.NONE, mechanisms: enabled }
  }

  /** SaslAuthenticate: one client token in, the answer out. */
  async authenticate (token: Buffer, version: number): Promise<SaslAuthenticateAnswer> {
    if (this.state !== 'authenticate' || this.legacy || this.mechanism === null) {
      const message = this.state === 'complete'
        ? 'SaslAuthenticate request received after successful authentication'
        : `SaslAuthenticate request received in SASL state ${this.state}${this.legacy ? ' (legacy SaslHandshake v0 framing: raw tokens expected)' : ''}; send SaslHandshake first`
      if (this.state !== 'complete') this.failState(message)
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: message, authBytes: EMPTY, sessionLifetimeMs: 0n }
    }
    let step: SaslStep
    try {
      step = await this.mechanism.evaluate(token)
    } catch (err) {
      return this.failed(err)
    }
    if (step.kind === 'challenge') return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.token, sessionLifetimeMs: 0n }
    const done = this.finish(step)
    if (done !== null) return this.failed(done)
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.token, sessionLifetimeMs: BigInt(this.lifetimeMs ?? 0) }
  }

  /** A legacy raw token: the raw answer, or null when the exchange failed (the connection then ends). */
  async rawToken (token: Buffer): Promise<Buffer | null> {
    const mechanism = this.mechanism as SaslServerMechanism
    let step: SaslStep
    try {
      step = await mechanism.evaluate(token)
    } catch (err) {
      this.failed(err)
      return null
    }
    if (step.kind === 'challenge') return step.token
    const err = this.finish(step)
    if (err !== null) {
      this.failed(err)
      return null
    }
    return step.token
  }

  /** Completes the exchange; a SaslAuthenticationError when re-authentication changed the principal. */
  private finish (step: Extract<SaslStep, { kind: 'done' }>): SaslAuthenticationError | null {
    if (this.reauthenticating && principalString(step.principal) !== principalString(this.session.principal)) {
      return new SaslAuthenticationError(`Re-authentication failed: the principal changed from ${principalString(this.session.principal)} to ${principalString(step.principal)}`)
    }
    const now = this.now()
    let lifetime: number | null = this.settings.reauthMs > 0 ? this.settings.reauthMs : null
    if (step.credentialExpiresAtMs !== null) lifetime = Math.max(0, Math.min(lifetime ?? Infinity, step.credentialExpiresAtMs - now))
    this.lifetimeMs = lifetime
    this.expiresAtMs = lifetime === null ? null : now + lifetime
    this.session.principal = step.principal
    this.session.authenticated = true
    this.state = 'complete'
    this.legacy = false
    this.reauthenticating = false
    this.hooks.setFrameLimits(MIN_FRAME, this.maxFrameBytes, 'socket.request.max.bytes')
    this.logger.debug({ principal: principalString(step.principal), mechanism: this.mechanismName, listener: this.session.listener.name, host: this.session.clientHost, sessionLifetimeMs: lifetime }, 'SASL authentication succeeded')
    return null
  }

  private failed (err: unknown): SaslAuthenticateAnswer {
    let message: string
    if (err instanceof SaslAuthenticationError) {
      message = err.message
    } else {
      this.logger.error({ err, mechanism: this.mechanismName }, 'SASL mechanism failed unexpectedly')
      message = `Authentication failed: internal error in the ${this.mechanismName ?? ''} mechanism`
    }
    this.logFailure(this.mechanism?.attemptedUser ?? null, this.mechanismName ?? '?', message)
    this.state = 'failed'
    this.hooks.endAfterResponses(this.settings.failedDelayMs)
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: EMPTY, sessionLifetimeMs: 0n }
  }

  /** A request out of sequence: answered, then the connection ends (as a failed authentication). */
  private failState (message: string): void {
    this.logFailure(this.mechanism?.attemptedUser ?? null, this.mechanismName ?? '?', message)
    this.state = 'failed'
    this.hooks.endAfterResponses(this.settings.failedDelayMs)
  }

  private logFailure (user: string | null, mechanism: string, message: string): void {
    this.logger.warn({
      principal: user === null ? null : `User:${user}`,
      mechanism,
      // the connection's logger names the listener too; the message keeps it for loggers that do not
      host: this.session.clientHost,
      reauthentication: this.reauthenticating
    }, `${this.reauthenticating ? 're-authentication' : 'authentication'} failed on listener ${this.session.listener.name}: ${message}`)
  }
}
