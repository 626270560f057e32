// Partition: one topic partition as the broker serves it (Kafka's UnifiedLog): the log (PartitionLog: segments,
// indexes, the transaction index) together with its producer state (producers/producer-state-manager.ts), and
// the only place that appends on behalf of a producer or a coordinator.
//
// appendAsLeader(batch) does, in one synchronous turn, in this order (each refusal is a Kafka error code and a
// message naming the partition; nothing is thrown):
//   1. compacted topic (cleanup.policy includes compact), client batches: a record with a null key ->
//      INVALID_RECORD naming the record's index; records that do not decode -> CORRUPT_MESSAGE
//   2. a client's transactional batch: the caller's verification (the transaction coordinator's verdict)
//   3. a batch with a producer id: the producer state must be loaded (loadProducerState() first), else
//      KAFKA_STORAGE_ERROR; client batches: epoch and sequence checks (producer-state.ts), and a duplicate of
//      one of the producer's last five batches is answered with its original offsets, appending nothing;
//      coordinator batches (the group coordinator's transactional offset commits) skip the checks, as Kafka
//   4. the append (a storage failure -> KAFKA_STORAGE_ERROR), then the batch recorded in the producer state:
//      a transactional batch opens the producer's transaction, which holds the last stable offset back
// Both refuse with KAFKA_STORAGE_ERROR first while the data directory is read-only (disk-space.ts: free space
// below log.dir.min.free.bytes, or an ENOSPC at start).
// appendMarker() writes a COMMIT/ABORT control batch: the producer's epoch must not be older than the known one
// (INVALID_PRODUCER_EPOCH), nor the coordinator epoch (TRANSACTION_COORDINATOR_FENCED, when asked); the
// transaction closes in the same turn as the append, an abort's .txnindex entry is fdatasynced before the
// marker's bytes are written (the log writes on a later turn), and it resolves once the marker is durable.
// Last stable offset: the high watermark, or the first offset of a transaction still open (or whose marker is
// not yet below the HW), never below the log start offset (Kafka's updateFirstUnstableOffset clamps it so).
// After a full-disk cut-back the producer state is reloaded from the log (the old one holds the LSO meanwhile).
// close() writes a producer snapshot at the log end offset when the state is loaded.
// Threading: main thread; the log does its I/O on the libuv pool and in the Flusher's workers.
import { ErrorCode } from '../protocol/errors.js'
import type { DiskSpace } from './disk-space.js'
import {
  baseSequence as batchBaseSequence, isTransactional as batchIsTransactional, lastOffsetDelta as batchLastOffsetDelta,
  producerEpoch as batchProducerEpoch, producerId as batchProducerId
} from '../protocol/records/batch-header.js'
import { buildControlBatch } from '../protocol/records/control.js'
import { firstKeylessRecord } from './cleaner/record-scan.js'
import { PartitionLog, type LogConfig, type PartitionLogOptions } from './log.js'
import { ProducerStateManager, type ProducerIdObserver } from './producers/producer-state-manager.js'
import { lastSequenceOf, type PartitionProducerState, type ProducerEntry } from './producers/producer-state.js'

export interface PartitionOptions extends PartitionLogOptions {
  /** Told every producer id found in the partition's snapshots and replayed batches. */
  onProducerId?: ProducerIdObserver
  /** The data directory's free space: while it is read-only, appends and markers are refused (KAFKA_STORAGE_ERROR). */
  diskSpace?: DiskSpace
}

/** Who appends: a producer (all checks) or a coordinator writing its own internal topic (no sequence checks). */
export type AppendOrigin = 'client' | 'coordinator'

/** A refusal: the Kafka error code and a message naming the partition. */
export interface AppendError {
  kind: 'refused'
  errorCode: number
  message: string
  /** The record of the batch that caused it (INVALID_RECORD for a null key), else -1. */
  recordIndex: number
}

