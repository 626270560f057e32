// WriteTxnMarkers (key 27): writes COMMIT or ABORT markers into the named partitions. Kafka's coordinators
// send it to partition leaders; on one node the coordinator writes its markers directly, so this request
// comes from admin tools: `kafka-transactions.sh abort` closes a hanging transaction (one its coordinator
// no longer knows) with the producer id, epoch and coordinator epoch DescribeProducers reported.
// Per partition: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH (an epoch older than the producer's),
// TRANSACTION_COORDINATOR_FENCED (an older coordinator epoch), KAFKA_STORAGE_ERROR; NONE once durable.
//
// Version notes:
//   v1      flexible
import { decodeWriteTxnMarkersRequest, type WriteTxnMarkersRequest } from '../../protocol/generated/messages/write-txn-markers-request.js'
import { sizeWriteTxnMarkersResponse, writeWriteTxnMarkersResponse, type WriteTxnMarkersResponse } from '../../protocol/generated/messages/write-txn-markers-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, allowedOnCluster } from '../authorize.js'

export default defineHandler({
  apiKey: 27,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeWriteTxnMarkersRequest, sizeResponse: sizeWriteTxnMarkersResponse, writeResponse: writeWriteTxnMarkersResponse },
  uses: ['appendTxnMarker', 'authorizer', 'logger', 'topics'],
  async handle (svc, ctx, req: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse> {
    // ACLs: CLUSTER_ACTION on the cluster (an inter-broker API), else every partition CLUSTER_AUTHORIZATION_FAILED
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.CLUSTER_ACTION)) {
      return { markers: req.markers.map(m => ({ producerId: m.producerId, topics: m.topics.map(t => ({ name: t.name, partitions: t.partitionIndexes.map(partitionIndex => ({ partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) })) })) }
    }
    const markers = await Promise.all(req.markers.map(async m => ({
      producerId: m.producerId,
      topics: await Promise.all(m.topics.map(async t => ({
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async partitionIndex => {
          if (svc.topics.log(t.name, partitionIndex) === undefined) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
          const r = await svc.appendTxnMarker(t.name, partitionIndex, Number(m.producerId), m.producerEpoch, m.transactionResult, m.coordinatorEpoch)
          if (r.errorCode !== ErrorCode.NONE) {
            svc.logger.warn({ topic: t.name, partition: partitionIndex, producerId: Number(m.producerId), err: r.message }, 'WriteTxnMarkers refused')
            return { partitionIndex, errorCode: r.errorCode }
          }
          svc.logger.info({ topic: t.name, partition: partitionIndex, producerId: Number(m.producerId), commit: m.transactionResult, clientId: ctx.clientId },
            `WriteTxnMarkers: ${m.transactionResult ? 'COMMIT' : 'ABORT'} marker for producer ${m.producerId} written to ${t.name}-${partitionIndex}`)
          return { partitionIndex, errorCode: ErrorCode.NONE }
        }))
      })))
    })))
    return { markers }
  }
})
