// The broker: the protocol-neutral core (core/core.ts) behind its front doors (today the Kafka listeners).
// It builds each front door's view of the core and owns the listeners (one per entry of `listeners`, each
// with its security protocol and advertised address). start() order: core (data dir, cluster identity,
// storage with recovery), listeners, then the core's background loads. close() order: stop accepting, then
// the core (wakes parked fetches, closes coordinators, flushes storage, clean-shutdown marker).
import type { Logger } from './logger.js'
import { numberConfig, type BrokerConfig } from './config/broker-config.js'
import { Core } from './core/core.js'
import { SocketServer } from './kafka/network/server.js'
import type { Connection } from './kafka/network/connection.js'
import { EAGER_HANDLERS, LAZY_HANDLERS } from './kafka/handlers/index.js'
import { Router } from './kafka/router.js'
import type { KafkaServices } from './kafka/services.js'
import { appendTxnMarker } from './core/transactions/markers.js'
import type { ListenerConfig, SecurityProtocol } from './config/listeners.js'
import { usesTls, type ListenerEndpoint } from './kafka/network/session.js'
import { ServerTls } from './core/security/tls/server-tls.js'
import { networkLimitsFrom, type NetworkLimits } from './kafka/network/network-limits.js'
import { parseIpOverrides } from './kafka/network/connection-quotas.js'

/** The listener could not bind; the message says where and why. */
export class ListenError extends Error {
  override name = 'ListenError'
}

/** A bound listener: its name, protocol, bound address and the address its clients are told. */
export interface BoundListener {
  name: string
  securityProtocol: SecurityProtocol
  host: string
  port: number
  advertised: { host: string, port: number }
}

export class Broker {
  readonly router: Router
  /** Every bound listener, in the order of `listeners`. */
  readonly listeners: BoundListener[] = []
  private readonly servers: SocketServer[] = []
  /** The network bounds every listener shares (connections, request pool, queued responses, time). */
  readonly networkLimits: NetworkLimits

  private constructor (readonly core: Core, private readonly tls: Map<string, ServerTls>) {
    this.networkLimits = networkLimitsFrom(core.config, core.fetchMemory)
    this.router = new Router(kafkaServices(core, this), EAGER_HANDLERS, LAZY_HANDLERS, async () => await core.groups.get())
  }

