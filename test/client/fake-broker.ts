// Test helper (not a test file): a scriptable fake Kafka broker on loopback, speaking the wire protocol through
// the generated codecs, for client behaviour a single Samsa node cannot show: metadata naming other brokers
// as partition leaders and group coordinators, an older ApiVersions (KIP-511 fallback), APIs missing from
// ApiVersions, late or reordered answers. ApiVersions is answered from the handler table; every request is
// recorded in `received`.
import net from 'node:net'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { API_SPECS } from '../../src/protocol/generated/api-registry.js'
import { decodeRequestHeader } from '../../src/protocol/generated/messages/request-header.js'
import { sizeResponseHeader, writeResponseHeader } from '../../src/protocol/generated/messages/response-header.js'

export interface FakeHandler {
  min?: number
  max?: number
  /** The response body; undefined: never answer. */
  handle: (version: number, body: any) => unknown
  /** Answer after this many ms (answers may then overtake each other). */
  delayMs?: number
}

export interface FakeOptions {
  /** Highest ApiVersions version served; a higher request gets UNSUPPORTED_VERSION with a v0 body. */
  apiVersionsMax?: number
}

export class FakeBroker {
  readonly received: Array<{ apiKey: number, version: number, body: any }> = []
  private readonly sockets = new Set<net.Socket>()

  private constructor (private readonly server: net.Server, readonly port: number, readonly handlers: Map<number, FakeHandler>, private readonly opts: FakeOptions) {}

  get address (): string { return `127.0.0.1:${this.port}` }

  static async start (handlers: Map<number, FakeHandler>, opts: FakeOptions = {}): Promise<FakeBroker> {
    let fake: FakeBroker | null = null
    const server = net.createServer(s => fake!.serve(s))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    fake = new FakeBroker(server, (server.address() as net.AddressInfo).port, handlers, opts)
    return fake
  }

  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  private serve (socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    socket.on('data', chunk => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0))
        buf = buf.subarray(4 + frame.length)
        this.onRequest(socket, frame)
      }
    })
  }

  private onRequest (socket: net.Socket, frame: Buffer): void {
    const apiKey = frame.readInt16BE(0)
    const version = frame.readInt16BE(2)
    const spec = API_SPECS.get(apiKey)!
    const r = new Reader(frame)
    const header = decodeRequestHeader(r, spec.requestHeaderVersion(version))
    if (apiKey === 18) {
      const max = this.opts.apiVersionsMax ?? 4
      const apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: max }, ...[...this.handlers].map(([k, h]) => ({ apiKey: k, minVersion: h.min ?? 0, maxVersion: h.max ?? API_SPECS.get(k)!.maxVersion }))]
      const body = { errorCode: version > max ? 35 : 0, apiKeys, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false }
      this.received.push({ apiKey, version, body: null })
      this.reply(socket, 18, version > max ? 0 : version, header.correlationId, body)
      return
    }
    const body = spec.decodeRequest(r, version)
    this.received.push({ apiKey, version, body })
    const h = this.handlers.get(apiKey)
    if (h === undefined) return
    const res = h.handle(version, body)
    if (res === undefined) return
    const send = (): void => this.reply(socket, apiKey, version, header.correlationId, res)
    if (h.delayMs !== undefined) setTimeout(send, h.delayMs)
    else send()
  }

  private reply (socket: net.Socket, apiKey: number, version: number, correlationId: number, body: unknown): void {
    const spec = API_SPECS.get(apiKey)!
    const hv = spec.responseHeaderVersion(version)
    const hs = sizeResponseHeader(hv, { correlationId })
    const bs = spec.sizeResponse(version, body)
    const w = new Writer(4 + hs + bs)
    w.int32(hs + bs)
    writeResponseHeader(w, hv, { correlationId })
    spec.writeResponse(w, version, body)
    if (!socket.destroyed) socket.write(Buffer.concat(w.finish()))
  }
}

/** A Metadata response body naming `brokers` and topics with their partition leaders. */
export function metadataBody (brokers: Array<{ nodeId: number, port: number }>, topics: Array<{ name: string, topicId?: string, leaders: number[], errorCode?: number }>, controllerId = brokers[0]!.nodeId): unknown {
  return {
    throttleTimeMs: 0,
    brokers: brokers.map(b => ({ nodeId: b.nodeId, host: '127.0.0.1', port: b.port, rack: null })),
    clusterId: 'fake',
    controllerId,
    topics: topics.map(t => ({
      errorCode: t.errorCode ?? 0,
      name: t.name,
      topicId: t.topicId ?? '00000000-0000-0000-0000-000000000000',
      isInternal: false,
      partitions: t.leaders.map((leader, i) => ({ errorCode: 0, partitionIndex: i, leaderId: leader, leaderEpoch: 0, replicaNodes: [leader], isrNodes: [leader], offlineReplicas: [] })),
      topicAuthorizedOperations: -2147483648
    })),
    clusterAuthorizedOperations: -2147483648
  }
}
