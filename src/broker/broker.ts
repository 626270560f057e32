// The broker: owns the config, the storage (LogManager), the topic rules, the fetch purgatory and the
// listener, and wires them together. start() order: data dir and cluster identity, storage (with recovery),
// listener. close() order: stop accepting, wake parked fetches, flush and close storage (clean-shutdown marker).
import fs from 'node:fs'
import type { Logger } from '../logger.js'
import { numberConfig, type BrokerConfig } from '../config/broker-config.js'
import { LogManager, type TopicRecord } from '../storage/log-manager.js'
import { SocketServer } from '../network/server.js'
import { loadOrCreateClusterMeta } from './cluster-meta.js'
import { FetchPurgatory } from './fetch-purgatory.js'
import { FetchReadAhead } from './fetch-readahead.js'
import type { GroupCoordinator } from './groups/coordinator.js'
import type { TransactionCoordinator } from './transactions/coordinator.js'
import { EAGER_HANDLERS, LAZY_HANDLERS } from './handlers/index.js'
import { Router } from './router.js'
import { Producers } from './producers/producers.js'
import { Topics, logConfigFor } from './topics.js'

/** The listener could not bind; the message says where and why. */
export class ListenError extends Error {
  override name = 'ListenError'
}

export class Broker {
  readonly purgatory = new FetchPurgatory()
  readonly readAhead = new FetchReadAhead()
  readonly router: Router
  topics!: Topics
  /** Set by prepareLazyHandlers(), before any group handler can run. */
  groups!: GroupCoordinator
  private groupsReady: Promise<GroupCoordinator> | null = null
  /** Set once prepareTransactions() ran: resolves when the transaction coordinator is loaded. */
  transactionsReady: Promise<TransactionCoordinator> | null = null
  producers!: Producers
  clusterId = ''
  nodeId: number
  /** Where clients are told to connect (advertised.listeners, else the bound address). */
  advertised = { host: '', port: 0 }
  bound = { host: '', port: 0 }
  closing = false
  private server: SocketServer | null = null

  private constructor (readonly config: BrokerConfig, readonly logger: Logger) {
    this.nodeId = config.nodeId
    this.router = new Router(this, EAGER_HANDLERS, LAZY_HANDLERS)
  }

  static async start (config: BrokerConfig, logger: Logger): Promise<Broker> {
    const b = new Broker(config, logger)
    await b.open()
    return b
  }

  private async open (): Promise<void> {
    const started = performance.now()
    fs.mkdirSync(this.config.dataDir, { recursive: true })
    this.clusterId = loadOrCreateClusterMeta(this.config.dataDir, this.nodeId).clusterId
    this.producers = new Producers(this.config.dataDir, this.logger.child({ component: 'producers' }))
    const logs = await LogManager.open({
      dataDir: this.config.dataDir,
      defaults: logConfigFor(this.config, { name: '', topicId: '', partitions: 0, configs: {} }),
      logConfigFor: (t: TopicRecord) => logConfigFor(this.config, t),
      logger: this.logger.child({ component: 'storage' })
    })
    this.topics = new Topics(this.config, logs)
    this.server = new SocketServer({
      host: this.config.host,
      port: this.config.port,
      maxFrameBytes: this.config.socketRequestMaxBytes,
      router: this.router,
      logger: this.logger.child({ component: 'network' })
    })
    try {
      this.bound = await this.server.listen()
    } catch (err) {
      await logs.close()
      const code = (err as NodeJS.ErrnoException).code
      const where = `${this.config.host}:${this.config.port}`
      if (code === 'EADDRINUSE') throw new ListenError(`cannot listen on ${where}: ${where} is already in use (another broker? pick another --port)`)
      if (code === 'EACCES') throw new ListenError(`cannot listen on ${where}: permission denied`)
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ListenError(`cannot listen on ${where}: no such local address`)
      throw err
    }
    this.advertised = {
      host: this.config.advertisedHost ?? this.bound.host,
      port: this.config.advertisedPort ?? this.bound.port
    }
    this.logger.info({
      host: this.bound.host,
      port: this.bound.port,
      dataDir: this.config.dataDir,
      fsync: this.config.fsync,
      cleanStart: logs.cleanStart,
      topics: logs.topics().length,
      startMs: Math.round(performance.now() - started)
    }, 'broker started')
    if (this.config.fsync === 'never') {
      this.logger.warn('fsync=never: acknowledged records can be lost on a crash or power failure; use only for throwaway test brokers')
    }
    // The group coordinator and the less frequent APIs load now, after the listener is up; so does the
    // transaction coordinator if there is transaction state (transactions left open need their partitions'
    // producer state for the last stable offset).
    this.router.loadLazy().catch(err => {
      if (!this.closing) this.logger.error({ err }, 'loading the request handlers failed')
    })
    // A damaged .txnindex is repaired from the log when the partition's producer state loads: load those now,
    // so read_committed consumers never miss an abort.
    for (const log of logs.allLogs()) {
      if (log.segmentList().some(s => s.txnIndexProblem !== null)) {
        this.producers.stateFor(log).catch(err => this.logger.error({ partition: log.name, err: (err as Error).message }, 'rebuilding producer state for a damaged transaction index failed'))
      }
    }
    if (this.topics.get('__transaction_state') !== undefined) {
      this.prepareTransactions().catch(err => {
        if (!this.closing) this.logger.error({ err: (err as Error).message }, 'loading the transaction coordinator failed')
      })
    }
  }

