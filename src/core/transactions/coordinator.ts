// The transaction coordinator (Kafka's TransactionCoordinator + TransactionStateManager, one node, without
// KIP-890's transaction version 2): one state machine per transactional id, persisted in __transaction_state.
//
// States (records.ts TxnState) and what moves them:
//   (none) --InitProducerId--> Empty                    new producer id, epoch 0
//   Empty | CompleteCommit | CompleteAbort --InitProducerId--> Empty    epoch + 1 (a new producer id once the
//                                                       epoch would pass 32766), fencing older producers
//   Ongoing --InitProducerId--> (abort with epoch + 1, then as above): the new producer fences the old one
//   Empty | Complete* --AddPartitionsToTxn / AddOffsetsToTxn--> Ongoing (start time = now)
//   Ongoing --AddPartitionsToTxn--> Ongoing (partitions added; no write if nothing is new)
//   Ongoing --EndTxn(commit|abort)--> PrepareCommit | PrepareAbort --markers written--> CompleteCommit | CompleteAbort
//   Ongoing past its timeout --> PrepareAbort with epoch + 1 (the producer is fenced) --> CompleteAbort
//   Empty | Complete* idle for transactional.id.expiration.ms --> removed (tombstone)
// Every transition is written to __transaction_state and takes effect (in memory, and for the client) only
// once durable. Operations on one transactional id run one at a time (a queue per id), so a request never
// sees a half-made transition; Kafka answers CONCURRENT_TRANSACTIONS in that case, here the request waits.
// EndTxn is answered after the Prepare record is durable and the markers are written (Kafka answers after the
// Prepare record; waiting for the markers too means a consumer sees the outcome once the producer does).
// If a marker cannot be written (a partition offline), the transaction stays in Prepare* and the periodic
// check retries it; EndTxn is still answered NONE, since the outcome is decided and durable.
// At load, transactions found in Prepare* are completed (markers written again: markers are idempotent for
// consumers), and Ongoing ones are aborted when their timeout passes, as on Kafka.
// Error codes follow Kafka 3.9: INVALID_REQUEST (empty id), INVALID_TRANSACTION_TIMEOUT,
// INVALID_PRODUCER_ID_MAPPING (unknown id or other producer id), PRODUCER_FENCED (older epoch; requests older
// than the versions that know it get INVALID_PRODUCER_EPOCH), INVALID_TXN_STATE (e.g. EndTxn with no
// transaction), CONCURRENT_TRANSACTIONS (a completion still being retried), COORDINATOR_LOAD_IN_PROGRESS,
// COORDINATOR_NOT_AVAILABLE (the state could not be written), NOT_COORDINATOR (it could not be written for a
// storage error: a full disk).
import type { Logger } from '../../logger.js'
import { numberConfig, type BrokerConfig } from '../../config/broker-config.js'
import { BROKER_DEFAULTS } from '../../config/definitions.js'
import { ErrorCode, errorCodeOf } from '../../protocol/errors.js'
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, TxnState, TXN_STATE_NAMES, type TxnStateId } from './records.js'
import { partitionForTransactionalId, type TxnStateLog } from './state-log.js'

const MAX_EPOCH = 32767

export interface TxnMetadata {
  transactionalId: string
  producerId: number
  producerEpoch: number
  /** The epoch before the last bump (-1 if none): a retried InitProducerId is recognised by it (KIP-360). */
  lastProducerEpoch: number
  /**
   * The producer id before the last one (-1 if none): a retried InitProducerId whose bump rotated to a new
   * producer id (epoch exhausted) names the old one (Kafka's lastProducerId). Kept in memory only, as
   * lastProducerEpoch (Kafka 3.9's TransactionLogValue v0 stores neither).
   */
  lastProducerId: number
  timeoutMs: number
  state: TxnStateId
  partitions: Map<string, Set<number>>
  startTimestamp: number
  lastUpdateTimestamp: number
}

