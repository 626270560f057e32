// The broker's view of topics: names and ids, partition logs, effective configs, creation rules.
//
// Storage (LogManager) owns the persisted registry and the partition logs; this layer adds Kafka's rules:
// legal names, auto-creation, defaults for -1 partitions/replication, config validation, lookups by topic id,
// and a cache of each topic's resolved settings (rebuilt when its configs change).
// Partition limit: log.partitions.max bounds the partitions of all topics together (those being created
// included). CreateTopics, CreatePartitions and auto-creation beyond it get POLICY_VIOLATION naming the limit,
// checked before anything is created; create() and addPartitions() reserve their partitions synchronously, so
// concurrent requests cannot pass it together. The internal topics (__consumer_offsets, __transaction_state:
// 50 partitions each by default) are counted but never refused: groups and transactions must keep working.
import { randomUUID } from 'node:crypto'
import type { BrokerConfig } from '../config/broker-config.js'
import { topicLogSettings, validateTopicConfigs, type TopicLogSettings } from '../config/topic-config.js'
import { parseNumber } from '../config/validate.js'
import { numberConfig } from '../config/broker-config.js'
import { PolicyViolationError } from '../storage/errors.js'
import type { LogManager, TopicRecord } from '../storage/log-manager.js'
import type { LogConfig } from '../storage/log.js'
import type { Partition } from '../storage/partition.js'
import { ErrorCode } from '../protocol/errors.js'

export const MAX_TOPIC_NAME_LENGTH = 249
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/
export { ZERO_UUID } from '../protocol/primitives/reader.js'

