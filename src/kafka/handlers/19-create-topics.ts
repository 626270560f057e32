// CreateTopics (key 19): per-topic results; -1 partitions / replication factor mean the broker defaults.
//
// Version notes:
//   v1      validateOnly; error message per topic
//   v2      throttle time
//   v4      -1 partitions / replication factor documented (KIP-464); the broker applies the defaults for -1 at
//           every version, as Kafka's does (kafkajs sends -1 with v3 when the user omits them)
//   v5      flexible; the created topic's partitions, replication factor and configs in the response
//   v7      topic id in the response
// Errors per topic: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
// INVALID_REPLICATION_FACTOR (anything but 1 or -1), INVALID_CONFIG (naming key and value), INVALID_REQUEST
// (a topic named twice in one request, or manual replica assignments), POLICY_VIOLATION beyond the broker's
// partition limit (log.partitions.max), KAFKA_STORAGE_ERROR when creating the files fails (rolled back).
import { decodeCreateTopicsRequest, type CreateTopicsRequest } from '../../protocol/generated/messages/create-topics-request.js'
import { sizeCreateTopicsResponse, writeCreateTopicsResponse, type CreateTopicsResponse } from '../../protocol/generated/messages/create-topics-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed, allowedOnCluster } from '../authorize.js'
import type { KafkaServices } from '../services.js'
import { ZERO_UUID } from '../../core/topics.js'
import { describeTopicConfigs } from './32-describe-configs.js'
import { failure } from './failure.js'

type TopicResult = CreateTopicsResponse['topics'][number]

export default defineHandler({
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  codec: { decodeRequest: decodeCreateTopicsRequest, sizeResponse: sizeCreateTopicsResponse, writeResponse: writeCreateTopicsResponse },
  uses: ['authorizer', 'config', 'logger', 'topics'],
  async handle (svc, ctx, req: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const results: TopicResult[] = []
    // ACLs (as KafkaApis): CREATE on the cluster, else on each topic (TOPIC_AUTHORIZATION_FAILED); the configs
    // in the answer need DESCRIBE_CONFIGS on the topic (else left out, topicConfigErrorCode set).
    const clusterCreate = allowedOnCluster(svc.authorizer, ctx, AclOperation.CREATE, false)
    const counts = new Map<string, number>()
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    for (const t of req.topics) {
      const result: TopicResult = {
        name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null,
        numPartitions: -1, replicationFactor: -1, configs: null
      }
      results.push(result)
      if ((counts.get(t.name) ?? 0) > 1) {
        setError(result, ErrorCode.INVALID_REQUEST, `Create topics request from client with duplicate topic '${t.name}'`)
        continue
      }
      if (!clusterCreate && !allowed(svc.authorizer, ctx, AclOperation.CREATE, ResourceType.TOPIC, t.name)) {
        setError(result, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.')
        continue
      }
      const configs: Record<string, string | null> = {}
      for (const c of t.configs) configs[c.name] = c.value
      const check = svc.topics.checkCreate(t.name, t.numPartitions, t.replicationFactor, configs, t.assignments.length > 0)
      if ('errorCode' in check) {
        setError(result, check.errorCode, check.message)
        continue
      }
      const overrides = configs as Record<string, string>
      if (!req.validateOnly) {
        try {
          const rec = await svc.topics.create(t.name, check.partitions, overrides)
          result.topicId = rec.topicId
          svc.logger.info({ topic: t.name, partitions: check.partitions, configs: overrides }, 'topic created')
        } catch (err) {
          const f = failure(svc.logger, err, `creating topic ${t.name}`, { topic: t.name })
          setError(result, f.code, f.message)
          continue
        }
      }
      result.numPartitions = check.partitions
      result.replicationFactor = 1
      if (!allowed(svc.authorizer, ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, t.name, false)) {
        result.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED
        continue
      }
      result.configs = describeTopicConfigs(svc, overrides, null, false, false).map(c => ({
        name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: false
      }))
    }
    return { throttleTimeMs: 0, topics: results }
  }
})

function setError (r: TopicResult, code: number, message: string): void {
  r.errorCode = code
  r.errorMessage = message
}

