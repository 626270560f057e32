// Topic administration: list, create, delete, add partitions, describe configs, alter configs. Creation,
// deletion and partition changes go to the controller (KRaft brokers forward them anyway); config reads go
// to any broker. Per-topic error codes become errors that name the topic and Kafka's error.
//
// Altering configs: IncrementalAlterConfigs (KIP-339, v0-1) sets and deletes single keys. Brokers without it
// only have AlterConfigs, which *replaces* a topic's whole set of overrides: the fallback reads the current
// overrides with DescribeConfigs, applies the change to them and sends the complete set, so other
// overrides survive (the same read-modify-write the Java AdminClient's users had to do before KIP-339).
import { ZERO_UUID } from '../protocol/primitives/reader.js'
import { ErrorCode } from '../protocol/errors.js'
import { AlterConfigs, CreatePartitions, CreateTopics, DeleteTopics, DescribeConfigs, IncrementalAlterConfigs } from './apis.js'
import type { Cluster, TopicInfo } from './cluster.js'
import { KafkaProtocolError, UnknownTopicError, UnsupportedApiError } from './errors.js'

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4

/** Kafka's ConfigSource names, by wire code. */
export const CONFIG_SOURCES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG'] as const
export type ConfigSourceName = typeof CONFIG_SOURCES[number]

export interface ConfigEntry {
  name: string
  value: string | null
  source: ConfigSourceName
  isDefault: boolean
  readOnly: boolean
  sensitive: boolean
}

export interface CreateTopicOptions {
  name: string
  /** Omitted: the broker's num.partitions. */
  partitions?: number
  /** Omitted: the broker's default.replication.factor. */
  replicationFactor?: number
  configs?: Record<string, string>
  validateOnly?: boolean
}

export interface CreatedTopic { name: string; topicId: string; partitions: number; replicationFactor: number }

export interface ConfigChanges {
  set: Record<string, string>
  delete: string[]
}

/** Every topic (internal ones included), sorted by name. */
export async function listTopics (cluster: Cluster): Promise<TopicInfo[]> {
  const all = await cluster.metadata(null)
  return [...all.values()].filter(t => t.errorCode === ErrorCode.NONE).sort((a, b) => a.name.localeCompare(b.name))
}

export async function createTopic (cluster: Cluster, opts: CreateTopicOptions): Promise<CreatedTopic> {
  const conn = await cluster.controller()
  const v = conn.version(CreateTopics)
  // Before v4 the broker defaults (-1) do not exist.
  const partitions = opts.partitions ?? (v >= 4 ? -1 : 1)
  const replicationFactor = opts.replicationFactor ?? (v >= 4 ? -1 : 1)
  const res = await conn.request(CreateTopics, {
    topics: [{
      name: opts.name,
      numPartitions: partitions,
      replicationFactor,
      assignments: [],
      configs: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value }))
    }],
    timeoutMs: 30_000,
    validateOnly: opts.validateOnly ?? false
  })
  const r = res.topics.find(t => t.name === opts.name) ?? res.topics[0]
  if (r === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `create topic '${opts.name}'`, 'empty answer')
  if (r.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(r.errorCode, `create topic '${opts.name}'`, r.errorMessage)
  return {
    name: r.name,
    topicId: r.topicId,
    partitions: r.numPartitions > 0 ? r.numPartitions : partitions,
    replicationFactor: r.replicationFactor > 0 ? r.replicationFactor : replicationFactor
  }
}

export async function deleteTopic (cluster: Cluster, name: string): Promise<void> {
  const conn = await cluster.controller()
  const res = await conn.request(DeleteTopics, { topics: [{ name, topicId: ZERO_UUID }], topicNames: [name], timeoutMs: 30_000 })
  const r = res.responses.find(t => t.name === name) ?? res.responses[0]
  if (r === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `delete topic '${name}'`, 'empty answer')
  if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || r.errorCode === ErrorCode.UNKNOWN_TOPIC_ID) throw new UnknownTopicError(name)
  if (r.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(r.errorCode, `delete topic '${name}'`, r.errorMessage)
  cluster.invalidate(name)
}

