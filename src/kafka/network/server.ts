// One Kafka listener: accepts connections and hands each to a Connection bound to the broker's router and to
// this listener (its name, security protocol and advertised address). close() stops accepting, destroys open
// connections and resolves when the listener is closed.
//
// TLS (SSL and SASL_SSL listeners, `tls` set): a tls.Server with the listener's ServerTls options; a connection
// starts after its handshake (unfinished after 10 s: dropped). On an SSL listener the principal of a client with
// a verified certificate is User:<its DN mapped by ssl.principal.mapping.rules>, set on the Session before the
// first request is read; on SASL_SSL the principal is left for SASL. A failed handshake (plaintext or garbage
// on the TLS port, an untrusted or missing client certificate) logs one WARN naming the listener and the remote
// address and closes that socket only. setSecureContext() swaps the certificate on a reload: new handshakes use
// it, open connections keep theirs.
//
// PLAINTEXT listeners: a client that starts with a TLS record (0x16 0x03: a ClientHello) is told nothing and
// closed, with one WARN naming the listener; the first chunk is peeked before the Connection exists.
//
// Limits (network-limits.ts, shared by every listener of the broker): each accepted TCP socket is counted by
// ConnectionQuotas (max.connections, max.connections.per.ip[.overrides]) until it closes; over a limit it is
// closed at once, with a WARN rate-limited by warn-limiter.ts. A plaintext socket that sends nothing is closed
// after connections.max.idle.ms; a TLS one after the 10 s handshake limit. Every open Connection is swept by
// the ConnectionReaper (idle time, partial frame deadline) every reaper.intervalMs.
import net from 'node:net'
import tls from 'node:tls'
import type { Logger } from '../../logger.js'
import { Connection, type RequestRouter } from './connection.js'
import type { ListenerEndpoint } from './session.js'
import { clientWarnings } from './warn-limiter.js'
import { userPrincipal } from '../../core/security/principal.js'
import type { ServerTls } from '../../core/security/tls/server-tls.js'
import type { SaslSettings } from './sasl-authenticator.js'
import { defaultNetworkLimits, type NetworkLimits } from './network-limits.js'

export interface SocketServerOptions {
  host: string
  port: number
  maxFrameBytes: number
  router: RequestRouter
  logger: Logger
  /** The listener its connections belong to (read when a connection opens). */
  listener: ListenerEndpoint
  /** TLS of an SSL or SASL_SSL listener. */
  tls?: ServerTls
  /** SASL settings (used by SASL_* listeners only). */
  sasl?: SaslSettings
  /** Memory, connection and time bounds shared by the broker's listeners (default: Kafka's defaults, Samsa's pools). */
  limits?: NetworkLimits
}

export class SocketServer {
  private readonly server: net.Server
  readonly connections = new Set<Connection>()
  /** Sockets accepted but not yet a Connection (handshaking, or before their first bytes). */
  private readonly pending = new Set<net.Socket>()
  /** The client address of each accepted TCP socket (a failed TLS socket no longer knows it). */
  private readonly remotes = new WeakMap<net.Socket, string>()
  readonly limits: NetworkLimits
  private sweepTimer: NodeJS.Timeout | null = null

  constructor (private readonly opts: SocketServerOptions) {
    this.limits = opts.limits ?? defaultNetworkLimits()
    const serverTls = opts.tls
    if (serverTls === undefined) {
      this.server = net.createServer({ noDelay: true }, socket => {
        if (this.admit(socket)) this.acceptPlaintext(socket)
      })
    } else {
      const server = tls.createServer(serverTls.serverOptions(), socket => this.acceptTls(socket, serverTls))
      server.on('connection', (socket: net.Socket) => {
        if (!this.admit(socket)) return
        this.pending.add(socket)
        this.remotes.set(socket, remoteOf(socket))
        socket.once('close', () => this.pending.delete(socket))
      })
      server.on('tlsClientError', (err, socket) => {
        // Node destroys a socket whose client certificate does not verify (ssl.client.auth=required) and reports
        // only "socket hang up": the verification error is on the socket
        const untrusted = socket.authorizationError
        const reason = untrusted !== undefined && untrusted !== null ? `client certificate not trusted (${String(untrusted)})` : err.message.trim()
        const remote = this.remoteOfTls(socket)
        const code = (err as NodeJS.ErrnoException).code
        if ((untrusted === undefined || untrusted === null) && (code === 'ECONNRESET' || err.message.trim() === 'socket hang up')) {
          // the client went away mid-handshake (a probe, or a TLS 1.3 client closing before its Finished was read):
          // nothing was refused, so no WARN (a scanner or health check would flood the log)
          opts.logger.debug({ remote }, `client closed the connection during the TLS handshake on listener ${opts.listener.name}`)
        } else {
          const msg = `TLS handshake failed on listener ${opts.listener.name} from ${remote}: ${reason}`
          const d = clientWarnings.decide(msg)
          if (d.log) opts.logger.warn({ remote, err: reason, ...(d.suppressed > 0 ? { suppressed: d.suppressed } : {}) }, d.suppressed > 0 ? `${msg} (${d.suppressed} similar lines suppressed)` : msg)
        }
        socket.destroy()
      })
      serverTls.onReload(options => server.setSecureContext(options))
      this.server = server
    }
  }

