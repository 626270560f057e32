// Writing a transaction marker into one partition (the single-node form of Kafka's WriteTxnMarkers): the
// partition appends it (Partition.appendMarker: epoch and coordinator-epoch checks, the transaction closed in
// its producer state, an abort in the transaction index before the marker's bytes, resolved once durable); for
// __consumer_offsets partitions the group coordinator then applies or drops the transaction's pending offsets.
// A partition that no longer exists (topic deleted) needs no marker. The result is a Kafka error code and a
// message; the transaction coordinator's writer turns a refusal into a rejection (it keeps the transaction in
// Prepare* and retries).
import { ErrorCode } from '../../protocol/errors.js'
import { OFFSETS_TOPIC } from '../groups/offsets-log.js'
import type { Topics } from '../topics.js'
import type { Lazy } from '../lazy.js'
import type { GroupCoordinator } from '../groups/coordinator.js'
import type { MarkerWriter } from './coordinator.js'

/** Single node: the coordinator epoch is always 0 (Kafka: the leader epoch of the __transaction_state partition). */
export const COORDINATOR_EPOCH = 0

/** The core services a marker needs. */
export interface MarkerServices {
  topics: Topics
  groups: Lazy<GroupCoordinator>
}

export interface MarkerOutcome { errorCode: number, message: string | null }

export function markerWriter (core: MarkerServices): MarkerWriter {
  return async (topic, partition, producerId, producerEpoch, commit) => {
    // Samsa's own coordinator is the only one: its markers are never fenced by a coordinator epoch (a partition
    // adopted from Kafka may carry a higher one for a producer id Samsa hands out again)
    const r = await appendTxnMarker(core, topic, partition, producerId, producerEpoch, commit, COORDINATOR_EPOCH, false)
    if (r.errorCode !== ErrorCode.NONE) throw new Error(r.message ?? `marker refused with error code ${r.errorCode}`)
  }
}

/**
 * Appends one marker to `topic`-`partition` and waits until it is durable (see the header). Also the body of
 * WriteTxnMarkers, which admin tools send to abort a hanging transaction: a coordinator epoch older than the
 * one of the producer's last marker -> TRANSACTION_COORDINATOR_FENCED.
 */
export async function appendTxnMarker (core: MarkerServices, topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number,
  checkCoordinatorEpoch = true): Promise<MarkerOutcome> {
  const p = core.topics.log(topic, partition)
  if (p === undefined) return { errorCode: ErrorCode.NONE, message: null }
  const r = await p.appendMarker(producerId, producerEpoch, commit, coordinatorEpoch, checkCoordinatorEpoch)
  if (r.errorCode !== ErrorCode.NONE || topic !== OFFSETS_TOPIC) return r
  try {
    (await core.groups.get()).completeTransaction(partition, producerId, commit)
  } catch (err) {
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: (err as Error).message }
  }
  return r
}
