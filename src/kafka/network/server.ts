// One Kafka listener: accepts connections and hands each to a Connection bound to the broker's router and to
// this listener (its name, security protocol and advertised address). close() stops accepting, destroys open
// connections and resolves when the listener is closed.
import net from 'node:net'
import type { Logger } from '../../logger.js'
import { Connection, type RequestRouter } from './connection.js'
import type { ListenerEndpoint } from './session.js'
import type { SaslSettings } from './sasl-authenticator.js'

export interface SocketServerOptions {
  host: string
  port: number
  maxFrameBytes: number
  router: RequestRouter
  logger: Logger
  /** The listener its connections belong to (read when a connection opens). */
  listener: ListenerEndpoint
  /** SASL settings (used by SASL_* listeners only). */
  sasl?: SaslSettings
}

export class SocketServer {
  private readonly server: net.Server
  readonly connections = new Set<Connection>()

  constructor (private readonly opts: SocketServerOptions) {
    this.server = net.createServer({ noDelay: true }, socket => {
      const conn = new Connection(socket, opts.router, opts.logger, opts.maxFrameBytes, c => this.connections.delete(c), opts.listener, opts.sasl ?? null)
      this.connections.add(conn)
    })
  }

  /** Binds; resolves with the bound address (port 0 picks a free one). */
  listen (): Promise<{ host: string, port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.server.once('error', onError)
      this.server.listen({ host: this.opts.host, port: this.opts.port }, () => {
        this.server.off('error', onError)
        this.server.on('error', err => this.opts.logger.error({ err }, 'listener error'))
        const addr = this.server.address() as net.AddressInfo
        resolve({ host: addr.address, port: addr.port })
      })
    })
  }

  close (): Promise<void> {
    return new Promise(resolve => {
      this.server.close(() => resolve())
      for (const c of this.connections) c.close()
    })
  }
}
