// Shared request builders for the handler tests (raw protocol through RawClient).
import { RawClient } from './raw-client.js'
import { buildRecordBatch, type RecordInput, type BuildBatchOptions } from '../../src/protocol/records/builder.js'

import { ZERO_UUID } from '../../src/protocol/primitives/reader.js'

export { ZERO_UUID }

export function produceBody (topic: string, partition: number, records: Buffer | null, acks = -1): any {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }
}

export async function produce (c: RawClient, topic: string, partition: number, recs: RecordInput[], opts: BuildBatchOptions = {}, version = 9): Promise<any> {
  const res = await c.request(0, version, produceBody(topic, partition, buildRecordBatch(recs, opts)))
  return res.responses[0].partitionResponses[0]
}

export function fetchBody (topic: string, partition: number, offset: number, opts: { maxWaitMs?: number, minBytes?: number, maxBytes?: number, partitionMaxBytes?: number, topicId?: string, isolationLevel?: number } = {}): any {
  return {
    clusterId: null, replicaId: -1, maxWaitMs: opts.maxWaitMs ?? 0, minBytes: opts.minBytes ?? 0, maxBytes: opts.maxBytes ?? 0x7fffffff,
    isolationLevel: opts.isolationLevel ?? 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: opts.topicId ?? ZERO_UUID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: opts.partitionMaxBytes ?? 1048576 }] }],
    forgottenTopicsData: [], rackId: ''
  }
}

export async function fetchPartition (c: RawClient, topic: string, partition: number, offset: number, opts: Parameters<typeof fetchBody>[3] = {}, version = 11): Promise<any> {
  const res = await c.request(1, version, fetchBody(topic, partition, offset, opts))
  return res.responses[0].partitions[0]
}

export function metadataBody (topics: Array<string | null> | null, allowAutoTopicCreation = true): any {
  return {
    topics: topics === null ? null : topics.map(name => ({ name, topicId: ZERO_UUID })),
    allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false
  }
}

export function listOffsetsBody (topic: string, partition: number, timestamp: number): any {
  return { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: BigInt(timestamp), maxNumOffsets: 1 }] }] }
}
