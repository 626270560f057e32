// AddPartitionsToTxn (key 24): adds partitions to the producer's transaction (opening one if none is open),
// before it produces to them. One error code per partition: all NONE, or the same error for every partition;
// when some partitions do not exist, those get UNKNOWN_TOPIC_OR_PARTITION and the others
// OPERATION_NOT_ATTEMPTED (nothing is added), as Kafka.
//
// Version notes:
//   v1      same as v0
//   v2      PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH for a stale producer
//   v3      flexible
//   v4-v5   batched form for broker-to-broker verification (KIP-890): not advertised; clients use v0-v3
import { decodeAddPartitionsToTxnRequest, type AddPartitionsToTxnRequest } from '../../protocol/generated/messages/add-partitions-to-txn-request.js'
import { sizeAddPartitionsToTxnResponse, writeAddPartitionsToTxnResponse, type AddPartitionsToTxnResponse } from '../../protocol/generated/messages/add-partitions-to-txn-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 24,
  minVersion: 0,
  maxVersion: 3,
  codec: { decodeRequest: decodeAddPartitionsToTxnRequest, sizeResponse: sizeAddPartitionsToTxnResponse, writeResponse: writeAddPartitionsToTxnResponse },
  uses: ['authorizer', 'logger', 'transactions'],
  async handle (svc, ctx, req: AddPartitionsToTxnRequest): Promise<AddPartitionsToTxnResponse> {
    const wanted = new Map<string, number[]>()
    for (const t of req.v3AndBelowTopics) wanted.set(t.name, [...(wanted.get(t.name) ?? []), ...t.partitions])
    // ACLs (as KafkaApis): WRITE on the transactional id, else every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    // WRITE on each topic, else its partitions TOPIC_AUTHORIZATION_FAILED and the others OPERATION_NOT_ATTEMPTED
    const answer = (code: (topic: string) => number): AddPartitionsToTxnResponse => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: [...wanted].map(([name, partitions]) => ({ name, resultsByPartition: partitions.map(partitionIndex => ({ partitionIndex, partitionErrorCode: code(name) })) }))
    })
    if (!allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.v3AndBelowTransactionalId)) return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const deniedTopics = new Set([...wanted.keys()].filter(name => !allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TOPIC, name)))
    if (deniedTopics.size > 0) return answer(name => deniedTopics.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED)
    const txns = await svc.transactions.get()
    const r = await txns.addPartitions(req.v3AndBelowTransactionalId, Number(req.v3AndBelowProducerId), req.v3AndBelowProducerEpoch, wanted, ctx.apiVersion >= 2)
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) {
      svc.logger.info({ transactionalId: req.v3AndBelowTransactionalId, clientId: ctx.clientId, errorCode: r.errorCode }, `AddPartitionsToTxn refused: ${r.message ?? ''}`)
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: [...wanted].map(([name, partitions]) => ({
        name,
        resultsByPartition: partitions.map(partitionIndex => ({
          partitionIndex,
          partitionErrorCode: r.partitionErrors?.get(name)?.get(partitionIndex) ?? r.errorCode
        }))
      }))
    }
  }
})
