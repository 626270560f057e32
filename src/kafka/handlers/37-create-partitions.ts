// CreatePartitions (key 37): grows a topic's partition count (never shrinks, as Kafka).
//
// Version notes:
//   v1      same as v0
//   v2      flexible
//   v3      same as v2
// Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (count not above the current one),
// INVALID_REPLICA_ASSIGNMENT (an assignment naming a broker other than this one), INVALID_REQUEST
// (a topic named twice), TOPIC_AUTHORIZATION_FAILED without ALTER on the topic (ACLs), POLICY_VIOLATION
// beyond the broker's partition limit (log.partitions.max; validateOnly too).
import { decodeCreatePartitionsRequest, type CreatePartitionsRequest } from '../../protocol/generated/messages/create-partitions-request.js'
import { sizeCreatePartitionsResponse, writeCreatePartitionsResponse, type CreatePartitionsResponse } from '../../protocol/generated/messages/create-partitions-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { failure } from './failure.js'

type Result = CreatePartitionsResponse['results'][number]

export default defineHandler({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  codec: { decodeRequest: decodeCreatePartitionsRequest, sizeResponse: sizeCreatePartitionsResponse, writeResponse: writeCreatePartitionsResponse },
  uses: ['authorizer', 'logger', 'nodeId', 'topics'],
  async handle (svc, ctx, req: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    const results: Result[] = []
    const counts = new Map<string, number>()
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    for (const t of req.topics) {
      const result: Result = { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null }
      results.push(result)
      const fail = (code: number, message: string): void => { result.errorCode = code; result.errorMessage = message }
      const topic = svc.topics.get(t.name)
      if ((counts.get(t.name) ?? 0) > 1) { fail(ErrorCode.INVALID_REQUEST, `topic ${t.name} appears more than once`); continue }
      if (!allowed(svc.authorizer, ctx, AclOperation.ALTER, ResourceType.TOPIC, t.name)) { fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to alter topic ${t.name}`); continue }
      if (topic === undefined) { fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${t.name}`); continue }
      if (t.count < topic.partitions) {
        fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${t.count}.`)
        continue
      }
      if (t.count === topic.partitions) { fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitions} partitions.`); continue }
      if (t.assignments !== null) {
        const bad = t.assignments.length !== t.count - topic.partitions ||
          t.assignments.some(a => a.brokerIds.length !== 1 || a.brokerIds[0] !== svc.nodeId)
        if (bad) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `assignments must name broker ${svc.nodeId} once for each of the ${t.count - topic.partitions} new partitions`)
          continue
        }
      }
      const limit = svc.topics.checkAddPartitions(t.name, t.count)
      if (limit !== null) { fail(limit.errorCode, limit.message); continue }
      if (req.validateOnly) continue
      try {
        await svc.topics.addPartitions(t.name, t.count)
        svc.logger.info({ topic: t.name, partitions: t.count }, 'partitions added')
      } catch (err) {
        const f = failure(svc.logger, err, `adding partitions to ${t.name}`, { topic: t.name })
        fail(f.code, f.message)
      }
    }
    return { throttleTimeMs: 0, results }
  }
})
