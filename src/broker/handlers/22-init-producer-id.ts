// InitProducerId (key 22): a fresh producer id (epoch 0) for an idempotent producer.
//
// Version notes:
//   v1      same as v0
//   v2      flexible
//   v3      ProducerId/ProducerEpoch in the request (KIP-360 epoch bump): for an idempotent producer (no
//           transactional id) Kafka answers with a new producer id, and so does Samsa
//   v4-v5   same as v3 (v5: PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH for transactional ids)
// Transactions are not implemented yet: a request with a transactional id gets
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, so the client fails at once with a clear error instead of
// retrying forever; idempotent producers (Java's and franz-go's default) work.
import { decodeInitProducerIdRequest, type InitProducerIdRequest } from '../../protocol/generated/messages/init-producer-id-request.js'
import { sizeInitProducerIdResponse, writeInitProducerIdResponse, type InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'

export default defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  codec: { decodeRequest: decodeInitProducerIdRequest, sizeResponse: sizeInitProducerIdResponse, writeResponse: writeInitProducerIdResponse },
  handle (broker, ctx, req) {
    if (req.transactionalId !== null) {
      broker.logger.warn({ transactionalId: req.transactionalId, clientId: ctx.clientId }, 'transactional producers are not supported yet; answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
    }
    let producerId: number
    try {
      producerId = broker.producers.ids.allocate()
    } catch (err) {
      broker.logger.error({ err: (err as Error).message }, 'cannot persist the producer id block')
      return { throttleTimeMs: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, producerId: -1n, producerEpoch: -1 }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 }
  }
})
