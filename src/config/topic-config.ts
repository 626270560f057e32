// A topic's effective configuration: its own overrides (stored in the topic registry), else the broker's
// synonym key if set explicitly, else Kafka's default. Also turns that into the LogConfig storage uses.
import type { BrokerConfig } from './broker-config.js'
import { BROKER_CONFIG_BY_NAME, TOPIC_CONFIG_BY_NAME, TOPIC_CONFIGS, type ConfigDef } from './definitions.js'
import { parseNumber, validateValue } from './validate.js'

export type ConfigSourceName = 'TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG'

/** Kafka's DescribeConfigs ConfigSource codes. */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6
} as const

export interface ResolvedConfig {
  def: ConfigDef
  value: string | null
  source: ConfigSourceName
  /** Kafka's synonym chain, most specific first. */
  synonyms: Array<{ name: string, value: string | null, source: ConfigSourceName }>
}

export function resolveTopicConfig (broker: BrokerConfig, overrides: Record<string, string>, d: ConfigDef): ResolvedConfig {
  const synonyms: ResolvedConfig['synonyms'] = []
  const own = overrides[d.name]
  if (own !== undefined) synonyms.push({ name: d.name, value: own, source: 'TOPIC_CONFIG' })
  if (d.brokerSynonym !== undefined) {
    const b = broker.explicit.get(d.brokerSynonym)
    if (b !== undefined) synonyms.push({ name: d.brokerSynonym, value: b, source: 'STATIC_BROKER_CONFIG' })
  }
  const value = synonyms.length > 0 ? synonyms[0].value : d.default
  const source: ConfigSourceName = synonyms.length > 0 ? synonyms[0].source : 'DEFAULT_CONFIG'
  // Kafka lists the broker default as a synonym, except for broker keys that have none of their own
  // (log.retention.ms, log.roll.ms, ...: derived from the hours keys), as its DescribeConfigs does.
  const brokerDef = d.brokerSynonym === undefined ? undefined : BROKER_CONFIG_BY_NAME.get(d.brokerSynonym)
  if (brokerDef?.noDefaultSynonym !== true) synonyms.push({ name: d.brokerSynonym ?? d.name, value: d.default, source: 'DEFAULT_CONFIG' })
  return { def: d, value, source, synonyms }
}

export function effectiveTopicConfig (broker: BrokerConfig, overrides: Record<string, string>): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const d of TOPIC_CONFIGS) out.set(d.name, resolveTopicConfig(broker, overrides, d).value)
  return out
}

/**
 * Validates topic-level overrides (CreateTopics, AlterConfigs). Returns the first problem as a message naming
 * the key and the value, or null.
 */
export function validateTopicConfigs (configs: Record<string, string | null>): string | null {
  for (const [name, value] of Object.entries(configs)) {
    const d = TOPIC_CONFIG_BY_NAME.get(name)
    if (d === undefined) return `unknown topic config '${name}'`
    if (value === null) return `${name}: a value is required`
    const problem = validateValue(d, value)
    if (problem !== null) return problem
  }
  return null
}

export interface TopicLogSettings {
  segmentBytes: number
  segmentMs: number
  indexIntervalBytes: number
  segmentIndexBytes: number
  messageTimestampType: 'CreateTime' | 'LogAppendTime'
  maxMessageBytes: number
  cleanupPolicy: string[]
  retentionMs: number
  retentionBytes: number
  deleteRetentionMs: number
  minCleanableDirtyRatio: number
  minCompactionLagMs: number
  maxCompactionLagMs: number
  fileDeleteDelayMs: number
}

export function topicLogSettings (broker: BrokerConfig, overrides: Record<string, string>): TopicLogSettings {
  const eff = effectiveTopicConfig(broker, overrides)
  const n = (k: string): number => parseNumber(eff.get(k) ?? '0')
  return {
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    indexIntervalBytes: n('index.interval.bytes'),
    segmentIndexBytes: n('segment.index.bytes'),
    messageTimestampType: eff.get('message.timestamp.type') === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    maxMessageBytes: n('max.message.bytes'),
    cleanupPolicy: (eff.get('cleanup.policy') ?? 'delete').split(',').map(s => s.trim()),
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    deleteRetentionMs: n('delete.retention.ms'),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    minCompactionLagMs: n('min.compaction.lag.ms'),
    maxCompactionLagMs: n('max.compaction.lag.ms'),
    fileDeleteDelayMs: n('file.delete.delay.ms')
  }
}
