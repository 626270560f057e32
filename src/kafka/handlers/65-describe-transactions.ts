// DescribeTransactions (key 65, v0, flexible): the coordinator's view of each transactional id (state,
// producer id and epoch, timeout, start time, partitions), as kafka-transactions.sh describe shows it.
// An unknown id gets TRANSACTIONAL_ID_NOT_FOUND, an empty one INVALID_REQUEST.
import { decodeDescribeTransactionsRequest, type DescribeTransactionsRequest } from '../../protocol/generated/messages/describe-transactions-request.js'
import { sizeDescribeTransactionsResponse, writeDescribeTransactionsResponse, type DescribeTransactionsResponse } from '../../protocol/generated/messages/describe-transactions-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { TXN_STATE_NAMES } from '../../core/transactions/records.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeDescribeTransactionsRequest, sizeResponse: sizeDescribeTransactionsResponse, writeResponse: writeDescribeTransactionsResponse },
  uses: ['authorizer', 'transactions'],
  async handle (svc, ctx, req: DescribeTransactionsRequest): Promise<DescribeTransactionsResponse> {
    const txns = await svc.transactions.get()
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map(id => {
        // ACLs: DESCRIBE on the transactional id; its topics filtered to those the client may DESCRIBE
        if (!allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
          return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] }
        }
        const m = id === '' ? undefined : txns.get(id)
        if (m === undefined) {
          return {
            errorCode: id === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
            transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: []
          }
        }
        return {
          errorCode: ErrorCode.NONE,
          transactionalId: id,
          transactionState: TXN_STATE_NAMES[m.state],
          transactionTimeoutMs: m.timeoutMs,
          transactionStartTimeMs: BigInt(m.startTimestamp),
          producerId: BigInt(m.producerId),
          producerEpoch: m.producerEpoch,
          topics: [...m.partitions].filter(([topic]) => allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic, false)).map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) }))
        }
      })
    }
  }
})
