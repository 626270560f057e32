// AlterPartitionReassignments (key 45): one node, one replica per partition, so there is never anything to
// move. A reassignment to exactly [this node] is a no-op that succeeds (as Kafka answers a reassignment to
// the current replicas); a cancellation (replicas null) gets NO_REASSIGNMENT_IN_PROGRESS, as Kafka answers
// when none is in progress. Checks and messages follow Kafka 3.9's controller
// (ReplicationControlManager.alterPartitionReassignment, validateManualPartitionAssignment).
//
// Version notes:
//   v0      flexible; timeoutMs (one node: answered at once)
// Per partition: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT (an empty replica list, a broker other
// than this one, a broker named twice), NO_REASSIGNMENT_IN_PROGRESS (cancel). The top-level error is NONE.
import { decodeAlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsRequest } from '../../protocol/generated/messages/alter-partition-reassignments-request.js'
import { sizeAlterPartitionReassignmentsResponse, writeAlterPartitionReassignmentsResponse, type AlterPartitionReassignmentsResponse } from '../../protocol/generated/messages/alter-partition-reassignments-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'

type TopicResult = AlterPartitionReassignmentsResponse['responses'][number]
type PartitionResult = TopicResult['partitions'][number]

/** Kafka's validateManualPartitionAssignment for a cluster of one broker: null when the replicas are valid. */
function invalidReplicas (replicas: number[], nodeId: number): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.'
  const sorted = [...replicas].sort((a, b) => a - b)
  let prev: number | null = null
  for (const id of sorted) {
    if (id !== nodeId) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`
    if (id === prev) return `The manual partition assignment includes the broker ${prev} more than once.`
    prev = id
  }
  return null
}

export default defineHandler({
  apiKey: 45,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeAlterPartitionReassignmentsRequest, sizeResponse: sizeAlterPartitionReassignmentsResponse, writeResponse: writeAlterPartitionReassignmentsResponse },
  uses: ['authorizer', 'nodeId', 'topics'],
  async handle (svc, ctx, req: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    // ACLs: ALTER on the cluster
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.ALTER)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, responses: [] }
    const responses: TopicResult[] = []
    for (const t of req.topics) {
      const partitions: PartitionResult[] = []
      responses.push({ name: t.name, partitions })
      const topic = svc.topics.get(t.name)
      for (const p of t.partitions) {
        const out: PartitionResult = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null }
        partitions.push(out)
        const fail = (code: number, message: string | null): void => { out.errorCode = code; out.errorMessage = message }
        if (topic === undefined) { fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${t.name}.`); continue }
        if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${t.name}:${p.partitionIndex}.`)
          continue
        }
        // Kafka leaves the message out when it is the error's default one.
        if (p.replicas === null) { fail(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null); continue }
        const invalid = invalidReplicas(p.replicas, svc.nodeId)
        if (invalid !== null) fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, invalid)
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses }
  }
})
