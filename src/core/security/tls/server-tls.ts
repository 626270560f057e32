// The TLS side of one listener, protocol-neutral (the Kafka, AMQP and HTTP front doors share it): the Node
// SecureContext options built from Kafka's ssl.* settings of that listener, the client-certificate policy
// (ssl.client.auth), the principal of a client certificate (its DN mapped by ssl.principal.mapping.rules), and
// reloading without a restart.
//
// Reload: the keystore and truststore files are re-read every `intervalMs` (ssl.reload.interval.ms, default
// 10 s; the files are small and read synchronously); when their bytes change the context is rebuilt and every
// onReload subscriber gets the new options (the listener calls tls.Server.setSecureContext: new handshakes use
// it, open connections keep theirs). A rebuild that fails (a half-written file, a key that does not match the new
// certificate) keeps the old context and logs one ERROR naming the file and the reason; the same broken contents
// are not reported again. reload() re-reads at once (Broker.reloadTls()).
//
// Invariant: `options` always holds a context that createSecureContext accepted.
import fs from 'node:fs'
import crypto from 'node:crypto'
import tls from 'node:tls'
import type { Logger } from '../../../logger.js'
import { TlsConfigError } from './errors.js'
import { loadKeystore, type ConfigLookup, type FileReader, type KeyMaterial } from './keystore.js'
import { loadTruststore } from './truststore.js'
import { tlsParameters } from './protocols.js'
import { SslPrincipalMapper } from './principal-mapper.js'
import { subjectDistinguishedName } from './distinguished-name.js'

export type ClientAuth = 'none' | 'requested' | 'required'

/** Handshakes not finished in this time are dropped (Node's handshakeTimeout). */
export const HANDSHAKE_TIMEOUT_MS = 10_000

export interface ServerTlsOptions {
  /** The listener's value of a config key (config.forListener bound to the listener). */
  get: ConfigLookup
  /** The listener name, for messages. */
  listener: string
  logger: Logger
  /** Reads a key-store file (default fs.readFileSync), for tests. */
  read?: FileReader
}

interface Built {
  options: tls.SecureContextOptions
  context: tls.SecureContext
  /** Watched file -> its bytes when built. */
  files: Map<string, Buffer>
}

export class ServerTls {
  readonly clientAuth: ClientAuth
  readonly mapper: SslPrincipalMapper
  private built: Built
  private readonly subscribers: Array<(options: tls.SecureContextOptions) => void> = []
  private timer: NodeJS.Timeout | null = null
  private lastFailure: string | null = null
  private readonly read: FileReader

  /** Builds the listener's TLS; throws TlsConfigError naming the key and the file. */
  constructor (private readonly opts: ServerTlsOptions) {
    this.read = opts.read ?? (p => fs.readFileSync(p))
    const auth = (opts.get('ssl.client.auth') ?? 'none').toLowerCase()
    if (auth !== 'none' && auth !== 'requested' && auth !== 'required') {
      throw new TlsConfigError(`ssl.client.auth=${auth} for listener ${opts.listener}: none, requested or required`)
    }
    this.clientAuth = auth
    try {
      this.mapper = new SslPrincipalMapper(opts.get('ssl.principal.mapping.rules'))
    } catch (err) {
      throw new TlsConfigError(`ssl.principal.mapping.rules for listener ${opts.listener}: ${(err as Error).message}`)
    }
    this.built = this.build()
  }

  /** The current SecureContext options (for tls.createServer and setSecureContext). */
  get options (): tls.SecureContextOptions {
    return this.built.options
  }

  get context (): tls.SecureContext {
    return this.built.context
  }

  /** Options for tls.createServer: the context plus the client-certificate policy and handshake timeout. */
  serverOptions (): tls.TlsOptions {
    return {
      ...this.built.options,
      requestCert: this.clientAuth !== 'none',
      rejectUnauthorized: this.clientAuth === 'required',
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS
    }
  }

  /** Runs `fn` with the new options after every successful rebuild. */
  onReload (fn: (options: tls.SecureContextOptions) => void): void {
    this.subscribers.push(fn)
  }

  /**
   * Checks a finished handshake's client certificate: null when the connection may proceed, else why not
   * (ssl.client.auth=requested: a certificate is optional, but one that was sent must verify).
   */
  refusal (socket: tls.TLSSocket): string | null {
    if (this.clientAuth === 'none') return null
    const cert = socket.getPeerCertificate()
    const sent = cert !== null && cert.raw !== undefined && Object.keys(cert).length > 0
    if (!sent) return this.clientAuth === 'required' ? 'no client certificate (ssl.client.auth=required)' : null
    if (!socket.authorized) return `client certificate not trusted: ${String(socket.authorizationError)}`
    return null
  }

