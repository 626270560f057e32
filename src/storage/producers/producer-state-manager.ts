// The producer state of one partition across its life (Kafka's ProducerStateManager around the in-memory
// PartitionProducerState): loaded on first use, applied batch by batch, reloaded after a cut-back, written to
// a snapshot at close.
//
// Files: <partition dir>/<20-digit offset>.snapshot (snapshot.ts), at most one after a clean close.
// Loading (async, once; concurrent callers share it): the newest snapshot at or below the log end offset,
// then every batch after it replayed from the log (batch headers, plus the one record of each marker), through
// the same applyDataBatch / applyMarker the appends use. An abort marker met in the replay is (re)written to
// the transaction index, which repairs an entry lost in a crash; when a segment's .txnindex could not be read
// at open, the snapshot is ignored and the whole log replayed, so that every abort is re-added. Every producer
// id met in a snapshot or a batch is reported to onProducerId (the broker's id allocator stays above them).
// Until the state is loaded the partition has no unstable offset: only an idempotent or transactional batch,
// a marker, the transaction coordinator or DescribeProducers load it; plain appends never wait for it.
// Invariants: applyDataBatch / applyMarker run in the same synchronous turn as the append that assigned the
// batch's offsets. After a cut-back (truncateAndReload) the previous state keeps answering
// firstUnstableOffset until the reloaded one replaces it: its stale offsets only err on the safe side (an
// open transaction holds the LSO back), whereas none would let a read_committed fetch read an open transaction.
// Threading: main thread; snapshots are read and written with synchronous file I/O (at load and at close).
import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from '../../logger.js'
import { controlTypeOf } from '../../protocol/records/control.js'
import { iterateBatches, iterateRecords } from '../../protocol/records/record.js'
import type { PartitionLog } from '../log.js'
import { PartitionProducerState, lastSequenceOf, type ProducerEntry } from './producer-state.js'
import { decodeSnapshot, listSnapshots, snapshotFileName, writeSnapshot } from './snapshot.js'

const REPLAY_CHUNK = 1024 * 1024

/** Receives every producer id found in the partition's data (snapshots and replayed batches). */
export type ProducerIdObserver = (producerId: number) => void

export class ProducerStateManager {
  private state: PartitionProducerState | null = null
  private loading: Promise<PartitionProducerState> | null = null
  /** Answers firstUnstableOffset: the loaded state, or the previous one while a reload runs. */
  private unstableSource: PartitionProducerState | null = null
  private discarded = false

  constructor (private readonly log: PartitionLog, private readonly logger: Logger, private readonly onProducerId: ProducerIdObserver = () => {}) {}

  /** The loaded state, null until load() completes (and again while a reload after a cut-back runs). */
  get loaded (): PartitionProducerState | null { return this.state }

  load (): Promise<PartitionProducerState> {
    if (this.state !== null) return Promise.resolve(this.state)
    if (this.loading === null) {
      this.loading = this.loadFromLog().finally(() => { this.loading = null })
    }
    return this.loading
  }

  /** The first offset a read_committed consumer may not read yet, given the high watermark; null when none. */
  firstUnstableOffset (highWatermark: number): number | null {
    return this.unstableSource?.firstUnstableOffset(highWatermark) ?? null
  }

  /** A data batch appended (or replayed) at [firstOffset, lastOffset]: the producer's sequence and transaction. */
  applyDataBatch (state: PartitionProducerState, producerId: number, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number, timestamp: number, isTransactional: boolean): void {
    state.record(producerId, epoch, { firstSeq, lastSeq, firstOffset, lastOffset, timestamp }, isTransactional)
  }

  /**
   * A marker appended (or replayed) at markerOffset: closes the producer's transaction; an abort goes to the
   * transaction index (written and fdatasynced before the marker's bytes, which the log writes on a later turn).
   */
  applyMarker (state: PartitionProducerState, producerId: number, epoch: number, markerOffset: number, commit: boolean, coordinatorEpoch: number): void {
    const done = state.completeTxn(producerId, epoch, markerOffset, !commit, coordinatorEpoch)
    if (done?.isAborted === true) this.log.addAbortedTxn(done)
  }

