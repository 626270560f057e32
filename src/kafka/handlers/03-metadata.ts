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
//   v8      authorized operations on request (from the authorizer; every supported one without)
//   v9      flexible
//   v10     topic ids; topics may be requested by id (name null) -> UNKNOWN_TOPIC_ID when unknown
//   v11     no cluster authorized operations
//   v12     topic name nullable in the response (for unknown topic ids)
// ACLs (as KafkaApis): an all-topics request leaves out the topics the client may not DESCRIBE; a named topic
// it may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED; auto-creation needs CREATE on the cluster or the topic, else
// TOPIC_AUTHORIZATION_FAILED.
// Auto-creation is synchronous: a topic created by this request is returned complete, with no
// LEADER_NOT_AVAILABLE round trip.
import { decodeMetadataRequest, type MetadataRequest } from '../../protocol/generated/messages/metadata-request.js'
import { sizeMetadataResponse, writeMetadataResponse, type MetadataResponse } from '../../protocol/generated/messages/metadata-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import type { KafkaServices } from '../services.js'
import type { TopicRecord } from '../../storage/log-manager.js'
import { INTERNAL_TOPICS, topicNameProblem, ZERO_UUID } from '../../core/topics.js'
import { AclOperation, ResourceType, allowed, allowedOnCluster, authorizedOperations, OPERATIONS_NOT_REQUESTED } from '../authorize.js'
import type { RequestContext } from '../network/connection.js'

type MetadataResponseTopic = MetadataResponse['topics'][number]

const NO_OPERATIONS = OPERATIONS_NOT_REQUESTED

type Svc = Pick<KafkaServices, 'authorizer' | 'logger' | 'nodeId' | 'topics'>

export default defineHandler({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  codec: { decodeRequest: decodeMetadataRequest, sizeResponse: sizeMetadataResponse, writeResponse: writeMetadataResponse },
  uses: ['authorizer', 'clusterId', 'config', 'logger', 'nodeId', 'topics'],
  async handle (svc, ctx, req: MetadataRequest): Promise<MetadataResponse> {
    const v = ctx.apiVersion
    const topicOps = req.includeTopicAuthorizedOperations
    const topics: MetadataResponseTopic[] = []
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0)
    if (allTopics) {
      for (const t of svc.topics.all()) {
        if (!allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name, false)) continue
        topics.push(describeTopic(svc, t, ops(svc, ctx, t.name, topicOps)))
      }
    } else {
      const allowAuto = svc.config.autoCreateTopics && (v < 4 || req.allowAutoTopicCreation)
      for (const requested of req.topics ?? []) {
        topics.push(await resolveTopic(svc, ctx, requested.name, requested.topicId, allowAuto, topicOps))
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: svc.nodeId, host: ctx.session.listener.advertised.host, port: ctx.session.listener.advertised.port, rack: null }],
      clusterId: svc.clusterId,
      controllerId: svc.nodeId,
      topics,
      clusterAuthorizedOperations: authorizedOperations(svc.authorizer, ctx, ResourceType.CLUSTER, 'kafka-cluster', req.includeClusterAuthorizedOperations && v >= 8 && v <= 10)
    }
  }
})

function ops (svc: Pick<KafkaServices, 'authorizer'>, ctx: RequestContext, name: string, requested: boolean): number {
  return authorizedOperations(svc.authorizer, ctx, ResourceType.TOPIC, name, requested)
}

async function resolveTopic (svc: Svc, ctx: RequestContext, name: string | null, topicId: string, allowAuto: boolean, topicOps: boolean): Promise<MetadataResponseTopic> {
  if (name === null) {
    const byId = svc.topics.getById(topicId)
    if (byId === undefined) return errorTopic(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID)
    if (!allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, byId.name)) return errorTopic(null, topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    return describeTopic(svc, byId, ops(svc, ctx, byId.name, topicOps))
  }
  if (!allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) return errorTopic(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  const existing = svc.topics.get(name)
  if (existing !== undefined) return describeTopic(svc, existing, ops(svc, ctx, name, topicOps))
  if (topicNameProblem(name) !== null) return errorTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION)
  if (!allowAuto || INTERNAL_TOPICS.has(name)) return errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.CREATE, false) && !allowed(svc.authorizer, ctx, AclOperation.CREATE, ResourceType.TOPIC, name)) {
    return errorTopic(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  }
  const err = await svc.topics.autoCreate(name)
  if (err !== null) {
    svc.logger.warn({ topic: name, errorCode: err.errorCode }, `auto-creating topic failed: ${err.message}`)
    return errorTopic(name, ZERO_UUID, err.errorCode)
  }
  const created = svc.topics.get(name)
  if (created === undefined) return errorTopic(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE)
  return describeTopic(svc, created, ops(svc, ctx, name, topicOps))
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
