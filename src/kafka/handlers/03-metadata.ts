// Metadata (key 3): this node as the only svc, controller and leader of every partition.
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
import type { KafkaServices } from '../services.js'
import type { TopicRecord } from '../../storage/log-manager.js'
import { INTERNAL_TOPICS, topicNameProblem, ZERO_UUID } from '../../core/topics.js'

type MetadataResponseTopic = MetadataResponse['topics'][number]

const NO_OPERATIONS = -2147483648
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
const ALL_TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11)
/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
const ALL_CLUSTER_OPERATIONS = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)


export default defineHandler({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  codec: { decodeRequest: decodeMetadataRequest, sizeResponse: sizeMetadataResponse, writeResponse: writeMetadataResponse },
  uses: ['clusterId', 'config', 'logger', 'nodeId', 'topics'],
  async handle (svc, ctx, req: MetadataRequest): Promise<MetadataResponse> {
    const v = ctx.apiVersion
    const topicOps = req.includeTopicAuthorizedOperations ? ALL_TOPIC_OPERATIONS : NO_OPERATIONS
    const topics: MetadataResponseTopic[] = []
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0)
    if (allTopics) {
      for (const t of svc.topics.all()) topics.push(describeTopic(svc, t, topicOps))
    } else {
      const allowAuto = svc.config.autoCreateTopics && (v < 4 || req.allowAutoTopicCreation)
      for (const requested of req.topics ?? []) {
        topics.push(await resolveTopic(svc, requested.name, requested.topicId, allowAuto, topicOps))
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: svc.nodeId, host: ctx.session.listener.advertised.host, port: ctx.session.listener.advertised.port, rack: null }],
      clusterId: svc.clusterId,
      controllerId: svc.nodeId,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NO_OPERATIONS
    }
  }
})

async function resolveTopic (svc: Pick<KafkaServices, 'logger' | 'nodeId' | 'topics'>, name: string | null, topicId: string, allowAuto: boolean, topicOps: number): Promise<MetadataResponseTopic> {
  if (name === null) {
    const byId = svc.topics.getById(topicId)
    if (byId !== undefined) return describeTopic(svc, byId, topicOps)
    return errorTopic(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID)
  }
  const existing = svc.topics.get(name)
  if (existing !== undefined) return describeTopic(svc, existing, topicOps)
  if (topicNameProblem(name) !== null) return errorTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION)
  if (!allowAuto || INTERNAL_TOPICS.has(name)) return errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const err = await svc.topics.autoCreate(name)
  if (err !== null) {
    svc.logger.warn({ topic: name, errorCode: err.errorCode }, `auto-creating topic failed: ${err.message}`)
    return errorTopic(name, ZERO_UUID, err.errorCode)
  }
  const created = svc.topics.get(name)
  if (created === undefined) return errorTopic(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE)
  return describeTopic(svc, created, topicOps)
}

function errorTopic (name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS }
}

export function describeTopic (svc: Pick<KafkaServices, 'nodeId'>, t: TopicRecord, topicOps: number): MetadataResponseTopic {
  const node = svc.nodeId
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