  /**
   * The log was cut back (full disk): offsets from its new end will be assigned again, so the state may name
   * batches that are gone. Drops it and reloads it from the log; the old one holds the LSO meanwhile.
   */
  truncateAndReload (): void {
    if (this.state === null || this.discarded) return
    this.state = null
    this.load().catch(err => this.logger.error({ partition: this.log.name, err: (err as Error).message }, 'reloading producer state after a cut-back failed'))
  }

  /** Forgets the state without a snapshot (the partition is being deleted). */
  discard (): void {
    this.discarded = true
    this.state = null
    this.unstableSource = null
  }

  /** Writes a snapshot at the log end offset if the state is loaded (clean close); a failure is logged. */
  takeSnapshot (): void {
    const state = this.state
    if (state === null) return
    const dir = this.log.dir
    try {
      if (fs.existsSync(dir)) writeSnapshot(dir, this.log.logEndOffset, [...state.producers.values()])
    } catch (err) {
      this.logger.warn({ dir, err: (err as Error).message }, 'writing the producer snapshot failed; the state will be rebuilt from the log')
    }
  }

  private async loadFromLog (): Promise<PartitionProducerState> {
    const log = this.log
    const state = new PartitionProducerState()
    const end = log.logEndOffset
    // A .txnindex that could not be read lost entries: replay the whole log, whose abort markers re-add them.
    const damaged = log.segmentList().filter(s => s.txnIndexProblem !== null)
    let from = this.restoreSnapshot(state, end, damaged.length > 0)
    if (from === null) from = log.logStartOffset
    await this.replay(state, from, end)
    for (const s of damaged) s.txnIndexProblem = null
    if (!this.discarded) {
      this.state = state
      this.unstableSource = state
    }
    return state
  }

  /** Restores the newest usable snapshot into state; returns its offset, or null to replay from the log start. */
  private restoreSnapshot (state: PartitionProducerState, end: number, txnIndexDamaged: boolean): number | null {
    const log = this.log
    const usable = listSnapshots(log.dir).filter(o => o <= end)
    const newest = usable[usable.length - 1]
    if (newest === undefined) return null
    if (txnIndexDamaged) {
      const files = log.segmentList().filter(s => s.txnIndexProblem !== null).map(s => s.txnIndex.file)
      this.logger.warn({ partition: log.name, files }, 'a transaction index was damaged: rebuilding producer state and aborted transactions from the whole log')
      return null
    }
    if (newest < log.logStartOffset) return null
    const file = path.join(log.dir, snapshotFileName(newest))
    let entries: ProducerEntry[]
    try {
      entries = decodeSnapshot(fs.readFileSync(file))
    } catch (err) {
      this.logger.warn({ file, err: (err as Error).message }, 'unreadable producer snapshot; rebuilding producer state from the log')
      return null
    }
    for (const e of entries) {
      state.restore(e)
      this.onProducerId(e.producerId)
    }
    return newest
  }

  /** Applies every batch of [from, end) to state, as its append did. */
  private async replay (state: PartitionProducerState, from: number, end: number): Promise<void> {
    let offset = from
    while (offset < end) {
      const { batches } = await this.log.read(offset, REPLAY_CHUNK, { minOneBatch: true, maxOffset: end })
      if (batches.length === 0) break
      for (const chunk of batches) {
        for (const b of iterateBatches(chunk)) {
          const h = b.header
          const last = h.baseOffset + h.lastOffsetDelta
          if (last < offset) continue
          offset = last + 1
          if (h.producerId < 0) continue
          this.onProducerId(h.producerId)
          if (h.isControl) {
            const type = controlTypeOf(chunk, b.pos)
            if (type !== null) this.applyMarker(state, h.producerId, h.producerEpoch, h.baseOffset, type !== 'abort', markerCoordinatorEpoch(chunk, b.pos))
            continue
          }
          if (h.baseSequence < 0 && !h.isTransactional) continue
          this.applyDataBatch(state, h.producerId, h.producerEpoch, h.baseSequence, lastSequenceOf(h.baseSequence, h.lastOffsetDelta), h.baseOffset, last, h.maxTimestamp, h.isTransactional)
        }
      }
    }
  }
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
