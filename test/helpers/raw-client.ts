// Test helper: a minimal Kafka client speaking the wire protocol through the generated codecs, for tests
// that need exact versions, raw bytes or malformed input that real clients never send.
import net from 'node:net'
import tls from 'node:tls'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { API_SPECS } from '../../src/protocol/generated/api-registry.js'
import { sizeRequestHeader, writeRequestHeader } from '../../src/protocol/generated/messages/request-header.js'
import { decodeResponseHeader } from '../../src/protocol/generated/messages/response-header.js'

interface Pending {
  apiKey: number
  version: number
  resolve: (v: any) => void
  reject: (e: Error) => void
}

export class RawClient {
  private nextCorrelationId = 1
  private readonly pending = new Map<number, Pending>()
  private buffered: Buffer = Buffer.alloc(0)
  readonly closed: Promise<void>
  /** The client id in every request header this client sends. */
  clientId: string | null = 'raw-test'

  private constructor (readonly socket: net.Socket) {
    socket.on('data', chunk => this.onData(chunk))
    this.closed = new Promise(resolve => socket.once('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('connection closed'))
      this.pending.clear()
      resolve()
    }))
    socket.on('error', () => {})
  }

  /** `localAddress`: the address to connect from (e.g. 127.0.0.2, for host-based ACLs). */
  static async connect (port: number, host = '127.0.0.1', opts: { localAddress?: string } = {}): Promise<RawClient> {
    const socket = net.connect({ port, host, localAddress: opts.localAddress })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawClient(socket)
  }

  /** Connects over TLS (an SSL or SASL_SSL listener); rejects when the handshake fails. */
  static async connectTls (port: number, options: tls.ConnectionOptions = {}, host = '127.0.0.1'): Promise<RawClient> {
    const socket = tls.connect({ port, host, ...options })
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve)
      socket.once('error', reject)
    })
    return new RawClient(socket)
  }

  /** Encodes a request frame (size prefix included). */
  static frame (apiKey: number, version: number, body: unknown, correlationId: number, clientId: string | null = 'raw-test'): Buffer {
    const spec = API_SPECS.get(apiKey)
    if (spec === undefined) throw new Error(`unknown api key ${apiKey}`)
    const hv = spec.requestHeaderVersion(version)
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId }
    const hs = sizeRequestHeader(hv, header)
    const bs = spec.sizeRequest(version, body)
    const w = new Writer(4 + hs + bs)
    w.int32(hs + bs)
    writeRequestHeader(w, hv, header)
    spec.writeRequest(w, version, body)
    return Buffer.concat(w.finish())
  }

  /** Sends one request and resolves with the decoded response body. */
  request<T = any> (apiKey: number, version: number, body: unknown): Promise<T> {
    const correlationId = this.nextCorrelationId++
    const frame = RawClient.frame(apiKey, version, body, correlationId, this.clientId)
    return new Promise<T>((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, version, resolve, reject })
      this.socket.write(frame)
    })
  }

  /** Sends a request that gets no response (Produce acks=0). */
  send (apiKey: number, version: number, body: unknown): void {
    this.socket.write(RawClient.frame(apiKey, version, body, this.nextCorrelationId++, this.clientId))
  }

  writeRaw (bytes: Buffer): void {
    this.socket.write(bytes)
  }

  close (): void {
    this.socket.destroy()
  }

  private onData (chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0)
      if (this.buffered.length < 4 + size) return
      const frame = this.buffered.subarray(4, 4 + size)
      this.buffered = this.buffered.subarray(4 + size)
      const correlationId = frame.readInt32BE(0)
      const p = this.pending.get(correlationId)
      if (p === undefined) continue
      this.pending.delete(correlationId)
      try {
        const spec = API_SPECS.get(p.apiKey)!
        const r = new Reader(frame, 0)
        decodeResponseHeader(r, spec.responseHeaderVersion(p.version))
        p.resolve(spec.decodeResponse(r, p.version))
      } catch (err) {
        p.reject(err as Error)
      }
    }
  }
}