export interface AppendAsLeaderOptions {
  now: number
  origin: AppendOrigin
  /** For a client's transactional batch: null if its producer may write to this partition, else why not. */
  verifyTransaction?: (producerId: number, producerEpoch: number) => AppendError | null
}

export type LeaderAppend =
  | { kind: 'appended', errorCode: number, baseOffset: number, lastOffset: number, logAppendTime: number, written: Promise<void>, durable: Promise<void> }
  /** A retry of a batch already appended: its original offsets; durable once the HW passes lastOffset. */
  | { kind: 'duplicate', errorCode: number, baseOffset: number, lastOffset: number }
  | AppendError

export interface MarkerResult { errorCode: number, message: string | null }

export function appendError (errorCode: number, message: string, recordIndex = -1): AppendError {
  return { kind: 'refused', errorCode, message, recordIndex }
}

export class Partition extends PartitionLog {
  /** This partition's producer state (loaded on first use). */
  readonly producerState: ProducerStateManager
  private compactedFor: LogConfig | null = null
  private compacted = false
  private readonly diskSpace: DiskSpace | null

  protected constructor (opts: PartitionOptions) {
    super(opts)
    this.producerState = new ProducerStateManager(this, opts.logger, opts.onProducerId)
    this.diskSpace = opts.diskSpace ?? null
  }

  static override async open (opts: PartitionOptions): Promise<Partition> {
    const p = new Partition(opts)
    await p.load(opts.cleanShutdown)
    return p
  }

  override get lastStableOffset (): number {
    const hw = this.highWatermark
    const unstable = this.producerState.firstUnstableOffset(hw)
    return unstable === null ? hw : Math.min(hw, Math.max(unstable, this.logStartOffset))
  }

  /** True once the producer state is loaded: appendAsLeader can check idempotent and transactional batches. */
  get producerStateLoaded (): boolean { return this.producerState.loaded !== null }

  /** Loads the producer state if it is not loaded (the snapshot, then a replay of the log after it). */
  loadProducerState (): Promise<PartitionProducerState> { return this.producerState.load() }

  /** The producers the state knows (loading it first), as DescribeProducers reports them. */
  async activeProducers (): Promise<ProducerEntry[]> {
    return [...(await this.loadProducerState()).producers.values()]
  }

  /** Appends one record batch (whole, RecordBatch v2) after the checks in the header; see there. */
  appendAsLeader (batch: Buffer, opts: AppendAsLeaderOptions): LeaderAppend {
    const full = this.diskSpace === null ? null : this.diskSpace.refusal(`append to ${this.name}`)
    if (full !== null) return appendError(ErrorCode.KAFKA_STORAGE_ERROR, full.message)
    const client = opts.origin === 'client'
    if (client && this.isCompacted()) {
      const keyless = this.keylessCheck(batch)
      if (keyless !== null) return keyless
    }
    const pid = batchProducerId(batch, 0)
    const transactional = batchIsTransactional(batch, 0)
    if (transactional && client && opts.verifyTransaction !== undefined) {
      const verdict = opts.verifyTransaction(pid, batchProducerEpoch(batch, 0))
      if (verdict !== null) return verdict
    }
    let state: PartitionProducerState | null = null
    let epoch = -1
    let firstSeq = -1
    let lastSeq = -1
    if (pid >= 0) {
      state = this.producerState.loaded
      if (state === null) return appendError(ErrorCode.KAFKA_STORAGE_ERROR, `the producer state of ${this.name} could not be loaded from its log`)
      epoch = batchProducerEpoch(batch, 0)
      if (client) {
        firstSeq = batchBaseSequence(batch, 0)
        lastSeq = lastSequenceOf(firstSeq, batchLastOffsetDelta(batch, 0))
        const check = state.check(pid, epoch, firstSeq, lastSeq, transactional)
        if (check.kind === 'error') return appendError(check.errorCode, check.message)
        if (check.kind === 'duplicate') return { kind: 'duplicate', errorCode: ErrorCode.NONE, baseOffset: check.batch.firstOffset, lastOffset: check.batch.lastOffset }
      }
    }
    let appended
    try {
      appended = this.append([batch], opts.now)
    } catch (err) {
      return appendError(ErrorCode.KAFKA_STORAGE_ERROR, `append to ${this.name} failed: ${(err as Error).message}`)
    }
    if (state !== null) this.producerState.applyDataBatch(state, pid, epoch, firstSeq, lastSeq, appended.baseOffset, appended.lastOffset, opts.now, transactional)
    return { kind: 'appended', errorCode: ErrorCode.NONE, ...appended }
  }