/** Topics the broker writes itself: clients cannot produce to, auto-create or delete them. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state'])

/** Null when the name is legal, else why not (Kafka's Topic.validate rules). */
export function topicNameProblem (name: string | null): string | null {
  if (name === null || name.length === 0) return 'topic name is empty'
  if (name === '.' || name === '..') return `topic name '${name}' is not allowed`
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is ${name.length} characters long, the limit is ${MAX_TOPIC_NAME_LENGTH}`
  if (!LEGAL_NAME.test(name)) return `topic name '${name}' has characters outside [a-zA-Z0-9._-]`
  return null
}

/** LogConfig for storage, derived from a topic's effective configs (its overrides over the broker's). */
export function logConfigFor (broker: BrokerConfig, topic: TopicRecord): LogConfig {
  const s = topicLogSettings(broker, topic.configs)
  return {
    segmentBytes: s.segmentBytes,
    segmentMs: s.segmentMs,
    indexIntervalBytes: s.indexIntervalBytes,
    segmentIndexBytes: s.segmentIndexBytes,
    messageTimestampType: s.messageTimestampType,
    fsync: broker.fsync,
    retentionMs: s.retentionMs,
    retentionBytes: s.retentionBytes,
    cleanupPolicy: s.cleanupPolicy.join(','),
    deleteRetentionMs: s.deleteRetentionMs,
    minCleanableDirtyRatio: s.minCleanableDirtyRatio,
    minCompactionLagMs: s.minCompactionLagMs,
    maxCompactionLagMs: s.maxCompactionLagMs,
    fileDeleteDelayMs: s.fileDeleteDelayMs,
    retentionCheckIntervalMs: parseNumber(broker.get('log.retention.check.interval.ms') ?? '300000'),
    checkCrcs: broker.get('log.fetch.check.crcs') !== 'false'
  }
}

export interface TopicError {
  errorCode: number
  message: string
}

export class Topics {
  /** topic id -> name (records are looked up by name: the registry replaces them when configs change). */
  private readonly byId = new Map<string, string>()
  private readonly settings = new Map<string, TopicLogSettings>()
  /** Topics being created right now (auto-creation from concurrent requests waits on one creation). */
  private readonly creating = new Map<string, Promise<TopicError | null>>()
  /** Partitions of creations and additions in progress (not in the registry yet). */
  private reserved = 0

  constructor (private readonly broker: BrokerConfig, readonly logs: LogManager) {
    for (const t of logs.topics()) this.byId.set(t.topicId, t.name)
  }

  all (): TopicRecord[] {
    return this.logs.topics()
  }

  get (name: string): TopicRecord | undefined {
    return this.logs.topic(name)
  }

  getById (topicId: string): TopicRecord | undefined {
    const name = this.byId.get(topicId)
    return name === undefined ? undefined : this.logs.topic(name)
  }

  log (topic: string, partition: number): Partition | undefined {
    return this.logs.log(topic, partition)
  }

  /** The topic's effective storage and validation settings (cached). */
  settingsOf (topic: TopicRecord): TopicLogSettings {
    let s = this.settings.get(topic.name)
    if (s === undefined) {
      s = topicLogSettings(this.broker, topic.configs)
      this.settings.set(topic.name, s)
    }
    return s
  }


  /**
   * Checks a creation request without creating anything. numPartitions/replicationFactor -1 mean defaults.
   * Returns the resolved partition count or an error.
   */
  checkCreate (name: string, numPartitions: number, replicationFactor: number, configs: Record<string, string | null>, hasAssignments = false): TopicError | { partitions: number } {
    const problem = topicNameProblem(name)
    if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem }
    if (this.get(name) !== undefined || this.creating.has(name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${name}' already exists.` }
    }
    if (hasAssignments) {
      return { errorCode: ErrorCode.INVALID_REQUEST, message: 'manual replica assignments are not supported by a single-node broker; give numPartitions instead' }
    }
    const partitions = numPartitions === -1 ? this.broker.numPartitions : numPartitions
    if (partitions <= 0 || partitions > 1_000_000) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Number of partitions must be larger than 0 (got ${numPartitions}).` }
    }
    if (replicationFactor !== -1 && replicationFactor !== 1) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        message: `Replication factor ${replicationFactor} is larger than the number of brokers (1); use 1 or -1.`
      }
    }
    const configProblem = validateTopicConfigs(configs)
    if (configProblem !== null) return { errorCode: ErrorCode.INVALID_CONFIG, message: configProblem }
    const limit = this.partitionLimitProblem(name, partitions, `creating topic '${name}' with ${partitions} partitions`)
    if (limit !== null) return { errorCode: ErrorCode.POLICY_VIOLATION, message: limit }
    return { partitions }
  }

  /** Partitions of every topic, those being created or added included. */
  partitionCount (): number {
    let n = this.reserved
    for (const t of this.logs.topics()) n += t.partitions
    return n
  }

  /** Null if `adding` more partitions stay within log.partitions.max (internal topics: always), else why not. */
  private partitionLimitProblem (topic: string, adding: number, what: string): string | null {
    if (INTERNAL_TOPICS.has(topic)) return null
    const max = numberConfig(this.broker, 'log.partitions.max')
    const current = this.partitionCount()
    if (current + adding <= max) return null
    return `${what} would bring the broker to ${current + adding} partitions, above its limit log.partitions.max=${max} (${current} exist); nothing was created`
  }

  /** Null if the topic may grow to `total` partitions within log.partitions.max, else the error (CreatePartitions). */
  checkAddPartitions (name: string, total: number): TopicError | null {
    const t = this.get(name)
    if (t === undefined || total <= t.partitions) return null
    const limit = this.partitionLimitProblem(name, total - t.partitions, `growing topic '${name}' from ${t.partitions} to ${total} partitions`)
    return limit === null ? null : { errorCode: ErrorCode.POLICY_VIOLATION, message: limit }
  }

  /**
   * Creates a topic; the caller has checked it with checkCreate. The partition limit is checked again here and
   * the partitions reserved in the same turn (PolicyViolationError beyond it).
   */
  async create (name: string, partitions: number, configs: Record<string, string>): Promise<TopicRecord> {
    const limit = this.partitionLimitProblem(name, partitions, `creating topic '${name}' with ${partitions} partitions`)
    if (limit !== null) throw new PolicyViolationError(limit)
    this.reserved += partitions
    try {
      return await this.createReserved(name, partitions, configs)
    } finally {
      this.reserved -= partitions
    }
  }

  private async createReserved (name: string, partitions: number, configs: Record<string, string>): Promise<TopicRecord> {
    const rec: TopicRecord = { name, topicId: randomUUID(), partitions, configs }
    let done!: (v: TopicError | null) => void
    this.creating.set(name, new Promise(resolve => { done = resolve }))
    try {
      await this.logs.createTopic(rec)
      this.byId.set(rec.topicId, rec.name)
      done(null)
      return rec
    } catch (err) {
      done({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: (err as Error).message })
      throw err
    } finally {
      this.creating.delete(name)
    }
  }

  /**
   * Auto-creation for Metadata: creates the topic with the broker defaults if allowed. Concurrent callers for
   * the same name share one creation. Returns null on success (or if it already exists).
   */
  async autoCreate (name: string): Promise<TopicError | null> {
    if (this.get(name) !== undefined) return null
    const pending = this.creating.get(name)
    if (pending !== undefined) return await pending
    const check = this.checkCreate(name, -1, -1, {})
    if ('errorCode' in check) return check
    try {
      await this.create(name, check.partitions, {})
      return null
    } catch (err) {
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `creating topic ${name} failed: ${(err as Error).message}` }
    }
  }

  async delete (name: string): Promise<void> {
    const rec = this.get(name)
    if (rec === undefined) return
    this.byId.delete(rec.topicId)
    this.settings.delete(name)
    await this.logs.deleteTopic(name)
  }

  /** Grows a topic to `total` partitions; PolicyViolationError beyond log.partitions.max (nothing created). */
  async addPartitions (name: string, total: number): Promise<void> {
    const check = this.checkAddPartitions(name, total)
    if (check !== null) throw new PolicyViolationError(check.message)
    const adding = Math.max(0, total - (this.get(name)?.partitions ?? total))
    this.reserved += adding
    try {
      await this.logs.addPartitions(name, total)
    } finally {
      this.reserved -= adding
    }
  }

  async updateConfigs (name: string, configs: Record<string, string>): Promise<void> {
    await this.logs.updateTopicConfigs(name, configs)
    this.settings.delete(name)
  }
}