  private remoteOfTls (socket: tls.TLSSocket): string {
    if (socket.remoteAddress !== undefined) return remoteOf(socket)
    const parent = (socket as unknown as { _parent?: net.Socket })._parent
    return (parent !== undefined ? this.remotes.get(parent) : undefined) ?? '?'
  }

  /** Counts a new TCP socket against the connection limits; over one, closes it at once (false). */
  private admit (socket: net.Socket): boolean {
    const ip = socket.remoteAddress ?? '?'
    const refusal = this.limits.quotas.tryAcquire(ip)
    if (refusal !== null) {
      const msg = `connection from ${remoteOf(socket)} refused on listener ${this.opts.listener.name}: ${refusal}`
      const d = clientWarnings.decide(msg)
      if (d.log) this.opts.logger.warn({ remote: remoteOf(socket), ...(d.suppressed > 0 ? { suppressed: d.suppressed } : {}) }, d.suppressed > 0 ? `${msg} (${d.suppressed} similar lines suppressed)` : msg)
      socket.on('error', () => {})
      socket.destroy()
      return false
    }
    socket.once('close', () => this.limits.quotas.release(ip))
    return true
  }

  private open (socket: net.Socket): Connection {
    const conn = new Connection(socket, this.opts.router, this.opts.logger, this.opts.maxFrameBytes, c => this.connections.delete(c), this.opts.listener, this.opts.sasl ?? null, this.limits)
    this.connections.add(conn)
    return conn
  }

  private acceptPlaintext (socket: net.Socket): void {
    this.pending.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => this.pending.delete(socket))
    // a client that connects and sends nothing is idle from the start
    const idle = (): void => { socket.destroy() }
    socket.setTimeout(this.limits.reaper.idleMs, idle)
    socket.once('data', (chunk: Buffer) => {
      this.pending.delete(socket)
      socket.setTimeout(0)
      socket.off('timeout', idle)
      socket.pause()
      if (chunk[0] === 0x16 && (chunk.length < 2 || chunk[1] === 0x03)) {
        this.opts.logger.warn({ remote: remoteOf(socket) },
          `TLS handshake on PLAINTEXT listener ${this.opts.listener.name} from ${remoteOf(socket)}: closing (the client is configured for SSL; use an SSL listener or security.protocol=PLAINTEXT)`)
        socket.destroy()
        return
      }
      this.open(socket)
      socket.unshift(chunk)
      socket.resume()
    })
  }

  private acceptTls (socket: tls.TLSSocket, serverTls: ServerTls): void {
    const listener = this.opts.listener
    const refusal = serverTls.refusal(socket)
    if (refusal !== null) {
      this.opts.logger.warn({ remote: remoteOf(socket) }, `TLS client refused on listener ${listener.name} from ${remoteOf(socket)}: ${refusal}`)
      socket.destroy()
      return
    }
    let name: string | null = null
    if (listener.securityProtocol === 'SSL') {
      try {
        name = serverTls.principalName(socket)
      } catch (err) {
        this.opts.logger.warn({ remote: remoteOf(socket) }, `TLS client refused on listener ${listener.name} from ${remoteOf(socket)}: ${(err as Error).message}`)
        socket.destroy()
        return
      }
    }
    const conn = this.open(socket)
    if (name !== null) conn.session.principal = userPrincipal(name)
  }

  /** Binds; resolves with the bound address (port 0 picks a free one). */
  listen (): Promise<{ host: string, port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.server.once('error', onError)
      this.server.listen({ host: this.opts.host, port: this.opts.port }, () => {
        this.server.off('error', onError)
        this.server.on('error', err => this.opts.logger.error({ err }, 'listener error'))
        this.sweepTimer = setInterval(() => this.sweep(), this.limits.reaper.intervalMs)
        this.sweepTimer.unref()
        const addr = this.server.address() as net.AddressInfo
        resolve({ host: addr.address, port: addr.port })
      })
    })
  }

  /** Closes the connections over a time limit (connections.max.idle.ms, request.read.timeout.ms). */
  private sweep (): void {
    this.limits.reaper.sweep(this.connections, this.limits.now(), (c, reason) => c.close(reason))
  }

  close (): Promise<void> {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    return new Promise(resolve => {
      this.server.close(() => resolve())
      for (const s of this.pending) s.destroy()
      for (const c of this.connections) c.close()
    })
  }
}

function remoteOf (socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
}
