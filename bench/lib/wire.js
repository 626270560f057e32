// A minimal raw Kafka connection for the load generators: size-prefixed frames in both directions, the
// generated codecs from dist/ for the few decoded requests (CreateTopics, Metadata, ...), and a hook
// (onFrame) through which the produce and fetch loops see raw response frames without any per-request
// bookkeeping of their own here.
import net from 'node:net'
import { API_SPECS } from '../../dist/protocol/generated/api-registry.js'
import { encodeRequestHeader } from '../../dist/protocol/generated/messages/request-header.js'
import { decodeResponseHeader } from '../../dist/protocol/generated/messages/response-header.js'
import { Reader } from '../../dist/protocol/primitives/reader.js'
import { Writer } from '../../dist/protocol/primitives/writer.js'

export const CLIENT_ID = 'samsa-bench'
/** Byte offset of the correlation id in a request frame: int32 size, int16 api key, int16 api version. */
export const CORRELATION_ID_OFFSET = 8

/** One request frame (size prefix included) from an encoded header and body. */
export function frameOf (header, body) {
  const frame = Buffer.allocUnsafe(4 + header.length + body.length)
  frame.writeInt32BE(header.length + body.length, 0)
  header.copy(frame, 4)
  body.copy(frame, 4 + header.length)
  return frame
}

/** Encodes a request of any API through the generated codecs (the header version follows the API's rules). */
export function encodeRequest (apiKey, version, body, correlationId) {
  const spec = API_SPECS.get(apiKey)
  const header = encodeRequestHeader(spec.requestHeaderVersion(version), {
    requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: CLIENT_ID
  })
  const size = spec.sizeRequest(version, body)
  const w = new Writer(size)
  spec.writeRequest(w, version, body)
  return frameOf(header, Buffer.concat(w.finish(), size))
}

/** Decodes a response frame (size prefix removed) of apiKey/version: header, then body. */
export function decodeResponse (apiKey, version, frame) {
  const spec = API_SPECS.get(apiKey)
  const r = new Reader(frame, 0)
  const header = decodeResponseHeader(r, spec.responseHeaderVersion(version))
  return { correlationId: header.correlationId, body: spec.decodeResponse(r, version) }
}

export class WireConnection {
  constructor (socket) {
    this.socket = socket
    this.nextCorrelationId = 1
    this.pending = new Map()
    /** Replace to receive raw response frames (Buffer, size prefix removed) instead of decoded ones. */
    this.onFrame = frame => this.dispatch(frame)
    this.error = null
    /**
     * true: frames that span chunks are assembled in one reused buffer (valid only until the next frame
     * arrives), so a sequential reader of multi-MiB responses does not allocate and page-fault a fresh
     * buffer per response. Only for one-request-at-a-time loops.
     */
    this.reuseFrameBuffer = false
    this.spare = null
    // frame assembly: `partial` is the frame being filled once its size is known
    this.head = Buffer.alloc(0)
    this.partial = null
    this.filled = 0
    socket.setNoDelay(true)
    socket.on('data', chunk => this.onData(chunk))
    socket.on('error', err => { this.error = err })
    this.closed = new Promise(resolve => socket.once('close', () => {
      for (const p of this.pending.values()) p.reject(this.error ?? new Error('connection closed'))
      this.pending.clear()
      resolve()
    }))
  }

  static connect (host, port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port })
      socket.once('connect', () => { socket.removeListener('error', reject); resolve(new WireConnection(socket)) })
      socket.once('error', reject)
    })
  }

  /** Sends one request and resolves with its decoded response body (not for pipelined hot loops). */
  request (apiKey, version, body) {
    const correlationId = this.nextCorrelationId++
    const frame = encodeRequest(apiKey, version, body, correlationId)
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, version, resolve, reject })
      this.socket.write(frame)
    })
  }

  dispatch (frame) {
    const correlationId = frame.readInt32BE(0)
    const p = this.pending.get(correlationId)
    if (p === undefined) return
    this.pending.delete(correlationId)
    try {
      p.resolve(decodeResponse(p.apiKey, p.version, frame).body)
    } catch (err) {
      p.reject(err)
    }
  }

  close () {
    this.socket.destroy()
    return this.closed
  }

  frameBuffer (size) {
    if (!this.reuseFrameBuffer) return Buffer.allocUnsafe(size)
    if (this.spare === null || this.spare.length < size) this.spare = Buffer.allocUnsafe(size)
    return this.spare.subarray(0, size)
  }

  // Frames that sit inside one chunk are zero-copy views; a frame spanning chunks is copied once into an
  // exact-size buffer (fetch responses of many MiB arrive in 64 KiB chunks).
  onData (chunk) {
    // requests written from inside onFrame (the pipelined loops refill as responses arrive) leave in one writev
    this.socket.cork()
    try {
      this.parse(chunk)
    } finally {
      this.socket.uncork()
    }
  }

  parse (chunk) {
    let pos = 0
    while (pos < chunk.length) {
      if (this.partial !== null) {
        const n = Math.min(this.partial.length - this.filled, chunk.length - pos)
        chunk.copy(this.partial, this.filled, pos, pos + n)
        this.filled += n
        pos += n
        if (this.filled === this.partial.length) {
          const frame = this.partial
          this.partial = null
          this.onFrame(frame)
        }
        continue
      }
      if (this.head.length > 0) {
        const need = 4 - this.head.length
        const take = Math.min(need, chunk.length - pos)
        this.head = Buffer.concat([this.head, chunk.subarray(pos, pos + take)])
        pos += take
        if (this.head.length < 4) return
        this.partial = this.frameBuffer(this.head.readInt32BE(0))
        this.filled = 0
        this.head = Buffer.alloc(0)
        if (this.partial.length === 0) { const f = this.partial; this.partial = null; this.onFrame(f) }
        continue
      }
      if (chunk.length - pos < 4) {
        this.head = Buffer.from(chunk.subarray(pos))
        return
      }
      const size = chunk.readInt32BE(pos)
      if (chunk.length - pos - 4 >= size) {
        const frame = chunk.subarray(pos + 4, pos + 4 + size)
        pos += 4 + size
        this.onFrame(frame)
      } else {
        this.partial = this.frameBuffer(size)
        this.filled = 0
        pos += 4
      }
    }
  }
}

/** Creates a topic (CreateTopics v7); an existing topic is fine. */
export async function createTopic (conn, name, partitions, configs = {}) {
  const res = await conn.request(19, 7, {
    topics: [{
      name,
      numPartitions: partitions,
      replicationFactor: 1,
      assignments: [],
      configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: String(v) }))
    }],
    timeoutMs: 10000,
    validateOnly: false
  })
  const t = res.topics[0]
  if (t.errorCode !== 0 && t.errorCode !== 36 /* TOPIC_ALREADY_EXISTS */) {
    throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`)
  }
}
