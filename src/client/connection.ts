// One TCP connection to one Kafka broker: size-prefixed frames, correlation ids, in-flight requests matched
// by id in a Map (brokers answer in order, but matching by id is what the protocol promises), one timer per
// request, and the ApiVersions handshake that fixes the version of every later request.
//
//   request frame:  int32 size | request header (v1, or v2 for flexible versions) | body
//   response frame: int32 size | response header (v0, or v1 for flexible versions; ApiVersions always v0) | body
//
// Version negotiation (as the Java client and librdkafka do): ApiVersions is sent at our newest version;
// a broker that does not know it answers UNSUPPORTED_VERSION with a v0 body listing its own range, and we
// retry at min(ours, theirs). Afterwards every API is spoken at min(our max, the broker's max), and an API
// the broker does not list, or whose ranges do not overlap, is an UnsupportedApiError naming both ranges.
//
// A timed-out request destroys the connection (the stream position is no longer trustworthy), as Kafka
// clients do; every other in-flight request then fails with ConnectionClosedError and the cluster layer
// opens a new connection on next use.
import net from 'node:net'
import { createRequire } from 'node:module'
import { Reader } from '../protocol/primitives/reader.js'
import { API_INFO } from '../protocol/generated/api-keys.js'
import { encodeRequestHeader } from '../protocol/generated/messages/request-header.js'
import { decodeResponseHeader } from '../protocol/generated/messages/response-header.js'
import { decodeApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.js'
import { ErrorCode } from '../protocol/errors.js'
import { ApiVersions, type Api } from './apis.js'
import { ConnectionClosedError, KafkaClientError, KafkaProtocolError, UnsupportedApiError } from './errors.js'

const SOFTWARE_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

export interface ConnectionOptions {
  clientId?: string
  /** Per attempt (default 5000 ms). */
  connectTimeoutMs?: number
  /** Default request timeout (default 30000 ms); a request may give its own. */
  requestTimeoutMs?: number
}

export interface VersionRange { min: number; max: number }

interface Pending {
  name: string
  headerVersion: number
  decode: (r: Reader) => unknown
  resolve: (v: any) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/** Opens a socket, rejecting with an Error whose `code` is the system error (ECONNREFUSED, ETIMEDOUT...). */
export function connectSocket (host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })
      socket.destroy()
      reject(err)
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', err => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

export class Connection {
  readonly address: string
  private readonly clientId: string
  private readonly requestTimeoutMs: number
  private readonly pending = new Map<number, Pending>()
  private nextCorrelationId = 1
  private readonly chunks: Buffer[] = []
  private buffered = 0
  private frameSize = -1
  private versions: Map<number, VersionRange> = new Map()
  private lastError: string | null = null
  closed = false

  private constructor (private readonly socket: net.Socket, readonly host: string, readonly port: number, opts: ConnectionOptions) {
    this.address = `${host}:${port}`
    this.clientId = opts.clientId ?? 'samsa-cli'
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000
    socket.setNoDelay(true)
    socket.on('data', chunk => this.onData(chunk))
    socket.on('error', err => { this.lastError = (err as NodeJS.ErrnoException).code ?? err.message })
    socket.on('close', () => this.failAll(`connection to ${this.address} closed${this.lastError === null ? '' : `: ${this.lastError}`}`))
  }

  /** Connects (one attempt) and negotiates API versions. */
  static async open (host: string, port: number, opts: ConnectionOptions = {}): Promise<Connection> {
    const socket = await connectSocket(host, port, opts.connectTimeoutMs ?? 5000)
    const conn = new Connection(socket, host, port, opts)
    try {
      await conn.negotiate()
    } catch (err) {
      conn.close()
      throw err
    }
    return conn
  }

  /** The broker's advertised range for an API key, or undefined when it does not serve it. */
  brokerRange (apiKey: number): VersionRange | undefined {
    return this.versions.get(apiKey)
  }

  supports (api: Api<any, any>): boolean {
    const theirs = this.versions.get(api.key)
    return theirs !== undefined && Math.min(api.maxVersion, theirs.max) >= Math.max(api.minVersion, theirs.min)
  }

  /** min(our max, the broker's max), checked against both minimums. */
  version (api: Api<any, any>): number {
    const theirs = this.versions.get(api.key)
    if (theirs === undefined) throw new UnsupportedApiError(this.address, api.key, api.name, ': not listed in its ApiVersions')
    const v = Math.min(api.maxVersion, theirs.max)
    if (v < Math.max(api.minVersion, theirs.min)) {
      throw new UnsupportedApiError(this.address, api.key, api.name, `: it serves v${theirs.min}-${theirs.max}, this client v${api.minVersion}-${api.maxVersion}`)
    }
    return v
  }

  /** Sends `req` at the negotiated version (or `opts.version`) and resolves with the decoded response. */
  request<Req, Res> (api: Api<Req, Res>, req: Req, opts: { version?: number, timeoutMs?: number } = {}): Promise<Res> {
    const version = opts.version ?? this.version(api)
    return this.send(api, version, req, r => api.decode(r, version), opts.timeoutMs)
  }

  /** Sends a request that gets no response (Produce with acks=0). Resolves once the bytes are handed to the socket. */
  fireAndForget<Req> (api: Api<Req, unknown>, req: Req): Promise<void> {
    const version = this.version(api)
    if (this.closed) return Promise.reject(new ConnectionClosedError(`connection to ${this.address} is closed`))
    const frame = this.frame(api, version, req, this.nextCorrelationId++)
    return new Promise((resolve, reject) => this.socket.write(frame, err => err === undefined || err === null ? resolve() : reject(err)))
  }

  close (): void {
    if (!this.closed) this.socket.destroy()
    this.closed = true
  }

  private async negotiate (): Promise<void> {
    let version = ApiVersions.maxVersion
    for (let attempt = 0; attempt < 2; attempt++) {
      const req = { clientSoftwareName: 'samsa-cli', clientSoftwareVersion: SOFTWARE_VERSION }
      const v = version
      const res = await this.send(ApiVersions, v, req, r => {
        // An UNSUPPORTED_VERSION answer carries a v0 body (KIP-511), whatever version we asked for.
        const code = r.buf.readInt16BE(r.offset)
        return decodeApiVersionsResponse(r, code === ErrorCode.UNSUPPORTED_VERSION ? 0 : v)
      })
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        const theirs = res.apiKeys.find(k => k.apiKey === ApiVersions.key)
        version = Math.min(ApiVersions.maxVersion, theirs?.maxVersion ?? 0)
        continue
      }
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `ApiVersions v${v} to ${this.address}`)
      this.versions = rangesOf(res)
      return
    }
  }

  private frame (api: Api<any, any>, version: number, req: unknown, correlationId: number): Buffer {
    const info = API_INFO.get(api.key)
    if (info === undefined) throw new KafkaClientError(`no API info for key ${api.key}`)
    const header = encodeRequestHeader(info.requestHeaderVersion(version), {
      requestApiKey: api.key, requestApiVersion: version, correlationId, clientId: this.clientId
    })
    const body = api.encode(version, req)
    const size = Buffer.allocUnsafe(4)
    size.writeInt32BE(header.length + body.length, 0)
    return Buffer.concat([size, header, body], 4 + header.length + body.length)
  }

  private send<T> (api: Api<any, any>, version: number, req: unknown, decode: (r: Reader) => T, timeoutMs?: number): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(`connection to ${this.address} is closed`))
    const correlationId = this.nextCorrelationId++
    const frame = this.frame(api, version, req, correlationId)
    const info = API_INFO.get(api.key)!
    const ms = timeoutMs ?? this.requestTimeoutMs
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId)
        reject(new ConnectionClosedError(`${api.name} v${version} request to ${this.address} timed out after ${ms} ms`))
        this.close()
      }, ms)
      this.pending.set(correlationId, { name: `${api.name} v${version}`, headerVersion: info.responseHeaderVersion(version), decode, resolve, reject, timer })
      this.socket.write(frame)
    })
  }

  private failAll (message: string): void {
    this.closed = true
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(new ConnectionClosedError(`${message} (${p.name} in flight)`))
    }
    this.pending.clear()
  }

  /** Removes and returns the first `n` buffered bytes (a view when they sit in one chunk). */
  private take (n: number): Buffer {
    const first = this.chunks[0]!
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let at = 0
      while (at < n) {
        const c = this.chunks[0]!
        const k = Math.min(c.length, n - at)
        c.copy(out, at, 0, k)
        at += k
        if (k === c.length) this.chunks.shift()
        else this.chunks[0] = c.subarray(k)
      }
    }
    this.buffered -= n
    return out
  }

  private onData (chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) return
        this.frameSize = this.take(4).readInt32BE(0)
      }
      if (this.buffered < this.frameSize) return
      const frame = this.take(this.frameSize)
      this.frameSize = -1
      this.onFrame(frame)
    }
  }

  private onFrame (frame: Buffer): void {
    if (frame.length < 4) return
    const correlationId = frame.readInt32BE(0)
    const p = this.pending.get(correlationId)
    if (p === undefined) return // a request that timed out
    this.pending.delete(correlationId)
    clearTimeout(p.timer)
    try {
      const r = new Reader(frame, 0)
      decodeResponseHeader(r, p.headerVersion)
      p.resolve(p.decode(r))
    } catch (err) {
      p.reject(new KafkaClientError(`cannot decode the ${p.name} response from ${this.address}: ${(err as Error).message}`))
    }
  }
}

function rangesOf (res: ApiVersionsResponse): Map<number, VersionRange> {
  const m = new Map<number, VersionRange>()
  for (const k of res.apiKeys) m.set(k.apiKey, { min: k.minVersion, max: k.maxVersion })
  return m
}
