// DescribeUserScramCredentials (key 50, v0, flexible; KIP-554): for each named user (or every user with a
// credential when the list is null or empty) its SCRAM mechanisms (1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512) and
// iteration counts; never salts or keys. As `kafka-configs.sh --describe --entity-type users` reads them.
// Errors per user: RESOURCE_NOT_FOUND for a user without credentials, DUPLICATE_RESOURCE for a user named
// twice. The rules live in core/security/sasl/scram-credentials.ts.
import { decodeDescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsRequest } from '../../protocol/generated/messages/describe-user-scram-credentials-request.js'
import { sizeDescribeUserScramCredentialsResponse, writeDescribeUserScramCredentialsResponse, type DescribeUserScramCredentialsResponse } from '../../protocol/generated/messages/describe-user-scram-credentials-response.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'
import { ErrorCode, errorMessage } from '../../protocol/errors.js'

export default defineHandler({
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeDescribeUserScramCredentialsRequest, sizeResponse: sizeDescribeUserScramCredentialsResponse, writeResponse: writeDescribeUserScramCredentialsResponse },
  uses: ['scramCredentials', 'authorizer'],
  handle (svc, ctx, req: DescribeUserScramCredentialsRequest): DescribeUserScramCredentialsResponse {
    // Kafka needs DESCRIBE on the CLUSTER, else CLUSTER_AUTHORIZATION_FAILED at the top level
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), results: [] }
    }
    const d = svc.scramCredentials.describe(req.users === null ? null : req.users.map(u => u.name))
    return { throttleTimeMs: 0, errorCode: d.errorCode, errorMessage: d.errorMessage, results: d.results }
  }
})
