// The ACL model, with Kafka's numeric codes (org.apache.kafka.common.resource/acl): a binding is a resource
// pattern (type, name, LITERAL or PREFIXED) plus an access control entry (principal "Type:name", host, operation,
// ALLOW or DENY). Filters (filter.ts) may also use ANY / MATCH; bindings never do.
// Invariants of a stored binding (validateBinding): a concrete resource type, pattern type LITERAL or PREFIXED,
// a concrete operation and permission, a principal with a type, a non-empty resource name ("kafka-cluster" for
// CLUSTER), a host ("*" for any).
import { parsePrincipal } from '../principal.js'

export const ResourceType = {
  UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7
} as const

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14
} as const

export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const

/** The name of the one CLUSTER resource (Kafka's Resource.CLUSTER_NAME). */
export const CLUSTER_NAME = 'kafka-cluster'
/** A LITERAL resource name matching every resource of its type. */
export const WILDCARD_RESOURCE = '*'
/** A principal matching every principal. */
export const WILDCARD_PRINCIPAL = 'User:*'
/** A host matching every host. */
export const WILDCARD_HOST = '*'

export interface AclBinding {
  readonly resourceType: number
  readonly resourceName: string
  readonly patternType: number
  /** "Type:name", e.g. "User:alice" or "User:*". */
  readonly principal: string
  readonly host: string
  readonly operation: number
  readonly permission: number
}

function nameOf (table: Record<string, number>, code: number): string {
  for (const [k, v] of Object.entries(table)) if (v === code) return k
  return `UNKNOWN(${code})`
}

export const resourceTypeName = (code: number): string => nameOf(ResourceType, code)
export const patternTypeName = (code: number): string => nameOf(PatternType, code)
export const operationName = (code: number): string => nameOf(AclOperation, code)
export const permissionName = (code: number): string => nameOf(AclPermission, code)

/** Kafka's spelling of a resource in the authorizer log: "Topic:LITERAL:orders". */
export function resourceString (type: number, patternType: number, name: string): string {
  const t = resourceTypeName(type)
  const camel = t.split('_').map(w => w[0] + w.slice(1).toLowerCase()).join('')
  return `${camel}:${patternTypeName(patternType)}:${name}`
}

/** The operations Kafka allows in an ACL on each resource type (AclEntry.supportedOperations), ALL aside. */
export const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [ResourceType.TOPIC, [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [ResourceType.CLUSTER, [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]]
])

const CONCRETE_TYPES = new Set([2, 3, 4, 5, 6, 7])

/** Why `b` cannot be stored (Kafka's INVALID_REQUEST message), or null when it can. */
export function validateBinding (b: AclBinding): string | null {
  if (!CONCRETE_TYPES.has(b.resourceType)) return `invalid resource type ${resourceTypeName(b.resourceType)}: an ACL names TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN or USER`
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `invalid pattern type ${patternTypeName(b.patternType)}: an ACL is LITERAL or PREFIXED`
  if (b.operation < AclOperation.ALL || b.operation > AclOperation.DESCRIBE_TOKENS) return `invalid operation ${operationName(b.operation)}`
  if (b.permission !== AclPermission.ALLOW && b.permission !== AclPermission.DENY) return `invalid permission type ${permissionName(b.permission)}: an ACL is ALLOW or DENY`
  if (typeof b.resourceName !== 'string' || b.resourceName === '') return 'resource name should not be empty'
  if (b.resourceType === ResourceType.CLUSTER && (b.resourceName !== CLUSTER_NAME || b.patternType !== PatternType.LITERAL)) {
    return `the only valid CLUSTER resource is LITERAL '${CLUSTER_NAME}', not ${patternTypeName(b.patternType)} '${b.resourceName}'`
  }
  if (typeof b.principal !== 'string' || parsePrincipal(b.principal) === null) return `could not parse principal '${String(b.principal)}': expected Type:name, e.g. User:alice`
  if (typeof b.host !== 'string' || b.host === '') return 'invalid host: an ACL names a host or * for any host'
  return null
}

/** One line for logs and error messages: "User:alice from * ALLOW READ on Topic:LITERAL:orders". */
export function bindingString (b: AclBinding): string {
  return `${b.principal} from ${b.host} ${permissionName(b.permission)} ${operationName(b.operation)} on ${resourceString(b.resourceType, b.patternType, b.resourceName)}`
}
