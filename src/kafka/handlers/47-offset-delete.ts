// OffsetDelete (key 47): removes a group's committed offsets for topics it does not consume (KIP-496).
//
// Version notes:
//   v0      the only version; never flexible
// Group errors: INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (a non-consumer-protocol group with
// members), COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE. Per partition:
// GROUP_SUBSCRIBED_TO_TOPIC (a member subscribes to the topic), UNKNOWN_TOPIC_OR_PARTITION. As Kafka,
// partitions without a committed offset are left out of the answer.
import { decodeOffsetDeleteRequest, type OffsetDeleteRequest } from '../../protocol/generated/messages/offset-delete-request.js'
import { sizeOffsetDeleteResponse, writeOffsetDeleteResponse, type OffsetDeleteResponse } from '../../protocol/generated/messages/offset-delete-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed, refuseTopics } from '../authorize.js'
import { partitionExistence } from './group-support.js'

export default defineHandler({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  codec: { decodeRequest: decodeOffsetDeleteRequest, sizeResponse: sizeOffsetDeleteResponse, writeResponse: writeOffsetDeleteResponse },
  uses: ['authorizer', 'groups', 'topics'],
  async handle (svc, ctx, req: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    // ACLs: DELETE on the group (GROUP_AUTHORIZATION_FAILED), READ on each topic (TOPIC_AUTHORIZATION_FAILED per partition)
    if (!allowed(svc.authorizer, ctx, AclOperation.DELETE, ResourceType.GROUP, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] }
    const denied = req.topics.filter(t => !allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.TOPIC, t.name))
    const r = await svc.groups.deleteOffsets(req.groupId,
      req.topics.filter(t => !denied.includes(t)).map(t => ({ name: t.name, partitions: t.partitions.map(p => p.partitionIndex) })), partitionExistence(svc))
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [...r.topics, ...refuseTopics(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED)] }
  }
})
