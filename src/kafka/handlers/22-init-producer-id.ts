// InitProducerId (key 22): a producer id and epoch for an idempotent or a transactional producer.
//
// Without a transactional id: a fresh producer id at epoch 0 (idempotent producers: Java's and franz-go's
// default). With one: the transaction coordinator's answer (transactions/coordinator.ts): the id's producer
// id with its epoch bumped, which fences any older producer with the same transactional id, after aborting
// a transaction it left open.
//
// Version notes:
//   v1      same as v0
//   v2      flexible
//   v3      ProducerId/ProducerEpoch in the request (KIP-360 epoch bump): for an idempotent producer Kafka
//           answers with a new producer id, and so does Samsa; for a transactional one they must name the
//           current producer (else PRODUCER_FENCED / INVALID_PRODUCER_EPOCH), and a retry of the last bump
//           gets the same answer again
//   v4      PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH for a stale transactional producer
//   v5      same as v4
// ACLs (as KafkaApis): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED; without one,
// IDEMPOTENT_WRITE on the cluster or WRITE on any topic, else CLUSTER_AUTHORIZATION_FAILED.
import { decodeInitProducerIdRequest, type InitProducerIdRequest } from '../../protocol/generated/messages/init-producer-id-request.js'
import { sizeInitProducerIdResponse, writeInitProducerIdResponse, type InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { failure } from './failure.js'
import { AclOperation, ResourceType, allowed, allowedOnCluster } from '../authorize.js'

export default defineHandler({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeInitProducerIdRequest, sizeResponse: sizeInitProducerIdResponse, writeResponse: writeInitProducerIdResponse },
  uses: ['authorizer', 'logger', 'producerIds', 'transactions'],
  async handle (svc, ctx, req: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    if (req.transactionalId !== null) {
      if (!allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
      }
      const txns = await svc.transactions.get()
      const expected = ctx.apiVersion >= 3
        ? { producerId: Number(req.producerId), producerEpoch: req.producerEpoch }
        : { producerId: -1, producerEpoch: -1 }
      const r = await txns.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected, ctx.apiVersion >= 4)
      if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) {
        svc.logger.info({ transactionalId: req.transactionalId, clientId: ctx.clientId, errorCode: r.errorCode }, `InitProducerId refused: ${r.message ?? ''}`)
      }
      return { throttleTimeMs: 0, errorCode: r.errorCode, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch }
    }
    if (svc.authorizer.enabled && !allowedOnCluster(svc.authorizer, ctx, AclOperation.IDEMPOTENT_WRITE, false) &&
      !svc.authorizer.authorizeByResourceType(ctx.session.principal, ctx.session.clientHost, AclOperation.WRITE, ResourceType.TOPIC)) {
      allowedOnCluster(svc.authorizer, ctx, AclOperation.IDEMPOTENT_WRITE) // logs the denial
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
    }
    let producerId: number
    try {
      producerId = svc.producerIds.allocate()
    } catch (err) {
      return { throttleTimeMs: 0, errorCode: failure(svc.logger, err, 'persisting the producer id block').code, producerId: -1n, producerEpoch: -1 }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 }
  }
})
