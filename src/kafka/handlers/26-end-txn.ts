// EndTxn (key 26): commits or aborts the producer's open transaction. Answered once the decision is durable
// in __transaction_state and the markers are written to every partition of the transaction (see
// transactions/coordinator.ts for the states and error codes).
//
// Version notes:
//   v1      same as v0
//   v2      PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH for a stale producer
//   v3      flexible
//   v4      same as v3 (newer brokers may answer TRANSACTION_ABORTABLE: never here)
//   v5      KIP-890 transaction version 2 (epoch bump per transaction): not advertised
import { decodeEndTxnRequest, type EndTxnRequest } from '../../protocol/generated/messages/end-txn-request.js'
import { sizeEndTxnResponse, writeEndTxnResponse, type EndTxnResponse } from '../../protocol/generated/messages/end-txn-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeEndTxnRequest, sizeResponse: sizeEndTxnResponse, writeResponse: writeEndTxnResponse },
  uses: ['authorizer', 'logger', 'transactions'],
  async handle (svc, ctx, req: EndTxnRequest): Promise<EndTxnResponse> {
    // ACLs: WRITE on the transactional id
    if (!allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
    const txns = await svc.transactions.get()
    const r = await txns.endTxn(req.transactionalId, Number(req.producerId), req.producerEpoch, req.committed, ctx.apiVersion >= 2)
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) {
      svc.logger.info({ transactionalId: req.transactionalId, clientId: ctx.clientId, errorCode: r.errorCode }, `EndTxn refused: ${r.message ?? ''}`)
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode }
  }
})
