// Which ACL operations grant or refuse a requested operation (Kafka's StandardAuthorizerData rules):
// an ALLOW of ALL grants everything; READ, WRITE, DELETE and ALTER each also grant DESCRIBE; ALTER_CONFIGS also
// grants DESCRIBE_CONFIGS. A DENY refuses only its own operation, or everything when it is ALL (a DENY READ
// leaves DESCRIBE alone).
import { AclOperation } from './model.js'

/** Bit i set: an ALLOW of operation i grants the requested operation (index: requested operation). */
const ALLOW_GRANTS: readonly number[] = (() => {
  const out: number[] = []
  for (let op = 0; op <= AclOperation.DESCRIBE_TOKENS; op++) out.push((1 << op) | (1 << AclOperation.ALL))
  out[AclOperation.DESCRIBE] |= (1 << AclOperation.READ) | (1 << AclOperation.WRITE) | (1 << AclOperation.DELETE) | (1 << AclOperation.ALTER)
  out[AclOperation.DESCRIBE_CONFIGS] |= 1 << AclOperation.ALTER_CONFIGS
  return out
})()

/** Whether an ALLOW binding of `aclOp` grants `requested`. */
export function allowGrants (aclOp: number, requested: number): boolean {
  return ((ALLOW_GRANTS[requested] ?? 0) & (1 << aclOp)) !== 0
}

/** Whether a DENY binding of `aclOp` refuses `requested`. */
export function denyRefuses (aclOp: number, requested: number): boolean {
  return aclOp === requested || aclOp === AclOperation.ALL
}
