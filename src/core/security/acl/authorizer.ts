// The authorizer: Kafka's StandardAuthorizer semantics as a core service every front door asks with
// (principal, client host, operation, resource type, resource name) -> allowed.
//
// Decision order (Kafka's StandardAuthorizerData.authorize): a super user (super.users, "User:a;User:b") is
// allowed everything; otherwise the bindings applying to the resource (LITERAL of its name, LITERAL '*',
// PREFIXED of a prefix of its name) whose principal is the caller's or User:*, and whose host is the client's
// or '*', decide: any DENY refusing the operation wins; else any ALLOW granting it (implications.ts) allows;
// else, when no binding at all applies to the resource (whatever its principal), allow.everyone.if.no.acl.found
// decides; else denied.
//
// Enabled by authorizer.class.name: Kafka's org.apache.kafka.metadata.authorizer.StandardAuthorizer,
// kafka.security.authorizer.AclAuthorizer, or "samsa"; empty: disabled, everything is allowed at the cost of one
// branch; any other value: a ConfigError at start. The ACLs are durable (acl-store.ts) and loaded at open().
//
// Decisions are cached per (principal, host, operation, resource) in bounded nested maps (no key string built per
// call) cleared on every ACL change, so the produce path pays four small map lookups (bench/acl-authorize.ts). Authorizer log (Kafka's kafka.authorizer.logger): a denial is logged
// at INFO once per (principal, host, operation, resource) (a bounded set, cleared when full), a grant at DEBUG
// when it is first decided; callers that filter lists (Metadata of all topics) ask with logDenied=false, as
// Kafka does. Threading: main thread; ACL changes are applied in memory at once, then written (queued).
import type { Logger } from '../../../logger.js'
import { ConfigError } from '../../../config/config-error.js'
import { principalString, type Principal } from '../principal.js'
import { AclIndex } from './acl-index.js'
import { AclStore } from './acl-store.js'
import { allowGrants, denyRefuses } from './implications.js'
import { AclPermission, PatternType, WILDCARD_HOST, WILDCARD_PRINCIPAL, bindingString, operationName, resourceString, validateBinding, type AclBinding } from './model.js'
import type { AclBindingFilter } from './filter.js'

/** Values of authorizer.class.name that enable the authorizer. */
export const AUTHORIZER_CLASS_NAMES = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
  'kafka.security.auth.SimpleAclAuthorizer',
  'samsa'
] as const

const MAX_CACHED_DECISIONS = 100_000
const MAX_LOGGED_DENIALS = 10_000

export interface AuthorizerConfig {
  get: (key: string) => string | null
}

/** What one create answers: null when stored (or already there), else why not (INVALID_REQUEST). */
export type CreateResult = string | null

export class Authorizer {
  private readonly index = new AclIndex()
  /** Decisions: principal -> host -> (operation << 3 | resource type) -> resource name -> allowed (no key strings built). */
  private readonly cache = new Map<string, Map<string, Map<number, Map<string, boolean>>>>()
  private cached = 0
  /** "Type:name" of each principal object seen (a session's principal is one object for the connection's life). */
  private readonly principalStrings = new WeakMap<Principal, string>()
  private readonly deniedLogged = new Set<string>()
  private readonly superUsers: ReadonlySet<string>
  private readonly allowIfNoAcl: boolean

  private constructor (
    readonly enabled: boolean,
    config: AuthorizerConfig,
    private readonly store: AclStore | null,
    private readonly logger: Logger
  ) {
    this.superUsers = new Set((config.get('super.users') ?? '').split(';').map(s => s.trim()).filter(s => s !== ''))
    this.allowIfNoAcl = (config.get('allow.everyone.if.no.acl.found') ?? 'false').trim().toLowerCase() === 'true'
  }

