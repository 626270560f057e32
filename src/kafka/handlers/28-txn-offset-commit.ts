// TxnOffsetCommit (key 28): a transactional producer commits a consumer group's offsets inside its
// transaction (KIP-98, the consume-transform-produce loop). The offsets are written to the group's
// __consumer_offsets partition in a transactional batch and stay pending (invisible to OffsetFetch;
// UNSTABLE_OFFSET_COMMIT with requireStable) until the transaction's COMMIT marker; ABORT drops them.
//
// Version notes:
//   v0      transactional id, group id, producer id and epoch, offsets with metadata; no member checks
//   v1      same as v0
//   v2      committed leader epoch
//   v3      flexible; generation id, member id and group.instance.id (KIP-447): checked as OffsetCommit
//           checks them (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID) unless the generation
//           is -1 and the member id empty; PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH
//   v4      TRANSACTION_ABORTABLE may be returned (KIP-890 part 1)
//   (v5, where the commit itself adds the offsets partition to the transaction, is not served: the
//   producer must have called AddOffsetsToTxn first.)
// Before anything is written the transaction coordinator confirms that the group's __consumer_offsets
// partition is in the producer's ongoing transaction (AddOffsetsToTxn); otherwise its error
// (INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH / PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING, ...) goes on
// every partition. Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION (never checked further),
// OFFSET_METADATA_TOO_LARGE; the group's verdict on every other partition: INVALID_GROUP_ID (empty id),
// COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
// FENCED_INSTANCE_ID. An unknown group is created (Empty), as Kafka does. Answered once durable.
import { decodeTxnOffsetCommitRequest, type TxnOffsetCommitRequest } from '../../protocol/generated/messages/txn-offset-commit-request.js'
import { sizeTxnOffsetCommitResponse, writeTxnOffsetCommitResponse, type TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed, refuseTopics } from '../authorize.js'
import { partitionExistence } from './group-support.js'
import { OFFSETS_TOPIC } from '../../core/groups/offsets-log.js'

export default defineHandler({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeTxnOffsetCommitRequest, sizeResponse: sizeTxnOffsetCommitResponse, writeResponse: writeTxnOffsetCommitResponse },
  uses: ['authorizer', 'checkTransactionPartition', 'groups', 'topics'],
  async handle (svc, ctx, req: TxnOffsetCommitRequest): Promise<TxnOffsetCommitResponse> {
    const v = ctx.apiVersion
    const producerId = Number(req.producerId)
    // ACLs: WRITE on the transactional id, READ on the group, READ on each topic (refused partitions: nothing committed)
    if (!allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
      return { throttleTimeMs: 0, topics: refuseTopics(req.topics, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) }
    }
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, topics: refuseTopics(req.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED) }
    }
    const denied = req.topics.filter(t => !allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.TOPIC, t.name))
    const topics = await svc.groups.txnCommitOffsets({
      transactionalId: req.transactionalId,
      groupId: req.groupId,
      producerId,
      producerEpoch: req.producerEpoch,
      generationId: v >= 3 ? req.generationId : -1,
      memberId: v >= 3 ? req.memberId : '',
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      apiVersion: v,
      topics: req.topics.filter(t => !denied.includes(t)).map(t => ({
        name: t.name,
        partitions: t.partitions.map(p => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata
        }))
      }))
    }, partitionExistence(svc), async offsetsPartition => {
      const r = await svc.checkTransactionPartition(req.transactionalId, producerId, req.producerEpoch, OFFSETS_TOPIC, offsetsPartition, v >= 3)
      return r.errorCode
    })
    return { throttleTimeMs: 0, topics: [...topics, ...refuseTopics(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED)] }
  }
})
