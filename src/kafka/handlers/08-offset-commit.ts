// OffsetCommit (key 8): store a group's consumed positions in __consumer_offsets; answered once durable.
//
// Version notes:
//   v0      group id and offsets only (no generation: a "simple" commit, accepted while the group is
//           Empty); Kafka 3.x stores v0 commits in ZooKeeper, Samsa stores every version in
//           __consumer_offsets
//   v1      generation id, member id; a commit timestamp per partition (-1 = now)
//   v2      retention time (-1 = broker's offsets.retention.minutes); commit timestamp dropped
//   v3      throttle time
//   v5      retention time dropped
//   v6      committed leader epoch
//   v7      group.instance.id (FENCED_INSTANCE_ID)
//   v8      flexible
//   v9      an unknown group with a generation >= 0 is GROUP_ID_NOT_FOUND (before: ILLEGAL_GENERATION)
// Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_METADATA_TOO_LARGE (offset.metadata.max.bytes),
// and the group's verdict on every partition: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
// FENCED_INSTANCE_ID, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE. Offsets (also negative) and
// metadata strings are stored as given (null metadata is stored as '').
import { decodeOffsetCommitRequest, type OffsetCommitRequest } from '../../protocol/generated/messages/offset-commit-request.js'
import { sizeOffsetCommitResponse, writeOffsetCommitResponse, type OffsetCommitResponse } from '../../protocol/generated/messages/offset-commit-response.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed, refuseTopics } from '../authorize.js'
import { ErrorCode } from '../../protocol/errors.js'
import { partitionExistence } from './group-support.js'

export default defineHandler({
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  codec: { decodeRequest: decodeOffsetCommitRequest, sizeResponse: sizeOffsetCommitResponse, writeResponse: writeOffsetCommitResponse },
  uses: ['authorizer', 'groups', 'topics'],
  async handle (svc, ctx, req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const v = ctx.apiVersion
    // ACLs: READ on the group (else every partition GROUP_AUTHORIZATION_FAILED), READ on each topic (else its
    // partitions TOPIC_AUTHORIZATION_FAILED); nothing of a refused partition is committed.
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, topics: refuseTopics(req.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED) }
    }
    const denied = req.topics.filter(t => !allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.TOPIC, t.name))
    const topics = await svc.groups.commitOffsets({
      groupId: req.groupId,
      generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: v >= 1 ? req.memberId : '',
      groupInstanceId: v >= 7 ? req.groupInstanceId : null,
      retentionTimeMs: v >= 2 && v <= 4 ? Number(req.retentionTimeMs) : -1,
      apiVersion: v,
      topics: req.topics.filter(t => !denied.includes(t)).map(t => ({
        name: t.name,
        partitions: t.partitions.map(p => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          commitTimestamp: v === 1 ? Number(p.commitTimestamp) : -1,
          committedMetadata: p.committedMetadata
        }))
      }))
    }, partitionExistence(svc))
    return { throttleTimeMs: 0, topics: [...topics, ...refuseTopics(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED)] }
  }
})
