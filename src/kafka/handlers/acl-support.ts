// What the three ACL handlers (29, 30, 31) share: the authorizer's state as an answer (SECURITY_DISABLED when
// no authorizer is configured, as Kafka), and the cluster permission each needs (DESCRIBE for DescribeAcls,
// ALTER for CreateAcls and DeleteAcls: CLUSTER_AUTHORIZATION_FAILED).
import type { Authorizer } from '../../core/security/acl/authorizer.js'
import { ErrorCode } from '../../protocol/errors.js'
import { allowedOnCluster } from '../authorize.js'
import type { RequestContext } from '../network/connection.js'

export interface AclRefusal { errorCode: number, errorMessage: string }

/** Why the request may not touch ACLs, or null when it may. */
export function aclRefusal (authorizer: Authorizer, ctx: RequestContext, operation: number): AclRefusal | null {
  if (!authorizer.enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker (set authorizer.class.name)' }
  if (!allowedOnCluster(authorizer, ctx, operation)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null as unknown as string }
  return null
}
