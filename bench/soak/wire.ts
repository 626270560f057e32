// Raw request frames for the soak's misbehaving clients (fuzzer, stalled reader, trickler), encoded by the
// project's generated codecs (src/protocol; tsx compiles them, the broker under test is never imported).
// A frame is the int32 size prefix, the request header (api key, version, correlation id, client id) and
// the body, exactly as a client sends it.
import { API_SPECS } from '../../src/protocol/generated/api-registry.js'
import { sizeRequestHeader, writeRequestHeader } from '../../src/protocol/generated/messages/request-header.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { ZERO_UUID } from '../../src/protocol/primitives/reader.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'

export function frame (apiKey: number, version: number, body: unknown, correlationId: number, clientId = 'soak'): Buffer {
  const spec = API_SPECS.get(apiKey)
  if (spec === undefined) throw new Error(`unknown api key ${apiKey}`)
  const hv = spec.requestHeaderVersion(version)
  const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId }
  const hs = sizeRequestHeader(hv, header)
  const bs = spec.sizeRequest(version, body)
  const w = new Writer(4 + hs + bs)
  w.int32(hs + bs)
  writeRequestHeader(w, hv, header)
  spec.writeRequest(w, version, body)
  return Buffer.concat(w.finish())
}

export function fetchBody (partitions: Array<{ topic: string, partition: number, offset: number }>, maxBytes: number, partitionMaxBytes: number, maxWaitMs = 0): unknown {
  const byTopic = new Map<string, Array<{ partition: number, offset: number }>>()
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p])
  return {
    clusterId: null, replicaId: -1, maxWaitMs, minBytes: 0, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [...byTopic].map(([topic, ps]) => ({
      topic,
      topicId: ZERO_UUID,
      partitions: ps.map(p => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(p.offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes }))
    })),
    forgottenTopicsData: [],
    rackId: ''
  }
}

export function produceBody (topic: string, partition: number, acks: number, values: Buffer[]): unknown {
  const records = buildRecordBatch(values.map(value => ({ value })))
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }
}

/**
 * Valid frames of the APIs the fuzzer starts from: reads of every kind, produce to `topic` (the fuzzer's own),
 * group calls on `group` (the fuzzer's own). No frame deletes or creates anything, so an unmutated corpus frame
 * never touches the soak's real topics and groups.
 */
export function fuzzCorpus (topic: string, group: string): Buffer[] {
  const out: Buffer[] = []
  const add = (key: number, versions: number[], body: unknown): void => {
    for (const v of versions) out.push(frame(key, v, body, 1))
  }
  add(18, [0, 1, 2, 3], { clientSoftwareName: 'soak-fuzz', clientSoftwareVersion: '1.0' })
  add(3, [0, 1, 4, 9, 12], { topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
  add(0, [3, 7, 9], produceBody(topic, 0, 1, [Buffer.from('fuzz-a'), Buffer.alloc(300, 7)]))
  add(1, [4, 11, 12], fetchBody([{ topic, partition: 0, offset: 0 }], 1 << 20, 1 << 20))
  add(2, [1, 5, 7], { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] })
  add(10, [0, 3], { key: group, keyType: 0, coordinatorKeys: [group] })
  add(11, [0, 5, 6], {
    groupId: group, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }], reason: null
  })
  add(12, [0, 4], { groupId: group, generationId: 1, memberId: 'nobody', groupInstanceId: null })
  add(9, [1, 5], { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }], groups: [], requireStable: false })
  add(15, [0, 5], { groups: [group], includeAuthorizedOperations: false })
  add(16, [0, 4], { statesFilter: [], typesFilter: [] })
  add(17, [1], { mechanism: 'PLAIN' })
  add(22, [0, 4], { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })
  add(32, [1, 4], { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })
  return out
}
