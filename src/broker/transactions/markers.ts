// Writing a transaction marker into one partition (the single-node form of Kafka's WriteTxnMarkers): a control
// batch appended to the partition's log, applied to its producer state in the same synchronous turn (the
// transaction closes, the marker's epoch becomes the producer's), an abort recorded in the transaction index
// before the marker's bytes are written (the entry is fdatasynced inside addAbortedTxn, and the log writes
// queued appends only on a later turn), then awaited until durable. For __consumer_offsets partitions the
// group coordinator then applies or drops the transaction's pending offsets.
// A partition that no longer exists (topic deleted) needs no marker. Errors (storage, stale epoch) reject;
// the coordinator keeps the transaction in Prepare* and retries.
import { buildControlBatch } from '../../protocol/records/control.js'
import { OFFSETS_TOPIC } from '../groups/offsets-log.js'
import type { Broker } from '../broker.js'
import type { MarkerWriter } from './coordinator.js'

/** Single node: the coordinator epoch is always 0 (Kafka: the leader epoch of the __transaction_state partition). */
export const COORDINATOR_EPOCH = 0

export function brokerMarkerWriter (broker: Broker): MarkerWriter {
  return async (topic, partition, producerId, producerEpoch, commit) => {
    const log = broker.topics.log(topic, partition)
    if (log === undefined) return
    if (log.storageError !== null) throw new Error(`${topic}-${partition} is offline: ${log.storageError.message}`)
    const state = await broker.producers.stateFor(log)
    const problem = state.checkMarker(producerId, producerEpoch)
    if (problem !== null) throw new Error(problem.message)
    const now = Date.now()
    const appended = log.append([buildControlBatch({ producerId, producerEpoch, commit, coordinatorEpoch: COORDINATOR_EPOCH, timestamp: now })], now)
    const done = state.completeTxn(producerId, producerEpoch, appended.baseOffset, !commit, COORDINATOR_EPOCH)
    if (done?.isAborted === true) log.addAbortedTxn(done)
    await appended.durable
    if (topic === OFFSETS_TOPIC) (await broker.prepareLazyHandlers()).completeTransaction(partition, producerId, commit)
  }
}
