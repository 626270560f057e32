// Binding filters, as DescribeAcls and DeleteAcls send them (Kafka's AclBindingFilter): any field may be ANY
// (codes) or null (strings) to match every value. Pattern type MATCH matches every binding that would apply to
// the named resource: LITERAL bindings of that name or of '*', and PREFIXED bindings whose prefix starts the
// name. Pattern type ANY with a name matches bindings of exactly that name, whatever their pattern type.
import { AclOperation, AclPermission, PatternType, ResourceType, WILDCARD_RESOURCE, operationName, patternTypeName, permissionName, resourceTypeName, type AclBinding } from './model.js'

export interface AclBindingFilter {
  readonly resourceType: number
  readonly resourceName: string | null
  readonly patternType: number
  readonly principal: string | null
  readonly host: string | null
  readonly operation: number
  readonly permission: number
}

export const MATCH_ALL: AclBindingFilter = Object.freeze({
  resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY
})

/** Why `f` is not a usable filter (an UNKNOWN or out-of-range code: INVALID_REQUEST), or null. */
export function validateFilter (f: AclBindingFilter): string | null {
  if (f.resourceType < ResourceType.ANY || f.resourceType > ResourceType.USER) return `invalid resource type filter ${resourceTypeName(f.resourceType)}`
  if (f.patternType < PatternType.ANY || f.patternType > PatternType.PREFIXED) return `invalid pattern type filter ${patternTypeName(f.patternType)}`
  if (f.operation < AclOperation.ANY || f.operation > AclOperation.DESCRIBE_TOKENS) return `invalid operation filter ${operationName(f.operation)}`
  if (f.permission < AclPermission.ANY || f.permission > AclPermission.ALLOW) return `invalid permission type filter ${permissionName(f.permission)}`
  return null
}

export function filterMatches (f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== b.patternType) return false
  if (f.resourceName !== null) {
    if (f.patternType === PatternType.MATCH) {
      if (b.patternType === PatternType.LITERAL) {
        if (b.resourceName !== f.resourceName && b.resourceName !== WILDCARD_RESOURCE) return false
      } else if (!f.resourceName.startsWith(b.resourceName)) return false
    } else if (f.resourceName !== b.resourceName) return false
  }
  if (f.principal !== null && f.principal !== b.principal) return false
  if (f.host !== null && f.host !== b.host) return false
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false
  if (f.permission !== AclPermission.ANY && f.permission !== b.permission) return false
  return true
}
