// AlterUserScramCredentials (key 51, v0, flexible; KIP-554): deletions (user, mechanism) and upsertions (user,
// mechanism, iterations, salt, salted password computed by the client), as `kafka-configs.sh --alter
// --add-config 'SCRAM-SHA-256=[iterations=8192,password=...]' --entity-type users` sends them. The broker
// stores salt, StoredKey, ServerKey and iterations (durably, before answering), never a password.
// Errors per user: DUPLICATE_RESOURCE (a user and mechanism twice in one request; a user's entries apply together or not at all), UNSUPPORTED_SASL_MECHANISM (unknown
// mechanism), UNACCEPTABLE_CREDENTIAL (empty user or salt, iterations outside 4096..16384),
// RESOURCE_NOT_FOUND (deleting a credential that does not exist). Rules: core/security/sasl/scram-credentials.ts.
import { decodeAlterUserScramCredentialsRequest, type AlterUserScramCredentialsRequest } from '../../protocol/generated/messages/alter-user-scram-credentials-request.js'
import { sizeAlterUserScramCredentialsResponse, writeAlterUserScramCredentialsResponse, type AlterUserScramCredentialsResponse } from '../../protocol/generated/messages/alter-user-scram-credentials-response.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'
import { ErrorCode, errorMessage } from '../../protocol/errors.js'
import { failure } from './failure.js'

export default defineHandler({
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeAlterUserScramCredentialsRequest, sizeResponse: sizeAlterUserScramCredentialsResponse, writeResponse: writeAlterUserScramCredentialsResponse },
  uses: ['scramCredentials', 'logger', 'authorizer'],
  async handle (svc, ctx, req: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse> {
    // Kafka needs ALTER on the CLUSTER, else CLUSTER_AUTHORIZATION_FAILED for every user (nothing changes)
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.ALTER)) {
      const users = [...new Set([...req.deletions, ...req.upsertions].map(e => e.name))]
      return { throttleTimeMs: 0, results: users.map(user => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED) })) }
    }
    try {
      return { throttleTimeMs: 0, results: await svc.scramCredentials.alter(req.deletions, req.upsertions) }
    } catch (err) {
      const f = failure(svc.logger, err, 'writing the SCRAM credentials')
      const users = [...new Set([...req.deletions, ...req.upsertions].map(e => e.name))]
      return { throttleTimeMs: 0, results: users.map(user => ({ user, errorCode: f.code, errorMessage: f.message })) }
    }
  }
})
