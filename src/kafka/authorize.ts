// ACL checks for the Kafka handlers: the request's session (principal, client host) asked of the core's
// authorizer, and the answers Kafka derives from it (KafkaApis / AuthHelper): lists filtered to what the client
// may see, and the authorized-operations bitfields of Metadata, DescribeGroups and DescribeCluster (bit i set:
// operation code i allowed; Kafka's INT32_MIN when the client did not ask for them).
// A disabled authorizer answers true at once; the bitfields then list every operation the resource supports.
import type { Authorizer } from '../core/security/acl/authorizer.js'
import { AclOperation, CLUSTER_NAME, ResourceType, SUPPORTED_OPERATIONS } from '../core/security/acl/model.js'
import type { RequestContext } from './network/connection.js'

export { AclOperation, ResourceType }

/** Kafka's "authorized operations not requested" value (Integer.MIN_VALUE). */
export const OPERATIONS_NOT_REQUESTED = -2147483648

type Ctx = Pick<RequestContext, 'session'>

export function allowed (authorizer: Authorizer, ctx: Ctx, operation: number, resourceType: number, name: string, logDenied = true): boolean {
  if (!authorizer.enabled) return true
  return authorizer.authorize(ctx.session.principal, ctx.session.clientHost, operation, resourceType, name, logDenied)
}

export function allowedOnCluster (authorizer: Authorizer, ctx: Ctx, operation: number, logDenied = true): boolean {
  return allowed(authorizer, ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME, logDenied)
}

/** The names of `names` the client may `operation` (denials not logged: the caller only filters). */
export function filterAllowed<T> (authorizer: Authorizer, ctx: Ctx, operation: number, resourceType: number, items: readonly T[], nameOf: (t: T) => string): T[] {
  if (!authorizer.enabled) return items as T[]
  return items.filter(t => allowed(authorizer, ctx, operation, resourceType, nameOf(t), false))
}

/** The bitfield of the operations the client may perform on the resource, or INT32_MIN when not `requested`. */
export function authorizedOperations (authorizer: Authorizer, ctx: Ctx, resourceType: number, name: string, requested = true): number {
  if (!requested) return OPERATIONS_NOT_REQUESTED
  let bits = 0
  for (const op of SUPPORTED_OPERATIONS.get(resourceType) ?? []) {
    if (allowed(authorizer, ctx, op, resourceType, name, false)) bits |= 1 << op
  }
  return bits
}

/** Every partition of `topics` answered with `errorCode` (the shape of OffsetCommit-like responses). */
export function refuseTopics (topics: ReadonlyArray<{ name: string, partitions: ReadonlyArray<{ partitionIndex: number }> }>, errorCode: number): Array<{ name: string, partitions: Array<{ partitionIndex: number, errorCode: number }> }> {
  return topics.map(t => ({ name: t.name, partitions: t.partitions.map(p => ({ partitionIndex: p.partitionIndex, errorCode })) }))
}

/** Config resource types of DescribeConfigs / AlterConfigs / IncrementalAlterConfigs (Kafka's ConfigResource.Type). */
const CONFIG_TOPIC = 2
const CONFIG_BROKER = 4
const CONFIG_BROKER_LOGGER = 8

/**
 * Kafka's check of a config resource: `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the topic
 * (TOPIC_AUTHORIZATION_FAILED) or on the cluster for a broker or broker logger (CLUSTER_AUTHORIZATION_FAILED);
 * null when allowed (or another resource type, which the handler answers itself).
 */
export function configResourceRefusal (authorizer: Authorizer, ctx: Ctx, operation: number, resourceType: number, resourceName: string): { errorCode: number, errorMessage: string } | null {
  if (!authorizer.enabled) return null
  if (resourceType === CONFIG_TOPIC) {
    if (allowed(authorizer, ctx, operation, ResourceType.TOPIC, resourceName)) return null
    return { errorCode: 29, errorMessage: `not authorized to ${operation === AclOperation.ALTER_CONFIGS ? 'alter' : 'describe'} the configs of topic ${resourceName}` }
  }
  if (resourceType === CONFIG_BROKER || resourceType === CONFIG_BROKER_LOGGER) {
    if (allowedOnCluster(authorizer, ctx, operation)) return null
    return { errorCode: 31, errorMessage: `not authorized to ${operation === AclOperation.ALTER_CONFIGS ? 'alter' : 'describe'} broker configs` }
  }
  return null
}
