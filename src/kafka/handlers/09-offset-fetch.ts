// OffsetFetch (key 9): a group's committed offsets.
//
// Version notes:
//   v0      Kafka 3.x reads v0 from ZooKeeper; Samsa answers every version from __consumer_offsets
//   v1      same as v0
//   v2      null topic list = every offset the group has; top-level error code
//   v3      throttle time
//   v5      committed leader epoch
//   v6      flexible
//   v7      requireStable: a partition with an offset pending in an open transaction (TxnOffsetCommit not
//           yet followed by its COMMIT/ABORT marker), or a commit still being written, answers
//           UNSTABLE_OFFSET_COMMIT (offset -1) for that partition, as Kafka; the client retries. Without it
//           the last committed offset is answered (pending ones are never visible)
//   v8      several groups in one request, one answer per group
//   v9      member id and epoch (KIP-848 consumers): accepted and not checked (classic groups only)
// Every requested partition is answered: offset -1, leader epoch -1 and metadata '' where nothing is
// committed (also for an unknown group; kafkajs never fetches a partition missing from the answer).
// Group errors (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE) are top-level from v2 and on every
// requested partition before.
import { decodeOffsetFetchRequest, type OffsetFetchRequest } from '../../protocol/generated/messages/offset-fetch-request.js'
import { sizeOffsetFetchResponse, writeOffsetFetchResponse, type OffsetFetchResponse } from '../../protocol/generated/messages/offset-fetch-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import type { RequestContext } from '../network/connection.js'
import type { KafkaServices } from '../services.js'

type Topics = Array<{ name: string, partitionIndexes: number[] }> | null

function fetchGroup (svc: Pick<KafkaServices, 'authorizer' | 'groups'>, ctx: RequestContext, groupId: string, topics: Topics, requireStable: boolean): { errorCode: number, topics: OffsetFetchResponse['topics'] } {
  // ACLs: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED); topics the client may not DESCRIBE are left out
  // of an all-topics answer and answered TOPIC_AUTHORIZATION_FAILED when named (as KafkaApis)
  const groupDenied = !allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)
  const r = groupDenied ? { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] } : svc.groups.fetchOffsets(groupId, topics, requireStable)
  if (r.errorCode === ErrorCode.NONE) {
    if (!svc.authorizer.enabled) return r
    const visible = (name: string): boolean => allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name, topics !== null)
    if (topics === null) return { errorCode: r.errorCode, topics: r.topics.filter(t => visible(t.name)) }
    return {
      errorCode: r.errorCode,
      topics: r.topics.map(t => visible(t.name)
        ? t
        : { name: t.name, partitions: t.partitions.map(p => ({ ...p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) })
    }
  }
  // the error also goes on every requested partition (what v0/v1 clients see)
  return {
    errorCode: r.errorCode,
    topics: (topics ?? []).map(t => ({
      name: t.name,
      partitions: t.partitionIndexes.map(p => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode }))
    }))
  }
}

export default defineHandler({
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  codec: { decodeRequest: decodeOffsetFetchRequest, sizeResponse: sizeOffsetFetchResponse, writeResponse: writeOffsetFetchResponse },
  uses: ['authorizer', 'groups'],
  handle (svc, ctx, req: OffsetFetchRequest): OffsetFetchResponse {
    const v = ctx.apiVersion
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: ErrorCode.NONE,
        groups: req.groups.map(g => {
          const r = fetchGroup(svc, ctx, g.groupId, g.topics, req.requireStable)
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? r.topics : [] }
        })
      }
    }
    const r = fetchGroup(svc, ctx, req.groupId, v >= 2 ? req.topics : (req.topics ?? []), v >= 7 && req.requireStable)
    return { throttleTimeMs: 0, topics: v >= 2 && r.errorCode !== ErrorCode.NONE ? [] : r.topics, errorCode: r.errorCode, groups: [] }
  }
})
