// The protocol-neutral core: every service a front door (Kafka today; AMQP and HTTP next) calls, built once
// over storage. It owns the topics (and through them the partitions, each with its producer state), producer
// id allocation, the fetch purgatory and read-ahead, the security services every front door asks (the
// authorizer with its durable ACLs, the SASL mechanisms of each listener with the durable SCRAM credentials,
// client quotas), and the two coordinators, created on first use (Lazy): the group coordinator replays
// __consumer_offsets, the transaction coordinator __transaction_state.
//
// Life cycle: open() (data dir and its lock (storage/dir-lock.ts: one broker per data directory), the authorizer,
// cluster identity, storage with recovery, SASL and quotas) ->
// a front door starts listening -> startBackground() (coordinators and damaged transaction indexes load while
// requests are served) -> close() (wake parked fetches, close the coordinators, flush and close storage: each
// partition writes its producer snapshot; then the data directory's lock is released).
// Services take and return records, offsets and error codes; no front door's request structs reach them.
// Threading: main thread; storage does its own I/O in worker threads.
import fs from 'node:fs'
import type { Logger } from '../logger.js'
import { numberConfig, type BrokerConfig } from '../config/broker-config.js'
import { LogManager, type TopicRecord } from '../storage/log-manager.js'
import { loadOrCreateClusterMeta } from './cluster-meta.js'
import { FetchPurgatory } from './fetch-purgatory.js'
import { FetchReadAhead } from './fetch-readahead.js'
import { FetchMemory } from './fetch-memory.js'
import type { GroupCoordinator } from './groups/coordinator.js'
import type { TransactionCoordinator } from './transactions/coordinator.js'
import { Lazy } from './lazy.js'
import { ProducerIdManager } from './producer-ids.js'
import { highestSnapshotProducerId } from '../storage/producers/snapshot.js'
import { Topics, logConfigFor } from './topics.js'
import { SaslMechanisms } from './security/sasl/mechanisms.js'
import { ScramCredentialStore } from './security/sasl/scram-credentials.js'
import { ClientQuotas } from './quotas/client-quotas.js'
import { Authorizer } from './security/acl/authorizer.js'
import { LogScrubber } from '../storage/scrubber/log-scrubber.js'
import { DirLock } from '../storage/dir-lock.js'
import { DiskSpace, registerDiskSpace, unregisterDiskSpace } from '../storage/disk-space.js'

export class Core {
  readonly purgatory = new FetchPurgatory()
  /** Fetch bytes in memory, broker-wide (fetch.max.memory.bytes): responses being read or written, read-ahead. */
  readonly fetchMemory: FetchMemory
  readonly readAhead: FetchReadAhead
  /** The group coordinator: created (and __consumer_offsets replayed) on first use. */
  readonly groups: Lazy<GroupCoordinator>
  /** The transaction coordinator: created (and __transaction_state replayed) on first use. */
  readonly transactions: Lazy<TransactionCoordinator>
  readonly nodeId: number
  private _closing = false
  private closed = false

  private constructor (
    readonly config: BrokerConfig,
    readonly logger: Logger,
    readonly clusterId: string,
    readonly topics: Topics,
    readonly producerIds: ProducerIdManager,
    /** SASL mechanisms per listener and the durable SCRAM credentials (front doors authenticate with them). */
    readonly sasl: SaslMechanisms,
    /** Client quotas by user and client id (durable: samsa-client-quotas.msgpack). */
    readonly quotas: ClientQuotas,
    /** ACL checks (disabled, allowing everything, unless authorizer.class.name is set); open before anything is served. */
    readonly authorizer: Authorizer,
    /** <dataDir>/.lock, held from open() to close(): one broker per data directory. */
    private readonly dirLock: DirLock
  ) {
    this.nodeId = config.nodeId
    this.fetchMemory = new FetchMemory(numberConfig(config, 'fetch.max.memory.bytes'))
    this.readAhead = new FetchReadAhead(this.fetchMemory)
    this.groups = new Lazy(async () => await this.createGroups())
    this.transactions = new Lazy(async () => await this.createTransactions())
  }