  /** Reads authorizer.class.name, super.users, allow.everyone.if.no.acl.found and, when enabled, the stored ACLs. */
  static async open (config: AuthorizerConfig, dataDir: string, logger: Logger): Promise<Authorizer> {
    const className = (config.get('authorizer.class.name') ?? '').trim()
    if (className === '') return new Authorizer(false, config, null, logger)
    if (!(AUTHORIZER_CLASS_NAMES as readonly string[]).includes(className)) {
      throw new ConfigError(`authorizer.class.name=${className}: unknown authorizer; use ${AUTHORIZER_CLASS_NAMES.join(', ')} (or leave it empty to allow every request)`)
    }
    const store = new AclStore(dataDir)
    const a = new Authorizer(true, config, store, logger)
    for (const b of await store.load()) a.index.add(b)
    logger.info({ acls: a.index.size, superUsers: [...a.superUsers], allowEveryoneIfNoAclFound: a.allowIfNoAcl }, 'authorizer enabled')
    return a
  }

  /** A disabled authorizer (every request allowed), for embedders and tests without a data dir. */
  static disabled (logger: Logger): Authorizer {
    return new Authorizer(false, { get: () => null }, null, logger)
  }

  /** How many ACL bindings are stored. */
  get size (): number { return this.index.size }

  isSuperUser (principal: Principal): boolean {
    return this.superUsers.has(principalString(principal))
  }

  /**
   * Whether `principal` connecting from `host` may perform `operation` on resource `resourceType`/`name`.
   * `logDenied`: false when the caller only filters what it shows (a denial then is not logged).
   */
  authorize (principal: Principal, host: string, operation: number, resourceType: number, name: string, logDenied = true): boolean {
    if (!this.enabled) return true
    if (host.startsWith('::ffff:')) host = host.slice(7)
    let p = this.principalStrings.get(principal)
    if (p === undefined) {
      p = principalString(principal)
      this.principalStrings.set(principal, p)
    }
    let byHost = this.cache.get(p)
    if (byHost === undefined) this.cache.set(p, byHost = new Map())
    let byOp = byHost.get(host)
    if (byOp === undefined) byHost.set(host, byOp = new Map())
    const opType = (operation << 3) | resourceType
    let byName = byOp.get(opType)
    if (byName === undefined) byOp.set(opType, byName = new Map())
    let allowed = byName.get(name)
    if (allowed === undefined) {
      const d = this.decide(p, host, operation, resourceType, name)
      allowed = d.allowed
      if (this.cached >= MAX_CACHED_DECISIONS) {
        this.cache.clear()
        this.cached = 0
        this.cache.set(p, byHost)
        byHost.clear()
        byHost.set(host, byOp)
        byOp.clear()
        byOp.set(opType, byName)
        byName.clear()
      }
      byName.set(name, allowed)
      this.cached++
      if (allowed && this.logger.isLevelEnabled('debug')) {
        this.logger.debug(logFields(p, host, operation, resourceType, name, d.rule), authorizerLine(p, 'Allowed', host, operation, resourceType, name, d.rule))
      }
    }
    if (!allowed && logDenied) this.logDenial(p, host, operation, resourceType, name)
    return allowed
  }

  private logDenial (p: string, host: string, operation: number, resourceType: number, name: string): void {
    const key = `${p}\u0000${host}\u0000${operation}\u0000${resourceType}\u0000${name}`
    if (!this.deniedLogged.has(key)) {
      if (this.deniedLogged.size >= MAX_LOGGED_DENIALS) this.deniedLogged.clear()
      this.deniedLogged.add(key)
      const rule = this.decide(p, host, operation, resourceType, name).rule
      this.logger.info(logFields(p, host, operation, resourceType, name, rule), authorizerLine(p, 'Denied', host, operation, resourceType, name, rule))
    }
  }

  /**
   * Whether the principal may perform `operation` on some resource of `resourceType` (Kafka's
   * authorizeByResourceType, used for idempotent producers: WRITE on any topic): a super user; an ALLOW granting
   * it to the principal from this host on any resource of the type, unless a DENY of it covers every resource
   * (LITERAL '*'); or no ACL of that type at all with allow.everyone.if.no.acl.found.
   */
  authorizeByResourceType (principal: Principal, host: string, operation: number, resourceType: number): boolean {
    if (!this.enabled) return true
    if (host.startsWith('::ffff:')) host = host.slice(7)
    const p = principalString(principal)
    if (this.superUsers.has(p)) return true
    let any = false
    let allow = false
    let denyAll = false
    for (const b of this.index.bindings()) {
      if (b.resourceType !== resourceType) continue
      any = true
      if (b.principal !== p && b.principal !== WILDCARD_PRINCIPAL) continue
      if (b.host !== host && b.host !== WILDCARD_HOST) continue
      if (b.permission === AclPermission.DENY) {
        if (denyRefuses(b.operation, operation) && b.patternType === PatternType.LITERAL && b.resourceName === '*') denyAll = true
      } else if (allowGrants(b.operation, operation)) allow = true
    }
    if (denyAll) return false
    return allow || (!any && this.allowIfNoAcl)
  }

