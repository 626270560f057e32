// FindCoordinator (key 10): this node is the coordinator of every group and every transactional id.
//
// Version notes:
//   v0      group key only (key type GROUP implied)
//   v1      key type (0 = GROUP, 1 = TRANSACTION); error message; throttle time
//   v3      flexible
//   v4      batched lookups: CoordinatorKeys in, one Coordinators entry per key out (KIP-699)
//   v5      same as v4 (TRANSACTION_ABORTABLE may be returned by newer brokers; never here)
//   v6      share-group key type (KIP-932): not advertised
// Errors: INVALID_REQUEST for an unknown key type; COORDINATOR_NOT_AVAILABLE once the broker is closing.
// __consumer_offsets is not created here (it is created by the first write).
import { decodeFindCoordinatorRequest, type FindCoordinatorRequest } from '../../protocol/generated/messages/find-coordinator-request.js'
import { sizeFindCoordinatorResponse, writeFindCoordinatorResponse, type FindCoordinatorResponse } from '../../protocol/generated/messages/find-coordinator-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import type { RequestContext } from '../network/connection.js'
import type { KafkaServices } from '../services.js'

const GROUP = 0
const TRANSACTION = 1

interface Answer { nodeId: number, host: string, port: number, errorCode: number, errorMessage: string | null }

function answer (svc: Pick<KafkaServices, 'closing' | 'groups' | 'nodeId'>, advertised: { host: string, port: number }, keyType: number): Answer {
  if (keyType !== GROUP && keyType !== TRANSACTION) {
    return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` }
  }
  if (svc.closing || svc.groups?.status === 'closed') {
    return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'the broker is shutting down' }
  }
  return { nodeId: svc.nodeId, host: advertised.host, port: advertised.port, errorCode: ErrorCode.NONE, errorMessage: null }
}

/** ACLs: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED) or transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED). */
function refusal (svc: Pick<KafkaServices, 'authorizer'>, ctx: RequestContext, keyType: number, key: string): Answer | null {
  if (keyType === GROUP && !allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
    return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
  }
  if (keyType === TRANSACTION && !allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
    return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: null }
  }
  return null
}

export default defineHandler({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeFindCoordinatorRequest, sizeResponse: sizeFindCoordinatorResponse, writeResponse: writeFindCoordinatorResponse },
  uses: ['authorizer', 'closing', 'groups', 'nodeId'],
  handle (svc, ctx, req: FindCoordinatorRequest): FindCoordinatorResponse {
    const keyType = ctx.apiVersion === 0 ? GROUP : req.keyType
    if (ctx.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators: req.coordinatorKeys.map(key => ({ key, ...(refusal(svc, ctx, keyType, key) ?? answer(svc, ctx.session.listener.advertised, keyType)) }))
      }
    }
    return { throttleTimeMs: 0, ...(refusal(svc, ctx, keyType, req.key) ?? answer(svc, ctx.session.listener.advertised, keyType)), coordinators: [] }
  }
})
