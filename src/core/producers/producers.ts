// The broker's producer bookkeeping: producer id allocation and, per partition, the producer state used to
// deduplicate retried batches, reject sequence gaps and track open transactions.
//
// A partition's state is loaded on first use by an idempotent or transactional batch, by a transaction marker,
// or by the transaction coordinator for a partition of a transaction it found open at start: the newest
// producer snapshot at or below the log end offset (written at the last clean shutdown), then every batch
// after it is replayed from the log (batch headers, plus the one record of each marker). Until then
// non-idempotent produce never waits for it. Once loaded, the state tells the log its first unstable offset
// (log.lastStableOffset); an abort marker met in the replay is (re)written to the transaction index, which
// repairs an index entry lost in a crash. When a segment's .txnindex could not be read at open, the snapshot is
// ignored and the whole log replayed, so that every abort is re-added. At close, a snapshot at the log end offset is written for every
// loaded partition.
import type { Logger } from '../../logger.js'
import type { PartitionLog } from '../../storage/log.js'
import { iterateBatches, iterateRecords } from '../../protocol/records/record.js'
import { PartitionProducerState, lastSequenceOf } from './producer-state.js'
import { controlTypeOf } from '../../protocol/records/control.js'
import { ProducerIdManager } from './producer-ids.js'
import { decodeSnapshot, listSnapshots, snapshotFileName, writeSnapshot } from './snapshot.js'
import fs from 'node:fs'
import path from 'node:path'

const REPLAY_CHUNK = 1024 * 1024

export class Producers {
  readonly ids: ProducerIdManager
  private readonly states = new Map<PartitionLog, PartitionProducerState>()
  private readonly loading = new Map<PartitionLog, Promise<PartitionProducerState>>()

  constructor (dataDir: string, private readonly logger: Logger) {
    this.ids = new ProducerIdManager(dataDir, () => highestSnapshotProducerId(dataDir))
  }

  /** The loaded state, or undefined if it has not been loaded yet. */
  loaded (log: PartitionLog): PartitionProducerState | undefined {
    return this.states.get(log)
  }

  stateFor (log: PartitionLog): Promise<PartitionProducerState> {
    const ready = this.states.get(log)
    if (ready !== undefined) return Promise.resolve(ready)
    let p = this.loading.get(log)
    if (p === undefined) {
      p = this.load(log).finally(() => this.loading.delete(log))
      this.loading.set(log, p)
    }
    return p
  }

  private async load (log: PartitionLog): Promise<PartitionProducerState> {
    const state = new PartitionProducerState()
    let from = log.logStartOffset
    const end = log.logEndOffset
    const usable = listSnapshots(log.dir).filter(o => o <= end)
    const newest = usable[usable.length - 1]
    // A .txnindex that could not be read lost entries: replay the whole log, whose abort markers re-add them.
    const damaged = log.segmentList().filter(s => s.txnIndexProblem !== null)
    if (damaged.length > 0 && newest !== undefined) {
      this.logger.warn({ partition: log.name, files: damaged.map(s => s.txnIndex.file) }, 'a transaction index was damaged: rebuilding producer state and aborted transactions from the whole log')
    }
    if (newest !== undefined && newest >= log.logStartOffset && damaged.length === 0) {
      const file = path.join(log.dir, snapshotFileName(newest))
      try {
        for (const e of decodeSnapshot(fs.readFileSync(file))) {
          state.restore(e)
          this.ids.observe(e.producerId)
        }
        from = newest
      } catch (err) {
        this.logger.warn({ file, err: (err as Error).message }, 'unreadable producer snapshot; rebuilding producer state from the log')
      }
    }
    let offset = from
    while (offset < end) {
      const { batches } = await log.read(offset, REPLAY_CHUNK, { minOneBatch: true, maxOffset: end })
      if (batches.length === 0) break
      for (const chunk of batches) {
        for (const b of iterateBatches(chunk)) {
          const h = b.header
          const last = h.baseOffset + h.lastOffsetDelta
          if (last < offset) continue
          offset = last + 1
          if (h.producerId < 0) continue
          this.ids.observe(h.producerId)
          if (h.isControl) {
            const type = controlTypeOf(chunk, b.pos)
            if (type === null) continue
            const coordinatorEpoch = markerCoordinatorEpoch(chunk, b.pos)
            const done = state.completeTxn(h.producerId, h.producerEpoch, h.baseOffset, type === 'abort', coordinatorEpoch)
            if (done?.isAborted === true) log.addAbortedTxn(done)
            continue
          }
          if (h.baseSequence < 0 && !h.isTransactional) continue
          state.record(h.producerId, h.producerEpoch, {
            firstSeq: h.baseSequence,
            lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta),
            firstOffset: h.baseOffset,
            lastOffset: last,
            timestamp: h.maxTimestamp
          }, h.isTransactional)
        }
      }
    }
    for (const s of damaged) s.txnIndexProblem = null
    this.states.set(log, state)
    log.unstableOffsetSource = hw => state.firstUnstableOffset(hw)
    // A full-disk cut-back gives offsets out again: the state may name batches that are gone; rebuild it.
    log.once('truncated', () => {
      // The old state keeps answering the LSO until the new one replaces it (load() sets the source): with no
      // source the LSO would be the HW, and a read_committed fetch meanwhile could read an open transaction.
      // Its stale offsets only err on the safe side (an open transaction holds the LSO back).
      this.states.delete(log)
      this.stateFor(log).catch(err => this.logger.error({ partition: log.name, err: (err as Error).message }, 'reloading producer state after a cut-back failed'))
    })
    return state
  }

  /** Forgets a partition (topic deleted). */
  forget (log: PartitionLog): void {
    this.states.delete(log)
    log.unstableOffsetSource = null
  }

  /** Writes a snapshot of every loaded partition at its log end offset (clean shutdown). */
  snapshotAll (): void {
    for (const [log, state] of this.states) {
      try {
        if (fs.existsSync(log.dir)) writeSnapshot(log.dir, log.logEndOffset, [...state.producers.values()])
      } catch (err) {
        this.logger.warn({ dir: log.dir, err: (err as Error).message }, 'writing the producer snapshot failed; the state will be rebuilt from the log')
      }
    }
  }
}

/** Largest producer id in the newest snapshot of every partition directory under dataDir (-1 if none). */
export function highestSnapshotProducerId (dataDir: string): number {
  let max = -1
  let dirs: string[]
  try {
    dirs = fs.readdirSync(dataDir, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name)
  } catch {
    return max
  }
  for (const d of dirs) {
    const dir = path.join(dataDir, d)
    const offsets = listSnapshots(dir)
    const newest = offsets[offsets.length - 1]
    if (newest === undefined) continue
    try {
      for (const e of decodeSnapshot(fs.readFileSync(path.join(dir, snapshotFileName(newest))))) if (e.producerId > max) max = e.producerId
    } catch {
      // An unreadable snapshot is reported when its partition loads; it cannot raise the floor.
    }
  }
  return max
}

/**
 * The coordinator epoch of the marker at `pos` (its record's value: version int16, coordinatorEpoch int32), as
 * Kafka's replay reads it; -1 if the value does not decode.
 */
function markerCoordinatorEpoch (buf: Buffer, pos: number): number {
  try {
    for (const r of iterateRecords(buf, pos)) return r.value !== null && r.value.length >= 6 ? r.value.readInt32BE(2) : -1
  } catch {}
  return -1
}