/** Writes one transaction marker and applies it; resolves once it is durable. */
export type MarkerWriter = (topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean) => Promise<void>

export interface TransactionsConfig {
  maxTimeoutMs: number
  abortTimedOutIntervalMs: number
  idExpirationMs: number
  removeExpiredIntervalMs: number
}

/** The coordinator's settings from the broker config (Kafka's keys; their defaults are in config/definitions.ts). */
export function transactionsConfigFrom (config: Pick<BrokerConfig, 'get'>): TransactionsConfig {
  return {
    maxTimeoutMs: numberConfig(config, 'transaction.max.timeout.ms'),
    abortTimedOutIntervalMs: numberConfig(config, 'transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    idExpirationMs: numberConfig(config, 'transactional.id.expiration.ms'),
    removeExpiredIntervalMs: numberConfig(config, 'transaction.remove.expired.transaction.cleanup.interval.ms')
  }
}

/** Every setting at its default (a coordinator built without a broker config: tests). */
export const DEFAULT_TRANSACTIONS_CONFIG: TransactionsConfig = transactionsConfigFrom(BROKER_DEFAULTS)

export interface TransactionCoordinatorOptions {
  log: TxnStateLog
  writeMarker: MarkerWriter
  allocateProducerId: () => number
  /** True when the topic partition exists (AddPartitionsToTxn answers UNKNOWN_TOPIC_OR_PARTITION otherwise). */
  partitionExists: (topic: string, partition: number) => boolean
  config?: Partial<TransactionsConfig>
  logger: Logger
  now?: () => number
  /** false: no periodic timers (unit tests drive abortTimedOut / removeExpired themselves). */
  timers?: boolean
}

export interface Outcome { errorCode: number, message: string | null }
export interface InitResult extends Outcome { producerId: number, producerEpoch: number }

const ok: Outcome = { errorCode: ErrorCode.NONE, message: null }
const fail = (errorCode: number, message: string): Outcome => ({ errorCode, message })

function isComplete (s: TxnStateId): boolean {
  return s === TxnState.Empty || s === TxnState.CompleteCommit || s === TxnState.CompleteAbort
}

export class TransactionCoordinator {
  status: 'loading' | 'active' | 'closed' = 'loading'
  readonly config: TransactionsConfig
  private readonly txns = new Map<string, TxnMetadata>()
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly log: TxnStateLog
  private readonly logger: Logger
  private readonly now: () => number
  private loading: Promise<void> | null = null
  private readonly intervals: NodeJS.Timeout[] = []

  constructor (private readonly opts: TransactionCoordinatorOptions) {
    this.config = { ...DEFAULT_TRANSACTIONS_CONFIG, ...opts.config }
    this.log = opts.log
    this.logger = opts.logger
    this.now = opts.now ?? Date.now
  }

  // ---- life cycle ----

  /** Replays __transaction_state and completes the transactions left in Prepare*; idempotent. */
  load (): Promise<void> {
    this.loading ??= this.doLoad()
    return this.loading
  }

  private async doLoad (): Promise<void> {
    const started = performance.now()
    let skipped = 0
    await this.log.replay((partition, key, value) => {
      try {
        if (key === null) throw new RangeError('null key')
        const id = decodeTxnKey(key)
        if (value === null) {
          this.txns.delete(id)
          return
        }
        const v = decodeTxnValue(value)
        this.txns.set(id, {
          transactionalId: id,
          producerId: v.producerId,
          producerEpoch: v.producerEpoch,
          lastProducerEpoch: -1,
          lastProducerId: -1,
          timeoutMs: v.transactionTimeoutMs,
          state: v.state,
          partitions: new Map([...v.partitions].map(([t, ps]) => [t, new Set(ps)])),
          startTimestamp: v.startTimestamp,
          lastUpdateTimestamp: v.lastUpdateTimestamp
        })
      } catch (err) {
        if (++skipped <= 10) this.logger.warn({ partition, err: (err as Error).message }, 'skipping an undecodable __transaction_state record')
      }
    })
    if (this.status === 'closed') return
    this.status = 'active'
    if (this.opts.timers !== false) {
      const a = setInterval(() => { void this.abortTimedOut() }, this.config.abortTimedOutIntervalMs)
      const b = setInterval(() => { void this.removeExpired() }, this.config.removeExpiredIntervalMs)
      a.unref(); b.unref()
      this.intervals.push(a, b)
    }
    const pending = [...this.txns.values()].filter(m => m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort)
    this.logger.info({ transactionalIds: this.txns.size, completing: pending.length, skipped, loadMs: Math.round(performance.now() - started) }, 'transaction coordinator loaded')
    for (const m of pending) void this.serially(m.transactionalId, async () => await this.completeMarkers(m))
  }

  close (): void {
    this.status = 'closed'
    for (const t of this.intervals) clearInterval(t)
  }

  /** Every (topic, partition) of a transaction that is not complete: their producer state must be loaded. */
  openPartitions (): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const m of this.txns.values()) {
      if (isComplete(m.state)) continue
      for (const [t, ps] of m.partitions) for (const p of ps) out.push([t, p])
    }
    return out
  }

  get (transactionalId: string): Readonly<TxnMetadata> | undefined {
    return this.txns.get(transactionalId)
  }

  all (): Array<Readonly<TxnMetadata>> {
    return [...this.txns.values()]
  }

  partitionFor (transactionalId: string): number {
    return partitionForTransactionalId(transactionalId, this.log.partitions())
  }

  // ---- requests ----

  private notReady (): Outcome | null {
    if (this.status === 'loading') return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'the transaction coordinator is loading __transaction_state')
    if (this.status === 'closed') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the broker is shutting down')
    return null
  }

  private serially<T> (id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(id) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.catch(() => {})
    this.queues.set(id, tail)
    void tail.then(() => { if (this.queues.get(id) === tail) this.queues.delete(id) })
    return run
  }

  /**
   * InitProducerId with a transactional id. `expected` is the producer id and epoch the client already had
   * (v3+, -1/-1 when none); `fenced` says whether the request version knows PRODUCER_FENCED.
   */
  async initProducerId (transactionalId: string, timeoutMs: number, expected: { producerId: number, producerEpoch: number }, fenced: boolean): Promise<InitResult> {
    const none = { producerId: -1, producerEpoch: -1 }
    if (transactionalId === '') return { ...none, ...fail(ErrorCode.INVALID_REQUEST, 'the transactional id is empty') }
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) {
      return { ...none, ...fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT, `transaction timeout ${timeoutMs} ms is outside (0, transaction.max.timeout.ms = ${this.config.maxTimeoutMs}]`) }
    }
    // KafkaApis: a producer id without an epoch, or the reverse, is malformed
    if ((expected.producerId === -1) !== (expected.producerEpoch === -1)) {
      return { ...none, ...fail(ErrorCode.INVALID_REQUEST, `producer id ${expected.producerId} and epoch ${expected.producerEpoch}: both or neither must be -1`) }
    }
    const busy = this.notReady()
    if (busy !== null) return { ...none, ...busy }
    return await this.serially(transactionalId, async () => {
      let m = this.txns.get(transactionalId)
      if (m === undefined) {
        const producerId = this.opts.allocateProducerId()
        const fresh: TxnMetadata = {
          transactionalId, producerId, producerEpoch: 0, lastProducerEpoch: -1, lastProducerId: -1, timeoutMs, state: TxnState.Empty,
          partitions: new Map(), startTimestamp: -1, lastUpdateTimestamp: this.now()
        }
        const written = await this.persist(fresh, {})
        if (written.errorCode !== ErrorCode.NONE) return { ...none, ...written }
        this.txns.set(transactionalId, fresh)
        return { ...ok, producerId, producerEpoch: 0 }
      }
      if (expected.producerId >= 0) {
        // KIP-360: a producer that knows its id and epoch asks for a bump; a retry of the last bump is answered
        // again, also when that bump rotated to a new producer id (Kafka: the expected id is the last producer
        // id and its epoch is exhausted) and whatever transaction completed since (Empty or Complete*).
        const sameId = expected.producerId === m.producerId ||
          (expected.producerId === m.lastProducerId && expected.producerEpoch >= MAX_EPOCH - 1)
        if (sameId && m.lastProducerEpoch >= 0 && expected.producerEpoch === m.lastProducerEpoch && isComplete(m.state)) {
          if (m.state === TxnState.Empty && m.timeoutMs === timeoutMs) return { ...ok, producerId: m.producerId, producerEpoch: m.producerEpoch }
          // Kafka writes the Empty transition (with the new timeout) for a retry too
          const again = await this.persist(m, { timeoutMs, state: TxnState.Empty, partitions: new Map(), startTimestamp: -1 })
          if (again.errorCode !== ErrorCode.NONE) return { ...none, ...again }
          return { ...ok, producerId: m.producerId, producerEpoch: m.producerEpoch }
        }
        if (expected.producerId !== m.producerId || expected.producerEpoch !== m.producerEpoch) {
          return { ...none, ...this.fencedError(fenced, `transactional id ${transactionalId}: producer ${expected.producerId} epoch ${expected.producerEpoch} is not the current producer ${m.producerId} epoch ${m.producerEpoch}`) }
        }
      }
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        const done = await this.completeMarkers(m)
        if (!done) return { ...none, ...fail(ErrorCode.CONCURRENT_TRANSACTIONS, `transactional id ${transactionalId}: the previous transaction is still completing`) }
        m = this.txns.get(transactionalId)!
      }
      if (m.state === TxnState.Ongoing) {
        // a new producer instance: abort what the old one left open, fencing it with a new epoch
        const aborted = await this.abort(m, true, 'a new producer initialised the same transactional id')
        if (aborted.errorCode !== ErrorCode.NONE) return { ...none, ...aborted }
        m = this.txns.get(transactionalId)!
        if (m.state !== TxnState.CompleteAbort) return { ...none, ...fail(ErrorCode.CONCURRENT_TRANSACTIONS, `transactional id ${transactionalId}: the open transaction is still being aborted`) }
      }
      const next = this.bumped(m, expected.producerId >= 0)
      const written = await this.persist(m, { ...next, timeoutMs, state: TxnState.Empty, partitions: new Map(), startTimestamp: -1 })
      if (written.errorCode !== ErrorCode.NONE) return { ...none, ...written }
      return { ...ok, producerId: next.producerId, producerEpoch: next.producerEpoch }
    })
  }

  /**
   * The next producer id and epoch: epoch + 1, or a new producer id at epoch 0 once the epoch is exhausted
   * (>= 32766, Kafka's isProducerEpochExhausted). The epoch before is kept for a KIP-360 retry; after a rotation
   * only when the request named it (Kafka's prepareProducerIdRotation(recordLastEpoch)).
   */
  private bumped (m: TxnMetadata, expectedGiven: boolean): Pick<TxnMetadata, 'producerId' | 'producerEpoch' | 'lastProducerEpoch' | 'lastProducerId'> {
    if (m.producerEpoch >= MAX_EPOCH - 1) {
      return { producerId: this.opts.allocateProducerId(), producerEpoch: 0, lastProducerEpoch: expectedGiven ? m.producerEpoch : -1, lastProducerId: m.producerId }
    }
    return { producerId: m.producerId, producerEpoch: m.producerEpoch + 1, lastProducerEpoch: m.producerEpoch, lastProducerId: m.producerId }
  }

  private fencedError (fenced: boolean, message: string): Outcome {
    return fail(fenced ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH, message)
  }

  /** The checks AddPartitionsToTxn, AddOffsetsToTxn and EndTxn share; null when the producer is current. */
  private checkProducer (transactionalId: string, producerId: number, producerEpoch: number, fenced: boolean): Outcome | null {
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST, 'the transactional id is empty')
    const busy = this.notReady()
    if (busy !== null) return busy
    const m = this.txns.get(transactionalId)
    if (m === undefined) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `transactional id ${transactionalId} is unknown (InitProducerId first)`)
    if (m.producerId !== producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `transactional id ${transactionalId} belongs to producer ${m.producerId}, not ${producerId}`)
    if (m.producerEpoch !== producerEpoch) return this.fencedError(fenced, `transactional id ${transactionalId}: epoch ${producerEpoch} is not the current epoch ${m.producerEpoch} (another producer with this id fenced this one, or its transaction timed out)`)
    return null
  }

  /**
   * AddPartitionsToTxn / AddOffsetsToTxn: adds partitions to the producer's transaction, opening one if none
   * is. Partitions that do not exist get UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
   * Returns one outcome for the whole request plus, when it failed per partition, the partition errors.
   */
  async addPartitions (transactionalId: string, producerId: number, producerEpoch: number, partitions: Map<string, number[]>, fenced: boolean): Promise<Outcome & { partitionErrors: Map<string, Map<number, number>> | null }> {
    const unknown: Array<[string, number]> = []
    for (const [t, ps] of partitions) for (const p of ps) if (!this.opts.partitionExists(t, p)) unknown.push([t, p])
    if (unknown.length > 0) {
      const errors = new Map<string, Map<number, number>>()
      for (const [t, ps] of partitions) errors.set(t, new Map(ps.map(p => [p, this.opts.partitionExists(t, p) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])))
      return { ...fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic partitions: ${unknown.map(([t, p]) => `${t}-${p}`).join(', ')}`), partitionErrors: errors }
    }
    const early = this.checkProducer(transactionalId, producerId, producerEpoch, fenced)
    if (early !== null) return { ...early, partitionErrors: null }
    return await this.serially(transactionalId, async () => {
      const again = this.checkProducer(transactionalId, producerId, producerEpoch, fenced)
      if (again !== null) return { ...again, partitionErrors: null }
      const m = this.txns.get(transactionalId)!
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        if (!await this.completeMarkers(m)) return { ...fail(ErrorCode.CONCURRENT_TRANSACTIONS, `transactional id ${transactionalId}: the previous transaction is still completing`), partitionErrors: null }
      }
      const cur = this.txns.get(transactionalId)!
      if (cur.state !== TxnState.Ongoing && !isComplete(cur.state)) {
        return { ...fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId} is ${TXN_STATE_NAMES[cur.state]}`), partitionErrors: null }
      }
      const opening = cur.state !== TxnState.Ongoing
      const merged = new Map<string, Set<number>>(opening ? [] : [...cur.partitions].map(([t, s]) => [t, new Set(s)]))
      let added = false
      for (const [t, ps] of partitions) {
        let set = merged.get(t)
        if (set === undefined) merged.set(t, set = new Set())
        for (const p of ps) if (!set.has(p)) { set.add(p); added = true }
      }
      if (!opening && !added) return { ...ok, partitionErrors: null }
      const now = this.now()
      const written = await this.persist(cur, { state: TxnState.Ongoing, partitions: merged, startTimestamp: opening ? now : cur.startTimestamp })
      return { ...written, partitionErrors: null }
    })
  }

  /** EndTxn: commits or aborts the producer's open transaction. */
  async endTxn (transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, fenced: boolean): Promise<Outcome> {
    const early = this.checkProducer(transactionalId, producerId, producerEpoch, fenced)
    if (early !== null) return early
    return await this.serially(transactionalId, async () => {
      const again = this.checkProducer(transactionalId, producerId, producerEpoch, fenced)
      if (again !== null) return again
      const m = this.txns.get(transactionalId)!
      const what = commit ? 'commit' : 'abort'
      switch (m.state) {
        case TxnState.Ongoing:
          return commit ? await this.commit(m) : await this.abort(m, false, 'the producer aborted')
        case TxnState.CompleteCommit:
          return commit ? ok : fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId}: cannot abort, the last transaction was committed`)
        case TxnState.CompleteAbort:
          return commit ? fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId}: cannot commit, the last transaction was aborted`) : ok
        case TxnState.PrepareCommit:
        case TxnState.PrepareAbort: {
          const same = (m.state === TxnState.PrepareCommit) === commit
          if (!same) return fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId}: cannot ${what}, the transaction is in ${TXN_STATE_NAMES[m.state]}`)
          return await this.completeMarkers(m) ? ok : fail(ErrorCode.CONCURRENT_TRANSACTIONS, `transactional id ${transactionalId}: the transaction is still completing`)
        }
        default:
          return fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId}: no transaction to ${what} (state ${TXN_STATE_NAMES[m.state]})`)
      }
    })
  }

  /**
   * Whether a transactional produce (or TxnOffsetCommit) by this producer may write `topic`-`partition`: the
   * producer is current and its open transaction holds the partition (Kafka 3.x's transaction verification).
   */
  checkPartition (transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number, fenced: boolean): Outcome {
    const early = this.checkProducer(transactionalId, producerId, producerEpoch, fenced)
    if (early !== null) return early
    const m = this.txns.get(transactionalId)!
    if (m.state !== TxnState.Ongoing || m.partitions.get(topic)?.has(partition) !== true) {
      return fail(ErrorCode.INVALID_TXN_STATE, `transactional id ${transactionalId}: ${topic}-${partition} is not part of an open transaction (AddPartitionsToTxn / AddOffsetsToTxn first)`)
    }
    return ok
  }

  // ---- transitions ----

  private async commit (m: TxnMetadata): Promise<Outcome> {
    const written = await this.persist(m, { state: TxnState.PrepareCommit })
    if (written.errorCode !== ErrorCode.NONE) return written
    await this.completeMarkers(this.txns.get(m.transactionalId)!)
    return ok
  }

  /** Aborts the open transaction; `fence` bumps the epoch first, so the producer that opened it is fenced. */
  private async abort (m: TxnMetadata, fence: boolean, why: string): Promise<Outcome> {
    const bump = fence ? this.fenceEpoch(m) : {}
    const written = await this.persist(m, { ...bump, state: TxnState.PrepareAbort })
    if (written.errorCode !== ErrorCode.NONE) return written
    this.logger.info({ transactionalId: m.transactionalId, producerId: m.producerId, epoch: this.txns.get(m.transactionalId)!.producerEpoch, why }, `aborting the transaction of ${m.transactionalId}: ${why}`)
    await this.completeMarkers(this.txns.get(m.transactionalId)!)
    return ok
  }

  /**
   * Epoch + 1 for the abort markers, up to 32767 (Kafka's prepareFenceProducerEpoch; the next InitProducerId
   * then finds the epoch exhausted and rotates the producer id).
   */
  private fenceEpoch (m: TxnMetadata): Partial<TxnMetadata> {
    if (m.producerEpoch >= MAX_EPOCH) return {}
    return { producerEpoch: m.producerEpoch + 1, lastProducerEpoch: -1 }
  }

  /**
   * Writes the markers of a transaction in Prepare* to each of its partitions, then records Complete*.
   * Returns false (state unchanged, logged) if a marker or the final record could not be written.
   */
  private async completeMarkers (m: TxnMetadata): Promise<boolean> {
    const commit = m.state === TxnState.PrepareCommit
    if (!commit && m.state !== TxnState.PrepareAbort) return true
    const targets: Array<[string, number]> = []
    for (const [t, ps] of m.partitions) for (const p of ps) targets.push([t, p])
    const results = await Promise.allSettled(targets.map(async ([t, p]) => await this.opts.writeMarker(t, p, m.producerId, m.producerEpoch, commit)))
    const failed = results.flatMap((r, i) => r.status === 'rejected' ? [`${targets[i]![0]}-${targets[i]![1]}: ${(r.reason as Error).message}`] : [])
    if (failed.length > 0) {
      this.logger.error({ transactionalId: m.transactionalId, failed }, `could not write the ${commit ? 'commit' : 'abort'} markers of ${m.transactionalId}; retrying later`)
      return false
    }
    const written = await this.persist(m, { state: commit ? TxnState.CompleteCommit : TxnState.CompleteAbort, partitions: new Map() })
    return written.errorCode === ErrorCode.NONE
  }

  /** Writes the metadata with `change` applied; on success it replaces the in-memory metadata. */
  private async persist (m: TxnMetadata, change: Partial<TxnMetadata>): Promise<Outcome> {
    const now = this.now()
    const next: TxnMetadata = { ...m, ...change, lastUpdateTimestamp: now }
    try {
      await this.log.append(this.partitionFor(m.transactionalId), encodeTxnKey(m.transactionalId), encodeTxnValue({
        producerId: next.producerId,
        producerEpoch: next.producerEpoch,
        transactionTimeoutMs: next.timeoutMs,
        state: next.state,
        partitions: new Map([...next.partitions].map(([t, s]) => [t, [...s].sort((a, b) => a - b)])),
        lastUpdateTimestamp: now,
        startTimestamp: next.startTimestamp
      }), now)
    } catch (err) {
      this.logger.error({ transactionalId: m.transactionalId, err: (err as Error).message }, 'writing __transaction_state failed')
      // as Kafka's TransactionStateManager: a storage error (a full disk) is NOT_COORDINATOR, the rest COORDINATOR_NOT_AVAILABLE
      const code = errorCodeOf(err) === ErrorCode.KAFKA_STORAGE_ERROR ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE
      return fail(code, `the transaction state of ${m.transactionalId} could not be written: ${(err as Error).message}`)
    }
    this.txns.set(m.transactionalId, next)
    return ok
  }

  // ---- periodic work ----

  /** Aborts (fencing the producer) every open transaction past its timeout, and retries unfinished completions. */
  async abortTimedOut (): Promise<number> {
    if (this.status !== 'active') return 0
    const now = this.now()
    let n = 0
    for (const m of [...this.txns.values()]) {
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        void this.serially(m.transactionalId, async () => await this.completeMarkers(this.txns.get(m.transactionalId)!))
        continue
      }
      // Kafka: timed out once startTimestamp + timeout < now
      if (m.state !== TxnState.Ongoing || m.startTimestamp + m.timeoutMs >= now) continue
      n++
      await this.serially(m.transactionalId, async () => {
        const cur = this.txns.get(m.transactionalId)
        if (cur === undefined || cur.state !== TxnState.Ongoing || cur.startTimestamp + cur.timeoutMs >= this.now()) return
        await this.abort(cur, true, `transaction timed out after ${cur.timeoutMs} ms`)
      })
    }
    return n
  }

  /** Forgets transactional ids idle (no open transaction) for transactional.id.expiration.ms. */
  async removeExpired (): Promise<number> {
    if (this.status !== 'active') return 0
    const now = this.now()
    let n = 0
    for (const m of [...this.txns.values()]) {
      if (!isComplete(m.state) || m.lastUpdateTimestamp + this.config.idExpirationMs > now) continue
      await this.serially(m.transactionalId, async () => {
        const cur = this.txns.get(m.transactionalId)
        if (cur === undefined || !isComplete(cur.state) || cur.lastUpdateTimestamp + this.config.idExpirationMs > this.now()) return
        try {
          await this.log.append(this.partitionFor(cur.transactionalId), encodeTxnKey(cur.transactionalId), null, this.now())
          this.txns.delete(cur.transactionalId)
          n++
        } catch (err) {
          this.logger.warn({ transactionalId: cur.transactionalId, err: (err as Error).message }, 'could not write the tombstone of an expired transactional id')
        }
      })
    }
    if (n > 0) this.logger.info({ removed: n }, `removed ${n} expired transactional ids`)
    return n
  }
}