  static async start (config: BrokerConfig, logger: Logger): Promise<Broker> {
    const started = performance.now()
    // TLS key material is read before the data directory is opened: a bad keystore fails the start cleanly
    const tls = loadListenerTls(config, logger)
    parseIpOverrides(config.get('max.connections.per.ip.overrides') ?? '') // a bad value fails the start cleanly
    const core = await Core.open(config, logger)
    const b = new Broker(core, tls)
    await b.listen()
    const interval = numberConfig(config, 'ssl.reload.interval.ms')
    for (const t of tls.values()) t.watch(interval)
    logger.info({
      listeners: b.listeners.map(l => `${l.name}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`),
      dataDir: config.dataDir,
      fsync: config.fsync,
      cleanStart: core.topics.logs.cleanStart,
      topics: core.topics.logs.topics().length,
      startMs: Math.round(performance.now() - started)
    }, 'broker started')
    if (config.ignoredListeners.length > 0) {
      logger.info({ listeners: config.ignoredListeners }, 'controller listeners are not bound: one node has no controller quorum')
    }
    const open = b.listeners.filter(l => l.securityProtocol === 'PLAINTEXT' && !isLoopback(l.host))
    if (open.length > 0 && (config.get('authorizer.class.name') ?? '') === '') {
      logger.warn({ listeners: open.map(l => `${l.name}://${l.host}:${l.port}`) },
        `SECURITY: ${open.map(l => `${l.host}:${l.port}`).join(', ')} accepts unauthenticated PLAINTEXT connections from the network and no authorizer is set: any client can read, write and delete every topic. Bind 127.0.0.1, use SSL/SASL listeners, or set authorizer.class.name`)
    }
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

  /** The first listener's bound address. */
  get bound (): { host: string, port: number } {
    return { host: this.listeners[0].host, port: this.listeners[0].port }
  }

  /** Where the first listener's clients are told to connect. */
  get advertised (): { host: string, port: number } {
    return this.listeners[0].advertised
  }

  /** Binds every listener; if one cannot bind, closes those bound and the core, and throws ListenError. */
  private async listen (): Promise<void> {
    for (const l of this.core.config.listeners) {
      try {
        await this.bindListener(l)
      } catch (err) {
        await Promise.all(this.servers.map(async s => await s.close()))
        await this.core.close()
        throw listenError(l, err)
      }
    }
  }

  private async bindListener (l: ListenerConfig): Promise<void> {
    const bound: BoundListener = { name: l.name, securityProtocol: l.securityProtocol, host: l.host, port: l.port, advertised: { host: '', port: 0 } }
    const endpoint: ListenerEndpoint = {
      name: l.name,
      securityProtocol: l.securityProtocol,
      get advertised () { return bound.advertised }
    }
    const server = new SocketServer({
      host: l.host,
      port: l.port,
      maxFrameBytes: this.core.config.socketRequestMaxBytes,
      router: this.router,
      logger: this.core.logger.child({ component: 'network', listener: l.name }),
      listener: endpoint,
      tls: this.tls.get(l.name),
      limits: this.networkLimits,
      sasl: {
        mechanisms: this.core.sasl,
        reauthMs: numberConfig({ get: k => this.core.config.forListener(l.name, k) }, 'connections.max.reauth.ms'),
        failedDelayMs: numberConfig(this.core.config, 'connection.failed.authentication.delay.ms'),
        maxReceiveSize: numberConfig({ get: k => this.core.config.forListener(l.name, k) }, 'sasl.server.max.receive.size')
      }
    })
    const addr = await server.listen()
    this.servers.push(server)
    bound.host = addr.host
    bound.port = addr.port
    bound.advertised = l.advertised ?? { host: addr.host, port: addr.port }
    this.listeners.push(bound)
  }

  get config (): BrokerConfig { return this.core.config }
  get logger (): Logger { return this.core.logger }
  get clusterId (): string { return this.core.clusterId }
  get nodeId (): number { return this.core.nodeId }
  get closing (): boolean { return this.core.closing }

  /** Every open client connection of every listener (their sessions: listener, client host, principal). */
  * connections (): Iterable<Connection> {
    for (const s of this.servers) yield * s.connections
  }

  /**
   * Re-reads every TLS listener's keystore and truststore now (they are also polled every
   * ssl.reload.interval.ms). New connections get the new certificate, open ones keep theirs. Per listener:
   * whether the material changed, or why it could not be loaded (the old material stays).
   */
  reloadTls (): Array<{ listener: string, changed: boolean, error?: string }> {
    const out: Array<{ listener: string, changed: boolean, error?: string }> = []
    for (const [listener, t] of this.tls) {
      try {
        out.push({ listener, changed: t.reload() })
      } catch (err) {
        out.push({ listener, changed: false, error: (err as Error).message })
      }
    }
    return out
  }

  async close (): Promise<void> {
    if (this.core.closing) return
    for (const t of this.tls.values()) t.stop()
    // parked fetches are woken first, so the listener's in-flight requests finish before storage closes
    this.core.beginClose()
    await Promise.all(this.servers.map(async s => await s.close()))
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
    get quotas () { return core.quotas },
    get authorizer () { return core.authorizer },
    deleteTopic: async (name) => await core.deleteTopic(name),
    checkTransactionPartition: async (...args) => await core.checkTransactionPartition(...args),
    appendTxnMarker: async (...args) => await appendTxnMarker(core, ...args),
    listener: {
      apis: () => broker.router.advertised()
    },
    get scramCredentials () { return core.sasl.credentials }
  }
}

/** The TLS of every SSL/SASL_SSL listener, by listener name; throws TlsConfigError (a ConfigError). */
function loadListenerTls (config: BrokerConfig, logger: Logger): Map<string, ServerTls> {
  const out = new Map<string, ServerTls>()
  for (const l of config.listeners) {
    if (!usesTls(l.securityProtocol)) continue
    out.set(l.name, new ServerTls({
      get: key => config.forListener(l.name, key),
      listener: l.name,
      logger: logger.child({ component: 'tls', listener: l.name })
    }))
  }
  return out
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1'
}

function listenError (l: ListenerConfig, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code
  const where = `${l.host}:${l.port}`
  if (code === 'EADDRINUSE') return new ListenError(`cannot listen on ${where} (listener ${l.name}): ${where} is already in use (another broker? pick another --port)`)
  if (code === 'EACCES') return new ListenError(`cannot listen on ${where} (listener ${l.name}): permission denied`)
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new ListenError(`cannot listen on ${where} (listener ${l.name}): no such local address`)
  return err as Error
}
