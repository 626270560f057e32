// The broker: the protocol-neutral core (core/core.ts) behind its front doors (today the Kafka listener).
// It builds each front door's view of the core and owns the listeners. start() order: core (data dir,
// cluster identity, storage with recovery), listener, then the core's background loads. close() order: stop
// accepting, then the core (wakes parked fetches, closes coordinators, flushes storage, clean-shutdown marker).
import type { Logger } from './logger.js'
import type { BrokerConfig } from './config/broker-config.js'
import { Core } from './core/core.js'
import { SocketServer } from './kafka/network/server.js'
import { EAGER_HANDLERS, LAZY_HANDLERS } from './kafka/handlers/index.js'
import { Router } from './kafka/router.js'
import type { KafkaServices } from './kafka/services.js'
import { appendTxnMarker } from './core/transactions/markers.js'

/** The listener could not bind; the message says where and why. */
export class ListenError extends Error {
  override name = 'ListenError'
}

export class Broker {
  readonly router: Router
  /** Where clients are told to connect (advertised.listeners, else the bound address). */
  advertised = { host: '', port: 0 }
  bound = { host: '', port: 0 }
  private server: SocketServer | null = null

  private constructor (readonly core: Core) {
    this.router = new Router(kafkaServices(core, this), EAGER_HANDLERS, LAZY_HANDLERS, async () => await core.groups.get())
  }

  static async start (config: BrokerConfig, logger: Logger): Promise<Broker> {
    const started = performance.now()
    const core = await Core.open(config, logger)
    const b = new Broker(core)
    await b.listen()
    logger.info({
      host: b.bound.host,
      port: b.bound.port,
      dataDir: config.dataDir,
      fsync: config.fsync,
      cleanStart: core.topics.logs.cleanStart,
      topics: core.topics.logs.topics().length,
      startMs: Math.round(performance.now() - started)
    }, 'broker started')
    if (config.fsync === 'never') {
      logger.warn('fsync=never: acknowledged records can be lost on a crash or power failure; use only for throwaway test brokers')
    }
    // The lazily loaded handlers and the coordinators load now, after the listener is up.
    b.router.loadLazy().catch(err => {
      if (!core.closing) logger.error({ err }, 'loading the request handlers failed')
    })
    core.startBackground()
    return b
  }

  private async listen (): Promise<void> {
    const config = this.core.config
    this.server = new SocketServer({
      host: config.host,
      port: config.port,
      maxFrameBytes: config.socketRequestMaxBytes,
      router: this.router,
      logger: this.core.logger.child({ component: 'network' })
    })
    try {
      this.bound = await this.server.listen()
    } catch (err) {
      await this.core.close()
      const code = (err as NodeJS.ErrnoException).code
      const where = `${config.host}:${config.port}`
      if (code === 'EADDRINUSE') throw new ListenError(`cannot listen on ${where}: ${where} is already in use (another broker? pick another --port)`)
      if (code === 'EACCES') throw new ListenError(`cannot listen on ${where}: permission denied`)
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ListenError(`cannot listen on ${where}: no such local address`)
      throw err
    }
    this.advertised = {
      host: config.advertisedHost ?? this.bound.host,
      port: config.advertisedPort ?? this.bound.port
    }
  }

  get config (): BrokerConfig { return this.core.config }
  get logger (): Logger { return this.core.logger }
  get clusterId (): string { return this.core.clusterId }
  get nodeId (): number { return this.core.nodeId }
  get closing (): boolean { return this.core.closing }

  async close (): Promise<void> {
    if (this.core.closing) return
    // parked fetches are woken first, so the listener's in-flight requests finish before storage closes
    this.core.beginClose()
    await this.server?.close()
    await this.core.close()
    this.core.logger.info('broker stopped')
  }
}

/** The Kafka front door's view of the core (see kafka/services.ts). */
function kafkaServices (core: Core, broker: Broker): KafkaServices {
  return {
    get config () { return core.config },
    get logger () { return core.logger },
    get nodeId () { return core.nodeId },
    get clusterId () { return core.clusterId },
    get closing () { return core.closing },
    get topics () { return core.topics },
    get producerIds () { return core.producerIds },
    get purgatory () { return core.purgatory },
    get readAhead () { return core.readAhead },
    get groups () {
      const groups = core.groups.current
      if (groups === null) throw new Error('the group coordinator is used before it was created')
      return groups
    },
    get transactions () { return core.transactions },
    deleteTopic: async (name) => await core.deleteTopic(name),
    checkTransactionPartition: async (...args) => await core.checkTransactionPartition(...args),
    appendTxnMarker: async (...args) => await appendTxnMarker(core, ...args),
    listener: {
      get advertised () { return broker.advertised },
      apis: () => broker.router.advertised()
    }
  }
}
