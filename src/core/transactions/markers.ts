// Writing a transaction marker into one partition (the single-node form of Kafka's WriteTxnMarkers): a control
// batch appended to the partition's log, applied to its producer state in the same synchronous turn (the
// transaction closes, the marker's epoch becomes the producer's), an abort recorded in the transaction index
// before the marker's bytes are written (the entry is fdatasynced inside addAbortedTxn, and the log writes
// queued appends only on a later turn), then awaited until durable. For __consumer_offsets partitions the
// group coordinator then applies or drops the transaction's pending offsets.
// A partition that no longer exists (topic deleted) needs no marker. Errors (storage, stale epoch) reject;
// the coordinator keeps the transaction in Prepare* and retries.
import { buildControlBatch } from '../../protocol/records/control.js'
import { ErrorCode } from '../../protocol/errors.js'
import { OFFSETS_TOPIC } from '../groups/offsets-log.js'
import type { Topics } from '../topics.js'
import type { Producers } from '../producers/producers.js'
import type { Lazy } from '../lazy.js'
import type { GroupCoordinator } from '../groups/coordinator.js'
import type { MarkerWriter } from './coordinator.js'

/** Single node: the coordinator epoch is always 0 (Kafka: the leader epoch of the __transaction_state partition). */
export const COORDINATOR_EPOCH = 0

/** The core services a marker needs. */
export interface MarkerServices {
  topics: Topics
  producers: Producers
  groups: Lazy<GroupCoordinator>
}

export function markerWriter (core: MarkerServices): MarkerWriter {
  return async (topic, partition, producerId, producerEpoch, commit) => {
    // Samsa's own coordinator is the only one: its markers are never fenced by a coordinator epoch (a partition
    // adopted from Kafka may carry a higher one for a producer id Samsa hands out again)
    await appendTxnMarker(core, topic, partition, producerId, producerEpoch, commit, COORDINATOR_EPOCH, false)
  }
}

/**
 * Appends one marker to `topic`-`partition` and waits until it is durable (see the header). Also the body of
 * WriteTxnMarkers, which admin tools send to abort a hanging transaction: a coordinator epoch older than the
 * one of the producer's last marker -> an Error with code TRANSACTION_COORDINATOR_FENCED.
 */
export async function appendTxnMarker (core: MarkerServices, topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number,
  checkCoordinatorEpoch = true): Promise<void> {
  const log = core.topics.log(topic, partition)
  if (log === undefined) return
  if (log.storageError !== null) throw new MarkerError(ErrorCode.KAFKA_STORAGE_ERROR, `${topic}-${partition} is offline: ${log.storageError.message}`)
  const state = await core.producers.stateFor(log)
  const problem = state.checkMarker(producerId, producerEpoch)
  if (problem !== null) throw new MarkerError(problem.errorCode, problem.message)
  const known = state.producers.get(producerId)?.coordinatorEpoch ?? -1
  if (checkCoordinatorEpoch && coordinatorEpoch < known) {
    throw new MarkerError(ErrorCode.TRANSACTION_COORDINATOR_FENCED, `marker for producer ${producerId} in ${topic}-${partition}: coordinator epoch ${coordinatorEpoch} is older than ${known}`)
  }
  const now = Date.now()
  const appended = log.append([buildControlBatch({ producerId, producerEpoch, commit, coordinatorEpoch, timestamp: now })], now)
  const done = state.completeTxn(producerId, producerEpoch, appended.baseOffset, !commit, coordinatorEpoch)
  if (done?.isAborted === true) log.addAbortedTxn(done)
  await appended.durable
  if (topic === OFFSETS_TOPIC) (await core.groups.get()).completeTransaction(partition, producerId, commit)
}

/** Why a marker was refused, with the Kafka error code to answer. */
export class MarkerError extends Error {
  override name = 'MarkerError'
  constructor (readonly errorCode: number, message: string) { super(message) }
}
