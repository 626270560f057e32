// DeleteRecords (key 21): moves each partition's log start offset (the "low watermark") forward; records below
// it can no longer be fetched (OFFSET_OUT_OF_RANGE), ListOffsets earliest returns it, and the segments
// entirely below it are deleted. The new log start offset is checkpointed
// (<dataDir>/log-start-offset-checkpoint) before the answer, so it survives a crash.
//
// Version notes:
//   v0      topics -> partitions -> offset (-1 = the high watermark); timeout (one node: answered at once)
//   v1      same as v0
//   v2      flexible
// Per partition: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE (offset < -1 or above the high watermark),
// POLICY_VIOLATION (cleanup.policy without delete, as Kafka), KAFKA_STORAGE_ERROR (partition offline, or the
// checkpoint could not be written), UNKNOWN_SERVER_ERROR for anything unexpected (logged). lowWatermark is the
// log start offset after the call (-1 on error).
// ACLs: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
// An offset at or below the current log start offset changes nothing and answers the current one.
import { decodeDeleteRecordsRequest, type DeleteRecordsRequest } from '../../protocol/generated/messages/delete-records-request.js'
import { sizeDeleteRecordsResponse, writeDeleteRecordsResponse, type DeleteRecordsResponse } from '../../protocol/generated/messages/delete-records-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { failure } from './failure.js'

type TopicResult = DeleteRecordsResponse['topics'][number]
type PartitionResult = TopicResult['partitions'][number]

export default defineHandler({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  codec: { decodeRequest: decodeDeleteRecordsRequest, sizeResponse: sizeDeleteRecordsResponse, writeResponse: writeDeleteRecordsResponse },
  uses: ['authorizer', 'logger', 'topics'],
  async handle (svc, ctx, req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    const topics: TopicResult[] = []
    for (const t of req.topics) {
      const partitions: PartitionResult[] = []
      topics.push({ name: t.name, partitions })
      const denied = !allowed(svc.authorizer, ctx, AclOperation.DELETE, ResourceType.TOPIC, t.name)
      for (const p of t.partitions) {
        const out: PartitionResult = { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.NONE }
        partitions.push(out)
        if (denied) {
          out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED
          continue
        }
        const log = svc.topics.log(t.name, p.partitionIndex)
        if (log === undefined) {
          out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          continue
        }
        const offset = Number(p.offset)
        if (offset < -1) {
          out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE
          continue
        }
        // read-your-writes: an answered acks=1 write counts (waits for its group commit, at most one fsync)
        if (offset === -1 || offset > log.highWatermark) await log.awaitWritten()
        try {
          out.lowWatermark = BigInt(await svc.topics.logs.deleteRecords(t.name, p.partitionIndex, offset))
        } catch (err) {
          out.errorCode = failure(svc.logger, err, `DeleteRecords on ${t.name}-${p.partitionIndex}`, { topic: t.name, partition: p.partitionIndex }).code
        }
      }
    }
    return { throttleTimeMs: 0, topics }
  }
})
