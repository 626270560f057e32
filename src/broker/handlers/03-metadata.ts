// Metadata (key 3): this node as the only broker, controller and leader of every partition.
//
// Version notes:
//   v0      topics: an empty list means all topics; no auto-create flag (always allowed, as Kafka)
//   v1      null topics = all, empty = none; rack; controller id; isInternal
//   v2      cluster id
//   v3      throttle time
//   v4      AllowAutoTopicCreation (else auto-creation is allowed, if the broker allows it)
//   v5      offline replicas (always empty)
//   v7      leader epoch (always 0: Samsa's single leader epoch)
//   v8      authorized operations on request (everything is allowed: Samsa has no ACLs)
//   v9      flexible
//   v10     topic ids; topics may be requested by id (name null) -> UNKNOWN_TOPIC_ID when unknown
//   v11     no cluster authorized operations
//   v12     topic name nullable in the response (for unknown topic ids)
// Auto-creation is synchronous: a topic created by this request is returned complete, with no
// LEADER_NOT_AVAILABLE round trip.
import { decodeMetadataRequest, type MetadataRequest } from '../../protocol/generated/messages/metadata-request.js'
import { sizeMetadataResponse, writeMetadataResponse, type MetadataResponse } from '../../protocol/generated/messages/metadata-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import type { Broker } from '../broker.js'
import type { TopicRecord } from '../../storage/log-manager.js'
import { INTERNAL_TOPICS, topicNameProblem, ZERO_UUID } from '../topics.js'

type MetadataResponseTopic = MetadataResponse['topics'][number]

const NO_OPERATIONS = -2147483648
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
const ALL_TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11)
/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
const ALL_CLUSTER_OPERATIONS = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)


export default defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  codec: { decodeRequest: decodeMetadataRequest, sizeResponse: sizeMetadataResponse, writeResponse: writeMetadataResponse },
  async handle (broker, ctx, req) {
    const v = ctx.apiVersion
    const topicOps = req.includeTopicAuthorizedOperations ? ALL_TOPIC_OPERATIONS : NO_OPERATIONS
    const topics: MetadataResponseTopic[] = []
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0)
    if (allTopics) {
      for (const t of broker.topics.all()) topics.push(describeTopic(broker, t, topicOps))
    } else {
      const allowAuto = broker.config.autoCreateTopics && (v < 4 || req.allowAutoTopicCreation)
      for (const requested of req.topics ?? []) {
        topics.push(await resolveTopic(broker, requested.name, requested.topicId, allowAuto, topicOps))
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.advertised.host, port: broker.advertised.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NO_OPERATIONS
    }
  }
})

async function resolveTopic (broker: Broker, name: string | null, topicId: string, allowAuto: boolean, topicOps: number): Promise<MetadataResponseTopic> {
  if (name === null) {
    const byId = broker.topics.getById(topicId)
    if (byId !== undefined) return describeTopic(broker, byId, topicOps)
    return errorTopic(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID)
  }
  const existing = broker.topics.get(name)
  if (existing !== undefined) return describeTopic(broker, existing, topicOps)
  if (topicNameProblem(name) !== null) return errorTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION)
  if (!allowAuto || INTERNAL_TOPICS.has(name)) return errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const err = await broker.topics.autoCreate(name)
  if (err !== null) {
    broker.logger.warn({ topic: name, errorCode: err.errorCode }, `auto-creating topic failed: ${err.message}`)
    return errorTopic(name, ZERO_UUID, err.errorCode)
  }
  const created = broker.topics.get(name)
  if (created === undefined) return errorTopic(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE)
  return describeTopic(broker, created, topicOps)
}

function errorTopic (name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS }
}

export function describeTopic (broker: Broker, t: TopicRecord, topicOps: number): MetadataResponseTopic {
  const node = broker.nodeId
  const partitions = new Array(t.partitions)
  for (let p = 0; p < t.partitions; p++) {
    partitions[p] = {
      errorCode: ErrorCode.NONE,
      partitionIndex: p,
      leaderId: node,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: []
    }
  }
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: INTERNAL_TOPICS.has(t.name),
    partitions,
    topicAuthorizedOperations: topicOps
  }
}
