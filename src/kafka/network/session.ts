// Per-connection security state of the Kafka front door: the listener the client connected to (its name,
// security protocol and advertised address, which Metadata and FindCoordinator answer with), the client's
// host, and the principal. Invariant: the principal changes only by authentication on this connection (the
// TLS handshake for mTLS, a completed SASL exchange, a KIP-368 re-authentication as the same principal);
// `authenticated` is true from the start on listeners without SASL.
import { ANONYMOUS, type Principal } from '../../core/security/principal.js'
import type { SecurityProtocol } from '../../config/listeners.js'

/** A bound listener as a connection sees it. */
export interface ListenerEndpoint {
  readonly name: string
  readonly securityProtocol: SecurityProtocol
  /** Where clients of this listener are told to connect (advertised.listeners, else the bound address). */
  readonly advertised: { host: string, port: number }
}

export function usesSasl (p: SecurityProtocol): boolean {
  return p === 'SASL_PLAINTEXT' || p === 'SASL_SSL'
}

export function usesTls (p: SecurityProtocol): boolean {
  return p === 'SSL' || p === 'SASL_SSL'
}

export class Session {
  principal: Principal = ANONYMOUS
  /** True once the client may send any request (at once on listeners without SASL). */
  authenticated: boolean

  constructor (readonly listener: ListenerEndpoint, readonly clientHost: string) {
    this.authenticated = !usesSasl(listener.securityProtocol)
  }
}
