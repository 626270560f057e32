// ListPartitionReassignments (key 46): one node never has a reassignment in progress (see
// 45-alter-partition-reassignments.ts), so the answer is always an empty list. Kafka 3.9's controller
// (ReplicationControlManager.listPartitionReassignments) lists only partitions with an ongoing reassignment,
// for all topics (topics null) or the named ones, and leaves unknown topics and partitions out without an error.
//
// Version notes:
//   v0      flexible; timeoutMs (answered at once)
import { decodeListPartitionReassignmentsRequest, type ListPartitionReassignmentsRequest } from '../../protocol/generated/messages/list-partition-reassignments-request.js'
import { sizeListPartitionReassignmentsResponse, writeListPartitionReassignmentsResponse, type ListPartitionReassignmentsResponse } from '../../protocol/generated/messages/list-partition-reassignments-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'

export default defineHandler({
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeListPartitionReassignmentsRequest, sizeResponse: sizeListPartitionReassignmentsResponse, writeResponse: writeListPartitionReassignmentsResponse },
  uses: ['authorizer'],
  async handle (svc, ctx) {
    // ACLs: DESCRIBE on the cluster
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [] }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] }
  }
})
