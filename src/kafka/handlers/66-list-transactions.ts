// ListTransactions (key 66, flexible): the transactional ids this coordinator knows, with producer id and
// state, as kafka-transactions.sh list shows them. Filters: state names (unknown names are echoed back in
// unknownStateFilters and match nothing), producer ids, and (v1) a minimum running time in ms: only open
// transactions that started at least that long ago. Empty filters match everything.
//
// Version notes:
//   v1      DurationFilter (KIP-994)
import { decodeListTransactionsRequest, type ListTransactionsRequest } from '../../protocol/generated/messages/list-transactions-request.js'
import { sizeListTransactionsResponse, writeListTransactionsResponse, type ListTransactionsResponse } from '../../protocol/generated/messages/list-transactions-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { TXN_STATE_NAMES, TxnState } from '../../core/transactions/records.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeListTransactionsRequest, sizeResponse: sizeListTransactionsResponse, writeResponse: writeListTransactionsResponse },
  uses: ['authorizer', 'transactions'],
  async handle (svc, ctx, req: ListTransactionsRequest): Promise<ListTransactionsResponse> {
    const txns = await svc.transactions.get()
    const known = new Set<string>(TXN_STATE_NAMES)
    const unknownStateFilters = req.stateFilters.filter(s => !known.has(s))
    const states = new Set(req.stateFilters)
    const pids = new Set(req.producerIdFilters.map(Number))
    const minRunning = ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1
    const now = Date.now()
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters,
      transactionStates: txns.all()
        .filter(m => m.state !== TxnState.Dead)
        // ACLs: only the transactional ids the client may DESCRIBE
        .filter(m => allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, m.transactionalId, false))
        .filter(m => states.size === 0 || states.has(TXN_STATE_NAMES[m.state]))
        .filter(m => pids.size === 0 || pids.has(m.producerId))
        .filter(m => minRunning < 0 || (m.state === TxnState.Ongoing && now - m.startTimestamp >= minRunning))
        .map(m => ({ transactionalId: m.transactionalId, producerId: BigInt(m.producerId), transactionState: TXN_STATE_NAMES[m.state] }))
    }
  }
})