  /**
   * Appends a COMMIT (commit) or ABORT marker of the producer's transaction and resolves once it is durable,
   * or with the refusal; checkCoordinatorEpoch: refuse a coordinator epoch older than the producer's last
   * marker's (admin tools' WriteTxnMarkers; Samsa's own coordinator is the only one and skips it).
   */
  async appendMarker (producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, checkCoordinatorEpoch: boolean): Promise<MarkerResult> {
    if (this.storageError !== null) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `${this.name} is offline: ${this.storageError.message}` }
    const full = this.diskSpace === null ? null : this.diskSpace.refusal(`transaction marker in ${this.name}`)
    if (full !== null) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: full.message }
    let state: PartitionProducerState
    try {
      state = await this.loadProducerState()
    } catch (err) {
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: (err as Error).message }
    }
    const problem = state.checkMarker(producerId, producerEpoch)
    if (problem !== null) return problem
    const known = state.producers.get(producerId)?.coordinatorEpoch ?? -1
    if (checkCoordinatorEpoch && coordinatorEpoch < known) {
      return { errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, message: `marker for producer ${producerId} in ${this.name}: coordinator epoch ${coordinatorEpoch} is older than ${known}` }
    }
    try {
      const now = Date.now()
      const appended = this.append([buildControlBatch({ producerId, producerEpoch, commit, coordinatorEpoch, timestamp: now })], now)
      this.producerState.applyMarker(state, producerId, producerEpoch, appended.baseOffset, commit, coordinatorEpoch)
      await appended.durable
    } catch (err) {
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: (err as Error).message }
    }
    return { errorCode: ErrorCode.NONE, message: null }
  }

  /** Resolves once the high watermark reaches `offset`; rejects with the storage error if one stops it first. */
  waitForHighWatermark (offset: number): Promise<void> {
    if (this.highWatermark >= offset) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onAdvance = (hw: number): void => {
        if (hw < offset && this.storageError === null) return
        this.off('highWatermark', onAdvance)
        if (hw >= offset) resolve()
        else reject(this.storageError as Error)
      }
      this.on('highWatermark', onAdvance)
    })
  }

  /** Closes the log, then writes the producer snapshot at the log end offset (a clean close). */
  override async close (): Promise<void> {
    if (this.isClosed) return
    await super.close()
    this.producerState.takeSnapshot()
  }

  /** Forgets the producer state, writing no snapshot: the partition is being deleted. */
  discardProducerState (): void {
    this.producerState.discard()
  }

  protected override onTruncated (): void {
    this.producerState.truncateAndReload()
  }

  private isCompacted (): boolean {
    const config = this.config
    if (config !== this.compactedFor) {
      this.compactedFor = config
      this.compacted = (config.cleanupPolicy ?? 'delete').split(',').some(p => p.trim() === 'compact')
    }
    return this.compacted
  }

  /** Kafka refuses keyless records on compacted topics; only these topics pay for reading the records. */
  private keylessCheck (batch: Buffer): AppendError | null {
    let keyless: number
    try {
      keyless = firstKeylessRecord(batch, 0)
    } catch (err) {
      return appendError(ErrorCode.CORRUPT_MESSAGE, `records of the batch for ${this.name} do not decode: ${(err as Error).message}`)
    }
    if (keyless < 0) return null
    return appendError(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${this.name} (record ${keyless} of the batch has a null key)`, keyless)
  }
}
