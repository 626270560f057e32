// Which SASL mechanisms a listener offers and how each one's server side is built, from the broker config:
// - enabled: `sasl.enabled.mechanisms` (per listener: listener.name.<l>.sasl.enabled.mechanisms), in the
//   configured order, without GSSAPI (Kerberos is not implemented; a WARN at start says so).
// - PLAIN users: the user_<name>="<password>" options of Kafka's JAAS PlainLoginModule entry, from
//   listener.name.<l>.plain.sasl.jaas.config, else listener.name.<l>.sasl.jaas.config, else sasl.jaas.config,
//   plus Samsa's simpler `sasl.plain.users` ("alice:alice-secret,bob:bob-secret"; per listener too).
// - SCRAM: the durable credential store (scram-credentials.ts), shared by every listener.
// - OAUTHBEARER: JWKS validation when sasl.oauthbearer.jwks.endpoint.url is set (also read per listener and
//   mechanism: listener.name.<l>.oauthbearer.sasl.oauthbearer.*), else Kafka's unsecured
//   validator with the unsecuredValidator* options of the listener's oauthbearer JAAS entry.
// Everything per listener is resolved once, at construction; a bad JAAS value throws JaasConfigError naming
// the key, so the broker does not start with it.
import type { BrokerConfig } from '../../../config/broker-config.js'
import { listenerKey } from '../../../config/listeners.js'
import { JaasConfigError, parseJaasConfig, type JaasEntry } from './jaas.js'
import type { SaslServerMechanism } from './mechanism.js'
import { OAuthBearerServer } from './oauthbearer.js'
import { JwksValidator, UnsecuredJwsValidator, type OAuthTokenValidator } from './oauth-validators.js'
import { PlainServer } from './plain.js'
import type { ScramCredentialStore } from './scram-credentials.js'
import { scramByName } from './scram-formulas.js'
import { ScramServer } from './scram-server.js'

export const SUPPORTED_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']

interface ListenerSasl {
  enabled: string[]
  plainUsers: Map<string, string>
  oauth: OAuthTokenValidator | null
}

export class SaslMechanisms {
  private readonly listeners = new Map<string, ListenerSasl>()
  /** Problems worth a WARN at start (GSSAPI asked for, PLAIN without users). */
  readonly warnings: string[] = []

  constructor (private readonly config: BrokerConfig, readonly credentials: ScramCredentialStore, listenerNames: string[], private readonly now: () => number = Date.now) {
    for (const name of listenerNames) this.listeners.set(name, this.resolve(name))
  }

  /** The mechanisms a listener offers, in configured order. */
  enabled (listener: string): string[] {
    return this.of(listener).enabled
  }

  /** A fresh server side of one exchange, or null when the listener does not offer `mechanism`. */
  create (listener: string, mechanism: string): SaslServerMechanism | null {
    const l = this.of(listener)
    if (!l.enabled.includes(mechanism)) return null
    if (mechanism === 'PLAIN') return new PlainServer(l.plainUsers)
    if (mechanism === 'OAUTHBEARER') return new OAuthBearerServer(l.oauth as OAuthTokenValidator)
    const scram = scramByName(mechanism)
    if (scram !== undefined) return new ScramServer(scram, this.credentials)
    return null
  }

  private of (listener: string): ListenerSasl {
    let l = this.listeners.get(listener)
    if (l === undefined) this.listeners.set(listener, l = this.resolve(listener))
    return l
  }

  private jaas (listener: string, mechanism: string): JaasEntry | null {
    const keys = [listenerKey(listener, `${mechanism.toLowerCase()}.sasl.jaas.config`), listenerKey(listener, 'sasl.jaas.config')]
    for (const key of keys) {
      const v = this.config.explicit.get(key)
      if (v !== undefined) return parseJaasConfig(v, key)
    }
    const v = this.config.get('sasl.jaas.config')
    return v === null || v === '' ? null : parseJaasConfig(v, 'sasl.jaas.config')
  }

  private resolve (listener: string): ListenerSasl {
    const list = (this.config.forListener(listener, 'sasl.enabled.mechanisms') ?? '').split(',').map(s => s.trim().toUpperCase()).filter(s => s !== '')
    const enabled = list.filter(m => SUPPORTED_MECHANISMS.includes(m))
    const dropped = list.filter(m => !SUPPORTED_MECHANISMS.includes(m))
    if (dropped.length > 0) this.warnings.push(`listener ${listener}: SASL mechanism ${dropped.join(', ')} is not implemented (GSSAPI/Kerberos is not); offering ${enabled.join(', ') || 'none'}`)
    const plainUsers = new Map<string, string>()
    if (enabled.includes('PLAIN')) {
      const entry = this.jaas(listener, 'PLAIN')
      if (entry !== null && /PlainLoginModule$/.test(entry.loginModule)) {
        for (const [k, v] of entry.options) if (k.startsWith('user_') && k.length > 5) plainUsers.set(k.slice(5), v)
      }
      const simple = this.config.forListener(listener, 'sasl.plain.users') ?? ''
      for (const pair of simple.split(',').map(s => s.trim()).filter(s => s !== '')) {
        const i = pair.indexOf(':')
        if (i <= 0) throw new JaasConfigError(`sasl.plain.users: expected user:password, got an entry without ':' (${pair.slice(0, i < 0 ? pair.length : i)}...)`)
        plainUsers.set(pair.slice(0, i), pair.slice(i + 1))
      }
      if (plainUsers.size === 0) this.warnings.push(`listener ${listener}: PLAIN is enabled but no users are configured (sasl.plain.users or user_<name>="<password>" in the PlainLoginModule JAAS entry): every PLAIN login fails`)
    }
    let oauth: OAuthTokenValidator | null = null
    if (enabled.includes('OAUTHBEARER')) {
      // listener.name.<l>.oauthbearer.<key> (Kafka's per-mechanism form), then listener.name.<l>.<key>, then <key>
      const get = (k: string): string | null => this.config.explicit.get(listenerKey(listener, `oauthbearer.${k}`)) ?? this.config.forListener(listener, k)
      const url = get('sasl.oauthbearer.jwks.endpoint.url')
      if (url !== null && url !== '') {
        const aud = get('sasl.oauthbearer.expected.audience')
        oauth = new JwksValidator({
          url,
          refreshMs: Number(get('sasl.oauthbearer.jwks.endpoint.refresh.ms')),
          audience: aud === null || aud === '' ? null : aud.split(',').map(s => s.trim()).filter(s => s !== ''),
          issuer: get('sasl.oauthbearer.expected.issuer') || null,
          subClaim: get('sasl.oauthbearer.sub.claim.name') ?? 'sub',
          scopeClaim: get('sasl.oauthbearer.scope.claim.name') ?? 'scope',
          clockSkewSeconds: Number(get('sasl.oauthbearer.clock.skew.seconds')),
          now: this.now
        })
      } else {
        const o = this.jaas(listener, 'OAUTHBEARER')?.options ?? new Map<string, string>()
        oauth = new UnsecuredJwsValidator({
          principalClaim: o.get('unsecuredValidatorPrincipalClaimName') ?? 'sub',
          scopeClaim: o.get('unsecuredValidatorScopeClaimName') ?? 'scope',
          requiredScope: (o.get('unsecuredValidatorRequiredScope') ?? '').split(/[ ,]/).filter(s => s !== ''),
          clockSkewMs: Number(o.get('unsecuredValidatorAllowableClockSkewMs') ?? '0') || 0,
          now: this.now
        })
      }
    }
    return { enabled, plainUsers, oauth }
  }
}
