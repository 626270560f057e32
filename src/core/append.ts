// A client's record batch into a partition: the protocol-neutral part of producing, for any front door.
//
// appendTarget() finds the partition a client may write to: unknown -> UNKNOWN_TOPIC_OR_PARTITION, an internal
// topic (__consumer_offsets, __transaction_state) -> INVALID_TOPIC_EXCEPTION, a partition offline after a
// storage error -> KAFKA_STORAGE_ERROR. The front door then checks the batch's format against the target's
// settings (max.message.bytes) and calls appendRecords(), which hands the batch to Partition.appendAsLeader
// with the transaction coordinator's verification: a transactional batch must come with a transactional id
// (else INVALID_TXN_STATE) whose current producer has an open transaction holding the partition, as Kafka 3.x
// verifies (INVALID_TXN_STATE / INVALID_PRODUCER_EPOCH / INVALID_PRODUCER_ID_MAPPING; a coordinator not loaded
// yet -> NOT_ENOUGH_REPLICAS, retriable, as Kafka answers while verification is unavailable).
// appendRecords is synchronous: offsets are assigned in call order. What it needs loaded first (the
// partition's producer state for a batch with a producer id, the transaction coordinator) the caller awaits
// before (Partition.loadProducerState, Lazy.get); a state still not loaded is refused (KAFKA_STORAGE_ERROR).
// Threading: main thread.
import type { TopicLogSettings } from '../config/topic-config.js'
import { ErrorCode } from '../protocol/errors.js'
import { appendError, type AppendError, type LeaderAppend, type Partition } from '../storage/partition.js'
import type { Lazy } from './lazy.js'
import { INTERNAL_TOPICS, type Topics } from './topics.js'
import type { TransactionCoordinator } from './transactions/coordinator.js'

/** The core services an append uses. */
export interface AppendServices {
  readonly topics: Topics
  readonly transactions: Lazy<TransactionCoordinator>
}

/** A partition a client may append to, with its topic's effective settings. */
export interface AppendTarget {
  partition: Partition
  settings: TopicLogSettings
}

export function appendTarget (svc: Pick<AppendServices, 'topics'>, topic: string, partition: number): AppendTarget | AppendError {
  const t = svc.topics.get(topic)
  const p = t === undefined ? undefined : svc.topics.log(t.name, partition)
  if (t === undefined || p === undefined) return appendError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${topic}-${partition}`)
  if (INTERNAL_TOPICS.has(t.name)) return appendError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${t.name}`)
  if (p.storageError !== null) return appendError(ErrorCode.KAFKA_STORAGE_ERROR, `partition ${p.name} is offline after a storage error: ${p.storageError.message}`)
  return { partition: p, settings: svc.topics.settingsOf(t) }
}

/** Appends one record batch of a client (transactionalId: the producer's, or null); see the header. */
export function appendRecords (svc: Pick<AppendServices, 'transactions'>, target: AppendTarget, batch: Buffer, transactionalId: string | null, now: number): LeaderAppend {
  const partition = target.partition
  return partition.appendAsLeader(batch, {
    now,
    origin: 'client',
    verifyTransaction: (producerId, producerEpoch) => verifyTransaction(svc, partition, transactionalId, producerId, producerEpoch)
  })
}

function verifyTransaction (svc: Pick<AppendServices, 'transactions'>, partition: Partition, transactionalId: string | null, producerId: number, producerEpoch: number): AppendError | null {
  if (transactionalId === null) {
    return appendError(ErrorCode.INVALID_TXN_STATE, `a transactional record batch for ${partition.name} in a produce request without a transactional id`)
  }
  const txns = svc.transactions.current
  const verdict = txns === null || txns.status !== 'active'
    ? { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: 'the transaction coordinator is not available' }
    : txns.checkPartition(transactionalId, producerId, producerEpoch, partition.topic, partition.partition, false)
  if (verdict.errorCode === ErrorCode.NONE) return null
  return appendError(verdict.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE ? ErrorCode.NOT_ENOUGH_REPLICAS : verdict.errorCode, verdict.message ?? 'transaction check failed')
}