  /** Opens the data directory and its storage (recovering what an unclean stop left). */
  static async open (config: BrokerConfig, logger: Logger): Promise<Core> {
    fs.mkdirSync(config.dataDir, { recursive: true })
    // first: nothing of the directory is read or written by a second broker on it
    const dirLock = DirLock.acquire(config.dataDir, logger.child({ component: 'storage' }))
    // read at once: a broker starting on a full disk is read-only from its first request
    const diskSpace = new DiskSpace({
      dir: config.dataDir,
      minFreeBytes: numberConfig(config, 'log.dir.min.free.bytes'),
      checkIntervalMs: numberConfig(config, 'log.dir.free.space.check.interval.ms'),
      logger: logger.child({ component: 'storage' })
    })
    registerDiskSpace(diskSpace)
    try {
      return await Core.openLocked(config, logger, dirLock, diskSpace)
    } catch (err) {
      diskSpace.close()
      unregisterDiskSpace(diskSpace)
      dirLock.release()
      throw err
    }
  }

  private static async openLocked (config: BrokerConfig, logger: Logger, dirLock: DirLock, diskSpace: DiskSpace): Promise<Core> {
    const authorizer = await Authorizer.open(config, config.dataDir, logger.child({ component: 'authorizer' }))
    const clusterId = loadOrCreateClusterMeta(config.dataDir, config.nodeId, err => {
      logger.warn({ dataDir: config.dataDir, err: err.message }, 'no space to write meta.properties; the new cluster id is kept in memory until a start with space writes it')
      diskSpace.noteNoSpace('meta.properties', err)
    }).clusterId
    // ids found in the data (snapshots now, replayed logs later) stay below every id handed out
    const producerIds = new ProducerIdManager(config.dataDir, () => highestSnapshotProducerId(config.dataDir))
    const logs = await LogManager.open({
      dataDir: config.dataDir,
      defaults: logConfigFor(config, { name: '', topicId: '', partitions: 0, configs: {} }),
      logConfigFor: (t: TopicRecord) => logConfigFor(config, t),
      logger: logger.child({ component: 'storage' }),
      onProducerId: id => producerIds.observe(id),
      openFilesMax: numberConfig(config, 'log.open.files.max'),
      diskSpace
    })
    const saslListeners = config.listeners.filter(l => l.securityProtocol === 'SASL_PLAINTEXT' || l.securityProtocol === 'SASL_SSL').map(l => l.name)
    const sasl = new SaslMechanisms(config, await ScramCredentialStore.open(config.dataDir), saslListeners)
    for (const w of sasl.warnings) logger.warn(w)
    const quotas = await ClientQuotas.open(config)
    const core = new Core(config, logger, clusterId, new Topics(config, logs), producerIds, sasl, quotas, authorizer, dirLock)
    if (config.get('log.scrubber.enable') === 'true') {
      core.scrubber = new LogScrubber({
        logs: () => logs.allLogs(),
        logger: logger.child({ component: 'scrubber' }),
        bytesPerSecond: numberConfig(config, 'log.scrubber.bytes.per.second'),
        intervalMs: numberConfig(config, 'log.scrubber.interval.ms')
      })
      core.scrubber.start()
    }
    return core
  }

  /** The background scrubber of closed segments (log.scrubber.enable), or null. */
  scrubber: LogScrubber | null = null

  /** True once close() started. */
  get closing (): boolean { return this._closing }