  /** The mapped principal name of a verified client, or null without a client certificate. */
  principalName (socket: tls.TLSSocket): string | null {
    if (this.clientAuth === 'none' || !socket.authorized) return null
    const cert = socket.getPeerCertificate()
    if (cert === null || cert.raw === undefined) return null
    return this.mapper.name(subjectDistinguishedName(cert.raw))
  }

  /** Re-reads the key material now; true when the context changed. A failure is logged and thrown. */
  reload (): boolean {
    const before = this.fingerprint(this.built.files)
    let next: Built
    try {
      next = this.build()
    } catch (err) {
      this.reportFailure(err as Error, true)
      throw err
    }
    this.lastFailure = null
    if (this.fingerprint(next.files) === before) return false
    this.install(next)
    return true
  }

  /** Polls the files; rebuilds when their bytes changed. */
  check (): void {
    let changed = false
    for (const [file, bytes] of this.built.files) {
      let now: Buffer
      try {
        now = this.read(file)
      } catch {
        changed = true
        break
      }
      if (!now.equals(bytes)) { changed = true; break }
    }
    if (!changed) return
    let next: Built
    try {
      next = this.build()
    } catch (err) {
      this.reportFailure(err as Error, false)
      return
    }
    this.lastFailure = null
    this.install(next)
  }

  /** Starts polling the key-store files every `intervalMs` (0: never). */
  watch (intervalMs: number): void {
    this.stop()
    if (intervalMs <= 0 || this.built.files.size === 0) return
    this.timer = setInterval(() => this.check(), intervalMs)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private install (next: Built): void {
    this.built = next
    this.opts.logger.info({ listener: this.opts.listener, files: [...next.files.keys()] }, 'TLS key material reloaded')
    for (const fn of this.subscribers) fn(next.options)
  }

  private reportFailure (err: Error, always: boolean): void {
    const key = err.message
    if (!always && key === this.lastFailure) return
    this.lastFailure = key
    this.opts.logger.error({ listener: this.opts.listener, err: err.message }, `TLS reload failed, keeping the previous certificate: ${err.message}`)
  }

  private fingerprint (files: Map<string, Buffer>): string {
    const h = crypto.createHash('sha256')
    for (const [f, b] of files) h.update(f).update('\0').update(b)
    return h.digest('hex')
  }

  private build (): Built {
    const { get, listener } = this.opts
    const files = new Map<string, Buffer>()
    const read: FileReader = p => {
      const b = this.read(p)
      files.set(p, b)
      return b
    }
    let key: KeyMaterial
    let options: tls.SecureContextOptions
    try {
      key = loadKeystore(get, read)
      const trust = this.clientAuth === 'none' ? null : loadTruststore(get, read)
      options = {
        ...key.options,
        ...tlsParameters(get('ssl.enabled.protocols'), get('ssl.cipher.suites')),
        ca: trust?.ca
      }
    } catch (err) {
      if (err instanceof TlsConfigError) throw new TlsConfigError(`listener ${listener}: ${err.message}`)
      throw err
    }
    if (options.ciphers === undefined) delete options.ciphers
    if (options.ca === undefined) delete options.ca
    let context: tls.SecureContext
    try {
      context = tls.createSecureContext(options)
    } catch (err) {
      throw new TlsConfigError(`listener ${listener}: ${explain((err as Error).message, key.source, options.ciphers)}`)
    }
    return { options, context, files }
  }
}

/** OpenSSL's message for a bad context, said in the config's terms. */
function explain (message: string, source: string, ciphers: string | undefined): string {
  if (/key values mismatch/i.test(message)) return `${source}: the private key does not match the certificate`
  if (/mac verify failure|invalid password/i.test(message)) return `${source}: ssl.keystore.password does not open the PKCS12 keystore`
  if (/bad decrypt/i.test(message)) return `${source}: ssl.key.password does not decrypt the private key`
  if (/no cipher match|cipher/i.test(message)) return `ssl.cipher.suites ${ciphers ?? ''}: no usable cipher suite (${message})`
  if (/unsupported/i.test(message) && source.includes('ssl.keystore.location')) return `${source}: the PKCS12 file uses an algorithm OpenSSL 3 does not support by default (re-export it with AES-256): ${message}`
  return `${source}: ${message}`
}