/** Grows `name` to `total` partitions. */
export async function addPartitions (cluster: Cluster, name: string, total: number): Promise<void> {
  const conn = await cluster.controller()
  const res = await conn.request(CreatePartitions, { topics: [{ name, count: total, assignments: null }], timeoutMs: 30_000, validateOnly: false })
  const r = res.results.find(t => t.name === name) ?? res.results[0]
  if (r === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `add partitions to '${name}'`, 'empty answer')
  if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new UnknownTopicError(name)
  if (r.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(r.errorCode, `add partitions to '${name}'`, r.errorMessage)
  cluster.invalidate(name)
}

/** Every config of a topic (resourceType 2) or broker (4), with its source. */
export async function describeConfigs (cluster: Cluster, resourceType: number, resourceName: string): Promise<ConfigEntry[]> {
  const conn = await cluster.any()
  const v = conn.version(DescribeConfigs)
  const res = await conn.request(DescribeConfigs, {
    resources: [{ resourceType, resourceName, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false
  })
  const r = res.results[0]
  const what = `describe configs of ${resourceType === RESOURCE_TOPIC ? 'topic' : 'broker'} '${resourceName}'`
  if (r === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, what, 'empty answer')
  if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && resourceType === RESOURCE_TOPIC) throw new UnknownTopicError(resourceName)
  if (r.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(r.errorCode, what, r.errorMessage)
  return r.configs.map(c => {
    // v0 has only isDefault: a non-default topic value is reported as a topic override.
    const code = v === 0 ? (c.isDefault ? 5 : 1) : c.configSource
    const source = CONFIG_SOURCES[code] ?? 'UNKNOWN'
    return { name: c.name, value: c.value, source, isDefault: v === 0 ? c.isDefault : source === 'DEFAULT_CONFIG', readOnly: c.readOnly, sensitive: c.isSensitive }
  }).sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * Sets and deletes topic config overrides. Returns which API did it: 'incremental' (IncrementalAlterConfigs)
 * or 'replace' (AlterConfigs with the merged full set).
 */
export async function alterTopicConfigs (cluster: Cluster, name: string, changes: ConfigChanges): Promise<'incremental' | 'replace'> {
  const conn = await cluster.any()
  const what = `alter configs of topic '${name}'`
  const fail = (code: number, message: string | null): never => {
    if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new UnknownTopicError(name)
    throw new KafkaProtocolError(code, what, message)
  }
  if (conn.supports(IncrementalAlterConfigs)) {
    const res = await conn.request(IncrementalAlterConfigs, {
      resources: [{
        resourceType: RESOURCE_TOPIC,
        resourceName: name,
        configs: [
          ...Object.entries(changes.set).map(([key, value]) => ({ name: key, configOperation: 0 /* SET */, value })),
          ...changes.delete.map(key => ({ name: key, configOperation: 1 /* DELETE */, value: null }))
        ]
      }],
      validateOnly: false
    })
    const r = res.responses[0]
    if (r !== undefined && r.errorCode !== ErrorCode.NONE) fail(r.errorCode, r.errorMessage)
    return 'incremental'
  }
  if (conn.supports(AlterConfigs)) {
    const current = await describeConfigs(cluster, RESOURCE_TOPIC, name)
    const merged = new Map<string, string | null>()
    for (const c of current) if (c.source === 'DYNAMIC_TOPIC_CONFIG') merged.set(c.name, c.value)
    for (const key of changes.delete) merged.delete(key)
    for (const [key, value] of Object.entries(changes.set)) merged.set(key, value)
    const res = await conn.request(AlterConfigs, {
      resources: [{ resourceType: RESOURCE_TOPIC, resourceName: name, configs: [...merged].map(([key, value]) => ({ name: key, value })) }],
      validateOnly: false
    })
    const r = res.responses[0]
    if (r !== undefined && r.errorCode !== ErrorCode.NONE) fail(r.errorCode, r.errorMessage)
    return 'replace'
  }
  throw new UnsupportedApiError(conn.address, IncrementalAlterConfigs.key, IncrementalAlterConfigs.name,
    ` nor AlterConfigs (api key ${AlterConfigs.key}): topic configs cannot be changed on it`)
}