  /**
   * Starts what loads in the background once a front door listens: the group coordinator; the producer state
   * of partitions whose .txnindex was damaged (it repairs the index, so read_committed consumers never miss an
   * abort); the transaction coordinator when there is transaction state to load.
   */
  startBackground (): void {
    this.groups.get().catch(err => {
      if (!this._closing) this.logger.error({ err: (err as Error).message }, 'loading the group coordinator failed')
    })
    for (const p of this.topics.logs.allLogs()) {
      if (p.segmentList().some(s => s.txnIndexProblem !== null)) {
        p.loadProducerState().catch(err => this.logger.error({ partition: p.name, err: (err as Error).message }, 'rebuilding producer state for a damaged transaction index failed'))
      }
    }
    if (this.topics.get('__transaction_state') !== undefined) {
      this.transactions.get().catch(err => {
        if (!this._closing) this.logger.error({ err: (err as Error).message }, 'loading the transaction coordinator failed')
      })
    }
  }

  private async createGroups (): Promise<GroupCoordinator> {
    if (this._closing) throw new Error('the broker is closing')
    const [{ GroupCoordinator, groupsConfigFrom }, { TopicOffsetsLog }] = await Promise.all([
      import('./groups/coordinator.js'),
      import('./groups/offsets-log.js')
    ])
    const groups = new GroupCoordinator({
      log: new TopicOffsetsLog(this.topics, numberConfig(this.config, 'offsets.topic.num.partitions')),
      config: groupsConfigFrom(this.config),
      logger: this.logger.child({ component: 'groups' })
    })
    void groups.load()
    return groups
  }

  /**
   * Creates the transaction coordinator and loads __transaction_state, then the producer state of every
   * partition of a transaction left open; resolves when it can serve requests.
   */
  private async createTransactions (): Promise<TransactionCoordinator> {
    if (this._closing) throw new Error('the broker is closing')
    const [{ TransactionCoordinator, transactionsConfigFrom }, { TopicTxnStateLog }, { markerWriter }] = await Promise.all([
      import('./transactions/coordinator.js'),
      import('./transactions/state-log.js'),
      import('./transactions/markers.js')
    ])
    const txns = new TransactionCoordinator({
      log: new TopicTxnStateLog(this.topics, numberConfig(this.config, 'transaction.state.log.num.partitions')),
      writeMarker: markerWriter(this),
      allocateProducerId: () => this.producerIds.allocate(),
      // __consumer_offsets may not exist before the first TxnOffsetCommit creates it
      partitionExists: (topic, partition) => topic === '__consumer_offsets' || this.topics.log(topic, partition) !== undefined,
      config: transactionsConfigFrom(this.config),
      logger: this.logger.child({ component: 'transactions' })
    })
    try {
      await txns.load()
      await Promise.all(txns.openPartitions().map(async ([t, p]) => {
        await this.topics.log(t, p)?.loadProducerState()
      }))
    } catch (err) {
      txns.close()
      throw err
    }
    return txns
  }

  /**
   * Whether the producer's open transaction holds `topic`-`partition` (transactional produce and
   * TxnOffsetCommit check it first); `fenced`: the caller's protocol version knows PRODUCER_FENCED.
   */
  async checkTransactionPartition (transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number, fenced: boolean): Promise<{ errorCode: number, message: string | null }> {
    const txns = await this.transactions.get()
    return txns.checkPartition(transactionalId, producerId, producerEpoch, topic, partition, fenced)
  }

  /** Deletes a topic: its partitions (with their producer state), then its groups' committed offsets. */
  async deleteTopic (name: string): Promise<void> {
    await this.topics.delete(name)
    await (await this.groups.get()).onTopicDeleted(name)
  }

  /** Marks the core closing and wakes parked fetches (their answers go out before the listener closes). */
  beginClose (): void {
    if (this._closing) return
    this._closing = true
    this.purgatory.wakeAll()
  }

  /** Closes the coordinators, then flushes and closes storage (partitions write their producer snapshots) (once). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.beginClose()
    if (this.groups.started) (await this.groups.get().catch(() => null))?.close()
    if (this.transactions.started) (await this.transactions.get().catch(() => null))?.close()
    await this.scrubber?.close()
    try {
      await this.topics.logs.close()
    } finally {
      const ds = this.topics.logs.diskSpace
      if (ds !== null) { ds.close(); unregisterDiskSpace(ds) }
      this.dirLock.release()
    }
  }
}
