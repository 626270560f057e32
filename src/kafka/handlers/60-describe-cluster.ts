// DescribeCluster (key 60): this node as the cluster's only broker and its controller, as the Java AdminClient
// (describeCluster) and `kafka-cluster.sh` read it; the cluster's authorized operations when asked
// (bitfield of the CLUSTER operations the client may perform; INT32_MIN when not requested).
//
// Version notes:
//   v0      flexible from the start
//   v1      endpoint type: 1 (brokers) answered with this listener's advertised address; 2 (controllers):
//           UNSUPPORTED_ENDPOINT_TYPE, as a broker answers it (one node has no controller quorum listener)
import { decodeDescribeClusterRequest, type DescribeClusterRequest } from '../../protocol/generated/messages/describe-cluster-request.js'
import { sizeDescribeClusterResponse, writeDescribeClusterResponse, type DescribeClusterResponse } from '../../protocol/generated/messages/describe-cluster-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { ResourceType } from '../../core/security/acl/model.js'
import { defineHandler } from '../handler.js'
import { authorizedOperations, OPERATIONS_NOT_REQUESTED } from '../authorize.js'

const BROKERS = 1

export default defineHandler({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeDescribeClusterRequest, sizeResponse: sizeDescribeClusterResponse, writeResponse: writeDescribeClusterResponse },
  uses: ['authorizer', 'clusterId', 'nodeId'],
  handle (svc, ctx, req: DescribeClusterRequest): DescribeClusterResponse {
    const endpointType = ctx.apiVersion >= 1 ? req.endpointType : BROKERS
    if (endpointType !== BROKERS) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `endpoint type ${endpointType} is not supported by a broker; ask for brokers (1)`,
        endpointType,
        clusterId: svc.clusterId,
        controllerId: -1,
        brokers: [],
        clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED
      }
    }
    const { host, port } = ctx.session.listener.advertised
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType,
      clusterId: svc.clusterId,
      controllerId: svc.nodeId,
      brokers: [{ brokerId: svc.nodeId, host, port, rack: null }],
      clusterAuthorizedOperations: authorizedOperations(svc.authorizer, ctx, ResourceType.CLUSTER, 'kafka-cluster', req.includeClusterAuthorizedOperations)
    }
  }
})
