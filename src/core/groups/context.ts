// What the parts of the group coordinator share: configuration, the clock and timers, the groups and
// offsets held in memory (committed, and pending in open transactions), the logger, and the way records
// reach __consumer_offsets.
//
// Threading: everything runs on the main event loop; a "transition" is one synchronous stretch of code,
// so no locks are needed. Asynchrony appears only where records are appended (the caller resumes when
// they are durable) and where JoinGroup/SyncGroup responses are parked.
import type { Logger } from '../../logger.js'
import { ErrorCode, errorCodeOf } from '../../protocol/errors.js'
import type { Clock, KeyedTimers } from './clock.js'
import type { ClassicGroup } from './group.js'
import type { OffsetStore } from './offsets.js'
import type { TxnProducer } from './offsets-log.js'
import { numberConfig, type BrokerConfig } from '../../config/broker-config.js'
import { BROKER_DEFAULTS } from '../../config/definitions.js'
import type { PendingTxnOffsets } from './pending-offsets.js'
import type { CoordinatorRecord } from './records.js'

export interface GroupsConfig {
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number
  /** group.max.size */
  maxGroupSize: number
  /** How long a new member's JoinGroup may stay parked before the member is dropped (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs: number
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number
}

/** Kafka's GroupCoordinatorConfig.DEFAULT_NEW_MEMBER_JOIN_TIMEOUT_MS: a constant there, not a broker key. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000

/** The coordinator's settings from the broker config (Kafka's keys; their defaults are in config/definitions.ts). */
export function groupsConfigFrom (config: Pick<BrokerConfig, 'get'>): GroupsConfig {
  const num = (key: string): number => numberConfig(config, key)
  return {
    minSessionTimeoutMs: num('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: num('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: num('group.initial.rebalance.delay.ms'),
    maxGroupSize: num('group.max.size'),
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
    offsetsRetentionMs: num('offsets.retention.minutes') * 60000,
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: num('offset.metadata.max.bytes')
  }
}

/** Every setting at its default (coordinators built without a broker config: tests, embedders). */
export const DEFAULT_GROUPS_CONFIG: GroupsConfig = groupsConfigFrom(BROKER_DEFAULTS)

export interface CoordinatorContext {
  readonly clock: Clock
  readonly timers: KeyedTimers
  readonly config: GroupsConfig
  readonly logger: Logger
  readonly groups: Map<string, ClassicGroup>
  readonly offsets: OffsetStore
  /** Offsets committed inside transactions that have not ended yet. */
  readonly pending: PendingTxnOffsets
  /**
   * Appends records to the group's partition of __consumer_offsets (one batch, transactional for `txn`);
   * resolves when durable.
   */
  append: (groupId: string, records: CoordinatorRecord[], txn?: TxnProducer) => Promise<void>
}

/**
 * The error a client gets when the coordinator's records could not be written (Kafka's
 * appendGroupMetadataErrorToResponseError and CoordinatorOperationExceptionHelper): a storage error (a full
 * disk, an offline partition of __consumer_offsets) is NOT_COORDINATOR, so the client looks the coordinator up
 * again and retries; a record too large is UNKNOWN_SERVER_ERROR (offset commits answer
 * INVALID_COMMIT_OFFSET_SIZE); anything else is COORDINATOR_NOT_AVAILABLE.
 */
export function appendErrorCode (err: unknown): number {
  const code = errorCodeOf(err)
  if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) return ErrorCode.UNKNOWN_SERVER_ERROR
  if (code === ErrorCode.KAFKA_STORAGE_ERROR || code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR
  return ErrorCode.COORDINATOR_NOT_AVAILABLE
}
