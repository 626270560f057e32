// DescribeProducers (key 61, v0, flexible): the producer state of each requested partition (Kafka's active
// producers: id, epoch, last sequence, last batch timestamp, coordinator epoch of the last marker, first
// offset of the open transaction or -1), as `kafka-transactions.sh describe-producers` and `find-hanging`
// read it. The partition's producer state is loaded if it was not yet (a replay of its log tail).
// Unknown partitions: UNKNOWN_TOPIC_OR_PARTITION with a message.
import { decodeDescribeProducersRequest, type DescribeProducersRequest } from '../../protocol/generated/messages/describe-producers-request.js'
import { sizeDescribeProducersResponse, writeDescribeProducersResponse, type DescribeProducersResponse } from '../../protocol/generated/messages/describe-producers-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { failure } from './failure.js'

export default defineHandler({
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeDescribeProducersRequest, sizeResponse: sizeDescribeProducersResponse, writeResponse: writeDescribeProducersResponse },
  uses: ['authorizer', 'logger', 'topics'],
  async handle (svc, ctx, req: DescribeProducersRequest): Promise<DescribeProducersResponse> {
    return {
      throttleTimeMs: 0,
      topics: await Promise.all(req.topics.map(async t => ({
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async partitionIndex => {
          // ACLs: READ on the topic
          if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.TOPIC, t.name)) {
            return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] }
          }
          const partition = svc.topics.log(t.name, partitionIndex)
          if (partition === undefined) {
            return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic or partition ${t.name}-${partitionIndex}`, activeProducers: [] }
          }
          let producers
          try {
            producers = await partition.activeProducers()
          } catch (err) {
            const f = failure(svc.logger, err, `loading the producer state of ${t.name}-${partitionIndex}`)
            return { partitionIndex, errorCode: f.code, errorMessage: f.message, activeProducers: [] }
          }
          return {
            partitionIndex,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: producers.map(e => {
              const last = e.batches[e.batches.length - 1]
              return {
                producerId: BigInt(e.producerId),
                producerEpoch: e.epoch,
                lastSequence: last?.lastSeq ?? -1,
                lastTimestamp: BigInt(last?.timestamp ?? -1),
                coordinatorEpoch: e.coordinatorEpoch,
                currentTxnStartOffset: BigInt(e.currentTxnFirstOffset)
              }
            })
          }
        }))
      })))
    }
  }
})