  private decide (principal: string, host: string, operation: number, resourceType: number, name: string): { allowed: boolean, rule: string } {
    if (this.superUsers.has(principal)) return { allowed: true, rule: 'super user' }
    let found = false
    let deny: AclBinding | null = null
    let allow: AclBinding | null = null
    this.index.forEachApplying(resourceType, name, list => {
      found = true
      for (let i = 0; i < list.length; i++) {
        const b = list[i]
        if (b.principal !== principal && b.principal !== WILDCARD_PRINCIPAL) continue
        if (b.host !== host && b.host !== WILDCARD_HOST) continue
        if (b.permission === AclPermission.DENY) {
          if (deny === null && denyRefuses(b.operation, operation)) deny = b
        } else if (allow === null && allowGrants(b.operation, operation)) allow = b
      }
    })
    if (deny !== null) return { allowed: false, rule: `DENY ACL ${bindingString(deny)}` }
    if (allow !== null) return { allowed: true, rule: `ALLOW ACL ${bindingString(allow)}` }
    if (!found) return { allowed: this.allowIfNoAcl, rule: `no ACL found, allow.everyone.if.no.acl.found=${String(this.allowIfNoAcl)}` }
    return { allowed: false, rule: 'no matching ALLOW ACL' }
  }

  /** The stored bindings matching `filter`. */
  describe (filter: AclBindingFilter): AclBinding[] {
    return this.index.matching(filter)
  }

  /** Stores each valid binding (durably before resolving); per binding null, or why it is invalid. */
  async create (bindings: readonly AclBinding[]): Promise<CreateResult[]> {
    const results: CreateResult[] = []
    const added: AclBinding[] = []
    for (const b of bindings) {
      const why = validateBinding(b)
      results.push(why)
      if (why === null && this.index.add(b)) added.push(b)
    }
    if (added.length > 0) {
      this.changed()
      try {
        await this.save()
      } catch (err) {
        for (const b of added) this.index.remove(b)
        this.changed()
        throw err
      }
      for (const b of added) this.logger.info({ acl: bindingString(b) }, 'ACL created')
    }
    return results
  }

  /** Removes the bindings matching each filter (durably before resolving); per filter the bindings removed. */
  async delete (filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    const removed = filters.map(f => {
      const m = this.index.matching(f)
      for (const b of m) this.index.remove(b)
      return m
    })
    const all = removed.flat()
    if (all.length > 0) {
      this.changed()
      try {
        await this.save()
      } catch (err) {
        for (const b of all) this.index.add(b)
        this.changed()
        throw err
      }
      for (const b of all) this.logger.info({ acl: bindingString(b) }, 'ACL deleted')
    }
    return removed
  }

  private changed (): void {
    this.cache.clear()
    this.cached = 0
    this.deniedLogged.clear()
  }

  private async save (): Promise<void> {
    await this.store?.save(this.index.bindings())
  }
}

function logFields (principal: string, host: string, operation: number, type: number, name: string, rule: string): Record<string, string> {
  return { component: 'authorizer', principal, host, operation: operationName(operation), resource: resourceString(type, PatternType.LITERAL, name), rule }
}

/** Kafka's authorizer log line: "Principal = User:bob is Denied operation = WRITE from host = ... on resource = ...". */
function authorizerLine (principal: string, verdict: string, host: string, operation: number, type: number, name: string, rule: string): string {
  return `Principal = ${principal} is ${verdict} operation = ${operationName(operation)} from host = ${host} on resource = ${resourceString(type, PatternType.LITERAL, name)} based on rule ${rule}`
}
