// DeleteTopics (key 20): removes topics and their partition directories.
//
// Version notes:
//   v1      throttle time
//   v4      flexible
//   v5      error message per topic
//   v6      topics by name or by id (UNKNOWN_TOPIC_ID for an unknown id)
// Errors: UNKNOWN_TOPIC_OR_PARTITION, TOPIC_DELETION_DISABLED (delete.topic.enable=false),
// INVALID_REQUEST for internal topics; TOPIC_AUTHORIZATION_FAILED without DELETE on the topic (ACLs; for a topic
// id, also without DESCRIBE, as Kafka, so an id does not reveal a name).
import { decodeDeleteTopicsRequest, type DeleteTopicsRequest } from '../../protocol/generated/messages/delete-topics-request.js'
import { sizeDeleteTopicsResponse, writeDeleteTopicsResponse, type DeleteTopicsResponse } from '../../protocol/generated/messages/delete-topics-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { INTERNAL_TOPICS, ZERO_UUID } from '../../core/topics.js'
import { failure } from './failure.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

type Result = DeleteTopicsResponse['responses'][number]

export default defineHandler({
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  codec: { decodeRequest: decodeDeleteTopicsRequest, sizeResponse: sizeDeleteTopicsResponse, writeResponse: writeDeleteTopicsResponse },
  uses: ['authorizer', 'config', 'deleteTopic', 'logger', 'topics'],
  async handle (svc, ctx, req: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    const wanted: Array<{ name: string | null, topicId: string }> = ctx.apiVersion >= 6
      ? req.topics.map(t => ({ name: t.name, topicId: t.topicId }))
      : req.topicNames.map(name => ({ name, topicId: ZERO_UUID }))
    const responses: Result[] = []
    for (const w of wanted) {
      const topic = w.name !== null ? svc.topics.get(w.name) : svc.topics.getById(w.topicId)
      const result: Result = { name: w.name ?? topic?.name ?? null, topicId: topic?.topicId ?? w.topicId, errorCode: ErrorCode.NONE, errorMessage: null }
      responses.push(result)
      const name = w.name ?? topic?.name
      if (name !== undefined && !allowed(svc.authorizer, ctx, AclOperation.DELETE, ResourceType.TOPIC, name)) {
        result.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED
        result.errorMessage = `not authorized to delete topic ${name}`
        if (w.name === null) result.name = null
      } else if (topic === undefined) {
        result.errorCode = w.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID
        result.errorMessage = w.name !== null ? `unknown topic ${w.name}` : `unknown topic id ${w.topicId}`
      } else if (!svc.config.deleteTopicEnable) {
        result.errorCode = ErrorCode.TOPIC_DELETION_DISABLED
        result.errorMessage = 'topic deletion is disabled (delete.topic.enable=false)'
      } else if (INTERNAL_TOPICS.has(topic.name)) {
        result.errorCode = ErrorCode.INVALID_REQUEST
        result.errorMessage = `internal topic ${topic.name} cannot be deleted`
      } else {
        try {
          await svc.deleteTopic(topic.name)
          svc.logger.info({ topic: topic.name }, 'topic deleted')
        } catch (err) {
          const f = failure(svc.logger, err, `deleting ${topic.name}`, { topic: topic.name })
          result.errorCode = f.code
          result.errorMessage = f.message
        }
      }
    }
    return { throttleTimeMs: 0, responses }
  }
})