  /**
   * Creates the group coordinator (once), which starts replaying __consumer_offsets (COORDINATOR_LOAD_IN_PROGRESS
   * until done). Called before the lazily loaded handlers run.
   */
  prepareLazyHandlers (): Promise<GroupCoordinator> {
    this.groupsReady ??= (async () => {
      if (this.closing) throw new Error('the broker is closing')
      const [{ GroupCoordinator, groupsConfigFrom }, { TopicOffsetsLog }] = await Promise.all([
        import('./groups/coordinator.js'),
        import('./groups/offsets-log.js')
      ])
      const groups = new GroupCoordinator({
        log: new TopicOffsetsLog(this.topics, numberConfig(this.config, 'offsets.topic.num.partitions', 50), this.producers),
        config: groupsConfigFrom(this.config),
        logger: this.logger.child({ component: 'groups' })
      })
      this.groups = groups
      void groups.load()
      return groups
    })()
    return this.groupsReady
  }

  /**
   * Creates the transaction coordinator (once) and loads __transaction_state, then the producer state of every
   * partition of a transaction left open; resolves when it can serve requests.
   */
  prepareTransactions (): Promise<TransactionCoordinator> {
    this.transactionsReady ??= (async () => {
      if (this.closing) throw new Error('the broker is closing')
      const [{ TransactionCoordinator, transactionsConfigFrom }, { TopicTxnStateLog }, { brokerMarkerWriter }] = await Promise.all([
        import('./transactions/coordinator.js'),
        import('./transactions/state-log.js'),
        import('./transactions/markers.js')
      ])
      const txns = new TransactionCoordinator({
        log: new TopicTxnStateLog(this.topics, numberConfig(this.config, 'transaction.state.log.num.partitions', 50)),
        writeMarker: brokerMarkerWriter(this),
        allocateProducerId: () => this.producers.ids.allocate(),
        // __consumer_offsets may not exist before the first TxnOffsetCommit creates it
        partitionExists: (topic, partition) => topic === '__consumer_offsets' || this.topics.log(topic, partition) !== undefined,
        config: transactionsConfigFrom(this.config),
        logger: this.logger.child({ component: 'transactions' })
      })
      this.transactions = txns
      await txns.load()
      await Promise.all(txns.openPartitions().map(async ([t, p]) => {
        const log = this.topics.log(t, p)
        if (log !== undefined) await this.producers.stateFor(log)
      }))
      return txns
    })()
    // a failed load (e.g. __transaction_state unreadable) is retried by the next request, not cached
    this.transactionsReady.catch(() => { this.transactionsReady = null; this.transactions = null })
    return this.transactionsReady
  }

  /** Set by prepareTransactions(). */
  transactions: TransactionCoordinator | null = null

  /**
   * Whether the producer's open transaction holds `topic`-`partition` (transactional produce and
   * TxnOffsetCommit check it first); `fenced`: the request version knows PRODUCER_FENCED.
   */
  async checkTransactionPartition (transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number, fenced: boolean): Promise<{ errorCode: number, message: string | null }> {
    const txns = await this.prepareTransactions()
    return txns.checkPartition(transactionalId, producerId, producerEpoch, topic, partition, fenced)
  }

  async deleteTopic (name: string): Promise<void> {
    const t = this.topics.get(name)
    for (let p = 0; t !== undefined && p < t.partitions; p++) {
      const log = this.topics.log(name, p)
      if (log !== undefined) this.producers.forget(log)
    }
    await this.topics.delete(name)
    await (await this.prepareLazyHandlers()).onTopicDeleted(name)
  }

  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.purgatory.wakeAll()
    await this.server?.close()
    if (this.groupsReady !== null) (await this.groupsReady).close()
    if (this.transactionsReady !== null) (await this.transactionsReady.catch(() => null))?.close()
    this.producers?.snapshotAll()
    await this.topics?.logs.close()
    this.logger.info('broker stopped')
  }
}
