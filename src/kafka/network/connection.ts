// One client connection: frames in, requests decoded, handled concurrently, responses written in order.
//
// Pipelining: a client may send many requests without waiting. Each request takes a slot in `inFlight`
// in arrival order; handlers run concurrently, and a response is written only when every earlier slot has
// been written (Kafka's per-connection ordering, which librdkafka and the Java client rely on). A request
// that expects no response (Produce with acks=0) still holds its slot until it is handled, so ordering holds.
//
// Back-pressure (README, "Connections, memory and time"): the connection's queued response bytes are the
// responses handled but not yet written, the socket's write buffer, and the budgets of fetches being read
// (reserveResponse). While they are at or above connection.max.queued.response.bytes the connection mutes
// itself as Kafka does: it reads nothing more and starts none of the requests it already read (they wait in
// arrival order, their bytes still held in the request pool) until the client drains its responses. Reading
// also pauses while more than MAX_IN_FLIGHT requests are unanswered, and while the broker-wide request pool
// (queued.max.request.bytes, request-pool.ts) refuses the next frame; a request's pool bytes are released when
// its response is complete, and everything the connection held is released when it closes.
// A Fetch asks reserveResponse() for its byte budget: granted from the connection's room and the broker's
// FetchMemory (fetch.max.memory.bytes), it waits while there is too little, so pipelined fetches of a client
// that does not read its socket park without memory instead of each reading fetch.max.bytes.
// Time (connection-reaper.ts): lastActivity (last byte read or written) and partialSince (a partial frame's
// clock, restarted when reading resumes after a broker-side pause) for connections.max.idle.ms and
// request.read.timeout.ms.
// Quota throttling (KIP-219): throttle(ms) mutes the connection (reads nothing more) until ms from now; the
// answer that carries the throttle time is still sent at once. Requests already read are still served.
//
// Connection-fatal problems (frame size, garbled header, unknown API key, unsupported version other than
// ApiVersions, unparsable body) close this connection only, with one WARN line naming the reason (rate-limited
// per kind of reason: warn-limiter.ts, since a client can provoke them at will).
//
// SASL listeners: the connection owns a SaslAuthenticator (sasl-authenticator.ts) that decides which requests
// may pass before authentication, takes legacy raw tokens, and after a failed authentication makes the
// connection stop reading, write what is queued, and end gracefully after the configured delay.
import type net from 'node:net'
import type { Logger } from '../../logger.js'
import { Reader } from '../../protocol/primitives/reader.js'
import { Writer } from '../../protocol/primitives/writer.js'
import { API_INFO, type ApiInfo } from '../../protocol/generated/api-keys.js'
import { decodeRequestHeader } from '../../protocol/generated/messages/request-header.js'
import { sizeResponseHeader, writeResponseHeader } from '../../protocol/generated/messages/response-header.js'
import { FrameReader, FrameError } from './frame-reader.js'
import { clientWarnings } from './warn-limiter.js'
import { Session, usesSasl, type ListenerEndpoint } from './session.js'
import { SaslAuthenticator, type SaslSettings } from './sasl-authenticator.js'
import { defaultNetworkLimits, type NetworkLimits } from './network-limits.js'
import type { FetchMemory } from '../../core/fetch-memory.js'

const MAX_IN_FLIGHT = 1024
/** A fetch budget smaller than this (or than what it asked, if less) is not worth granting: wait for more room. */
const MIN_GRANT = 64 * 1024

export interface RequestContext {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  connection: Connection
  /** The connection's listener, client host and principal. */
  session: Session
  /** Bytes of the request (header and body, without the size prefix): Kafka's request size for quotas. */
  requestSize: number
}

/** A served API: its generated info (name, header versions), served version range and body codecs. */
export interface RouteInfo {
  info: ApiInfo
  min: number
  max: number
  /** Null until the handler is loaded (lazy handlers): then `ready` loads it. */
  codec: RouteCodec | null
  ready: (() => Promise<void>) | null
}

export interface RouteCodec {
  decodeRequest: (r: Reader, version: number) => unknown
  sizeResponse: (version: number, msg: any) => number
  writeResponse: (w: Writer, version: number, msg: any) => void
}

/** What the broker offers the network layer. */
export interface RequestRouter {
  /** The route for an API key, or undefined when not served. */
  route (apiKey: number): RouteInfo | undefined
  /** Handles a decoded request; resolves to the response body, or null when no response is sent. */
  handle (ctx: RequestContext, request: unknown): Promise<unknown> | unknown
  /** Body of the answer to an ApiVersions request of an unsupported version (sent as v0). */
  unsupportedApiVersionsResponse (): unknown
}

/** Error thrown by a handler to close the connection (for requests Kafka treats as invalid). */
export class CloseConnectionError extends Error {
  override name = 'CloseConnectionError'
}

interface Slot {
  done: boolean
  chunks: Buffer[] | null
  afterWrite: (() => void) | null
  /** Encoded response bytes (counted as queued from completion until written). */
  bytes: number
  /** Request pool bytes of the request's frame, released once the response is complete. */
  poolBytes: number
}

/**
 * A fetch's byte budget from reserveResponse(): counted against its connection while the fetch reads, and
 * against the broker's FetchMemory until release() (after the response is written, or when a long poll gives
 * it back before waiting).
 */
export class ResponseGrant {
  private connHeld: number
  private memHeld: number

  constructor (private readonly conn: Connection, private readonly memory: FetchMemory, readonly bytes: number) {
    this.connHeld = bytes
    this.memHeld = bytes
  }

  /**
   * The response is built with `actual` bytes of records: the connection now counts the response itself (from
   * its completion), and the broker-wide share becomes `actual` (more than granted: one large batch, forced).
   */
  settle (actual: number): void {
    this.conn.releaseReservation(this.connHeld)
    this.connHeld = 0
    if (actual > this.memHeld) this.memory.force(actual - this.memHeld)
    else this.memory.release(this.memHeld - actual)
    this.memHeld = actual
  }

  /** Gives everything back (idempotent). */
  release (): void {
    this.conn.releaseReservation(this.connHeld)
    this.connHeld = 0
    this.memory.release(this.memHeld)
    this.memHeld = 0
  }
}

/**
 * A response body may carry a function under this key: it runs once the response's bytes have been handed to
 * the OS (or the connection died), e.g. to return pooled read buffers that the response referenced.
 */
export const AFTER_WRITE: unique symbol = Symbol('samsa.afterWrite')

let nextConnectionId = 1

export class Connection {
  readonly id = nextConnectionId++
  readonly remote: string
  readonly session: Session
  private readonly frames: FrameReader
  private readonly inFlight: Slot[] = []
  private head = 0
  private paused = false
  private closed = false
  private flushScheduled = false
  /** The SASL state (SASL_* listeners only). */
  readonly sasl: SaslAuthenticator | null = null
  /** Set when the connection is to end once its queued responses are written (failed authentication). */
  private endDelayMs: number | null = null
  private endTimer: NodeJS.Timeout | null = null
  /** Quota mute: no reading before this time (ms, Date.now). */
  private throttledUntil = 0
  private throttleTimer: NodeJS.Timeout | null = null
  private readonly limits: NetworkLimits
  /** Frames read but not started while the connection is muted (queued responses at their bound), in order. */
  private readonly waitingFrames: Buffer[] = []
  private waitingHead = 0
  /** Request pool bytes held by this connection's frames (released per request, or all at close). */
  private poolHeld = 0
  private framePoolBytes = 0
  /** Fetch budgets being read (ResponseGrant). */
  private reservedResponseBytes = 0
  /** Encoded responses complete but not yet handed to the socket. */
  private unflushedBytes = 0
  /** Fetches waiting in reserveResponse for room. */
  private grantWaiters: Array<() => void> = []
  private readonly onPoolRoom = (): void => this.poolRoom()
  /** Clock time of the last byte read or written (connections.max.idle.ms). */
  lastActivity: number
  private partialStart = -1

  constructor (
    readonly socket: net.Socket,
    private readonly router: RequestRouter,
    private readonly logger: Logger,
    maxFrameBytes: number,
    private readonly onClose: (c: Connection) => void,
    listener: ListenerEndpoint,
    sasl: SaslSettings | null = null,
    limits: NetworkLimits | null = null
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    this.session = new Session(listener, socket.remoteAddress ?? '?')
    this.limits = limits ?? defaultNetworkLimits()
    this.lastActivity = this.limits.now()
    this.frames = new FrameReader(maxFrameBytes, this.limits.requestPool)
    if (sasl !== null && usesSasl(listener.securityProtocol)) {
      this.sasl = new SaslAuthenticator(this.session, sasl, {
        endAfterResponses: delayMs => this.endAfterResponses(delayMs),
        setFrameLimits: (min, max, name) => this.frames.setLimits(min, max, name)
      }, logger, maxFrameBytes)
    }
    socket.setNoDelay(true)
    socket.on('data', chunk => this.onData(chunk))
    socket.on('drain', () => this.responsesWritten())
    socket.on('error', err => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' && (err as NodeJS.ErrnoException).code !== 'EPIPE') {
        this.logger.debug({ remote: this.remote, err: err.message }, 'socket error')
      }
    })
    socket.on('close', () => {
      this.closed = true
      if (this.endTimer !== null) clearTimeout(this.endTimer)
      this.releaseAll()
      this.onClose(this)
    })
  }

  /** Clock time a partial frame's clock started, or -1 (none, or the broker paused reading). */
  get partialSince (): number {
    return this.paused ? -1 : this.partialStart
  }

  /** Response bytes queued on this connection: unwritten responses, the socket's buffer, fetches being read. */
  get queuedResponseBytes (): number {
    return this.reservedResponseBytes + this.unflushedBytes + this.socket.writableLength
  }

  /** Request pool bytes this connection holds (tests). */
  get requestPoolBytes (): number {
    return this.poolHeld
  }

  /**
   * A byte budget for a response being read (a Fetch): min(want, room) once the connection's queued bytes and
   * the broker's FetchMemory leave at least MIN_GRANT (or `want`, if smaller); waits up to waitMs for that,
   * then resolves null (answer without records). Rejects with CloseConnectionError if the connection closes.
   */
  async reserveResponse (want: number, waitMs: number): Promise<ResponseGrant | null> {
    const memory = this.limits.fetchMemory
    const limit = this.limits.responseQueueBytes
    want = Math.max(1, Math.min(want, limit))
    const min = Math.min(want, Math.max(MIN_GRANT, limit >>> 2))
    const deadline = this.limits.now() + waitMs
    for (;;) {
      if (this.closed) throw new CloseConnectionError('connection closed')
      const room = Math.min(want, limit - this.queuedResponseBytes)
      // too little room on this connection: wait for its client to read; else for the broker-wide budget
      const onConnection = room < min
      if (!onConnection) {
        const g = memory.take(room, min)
        if (g > 0) {
          this.reservedResponseBytes += g
          return new ResponseGrant(this, memory, g)
        }
      }
      const left = deadline - this.limits.now()
      if (left <= 0) return null
      await new Promise<void>(resolve => {
        const wake = (): void => {
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          if (onConnection) {
            const i = this.grantWaiters.indexOf(wake)
            if (i >= 0) this.grantWaiters.splice(i, 1)
          } else {
            memory.cancel(wake)
          }
          resolve()
        }, left)
        if (onConnection) this.grantWaiters.push(wake)
        else memory.onRelease(wake)
      })
    }
  }

  /** A grant's connection share is given back (ResponseGrant). */
  releaseReservation (n: number): void {
    if (n <= 0) return
    this.reservedResponseBytes -= n
    this.responsesWritten()
  }

  get isClosed (): boolean {
    return this.closed
  }

  close (reason?: string): void {
    if (this.closed) return
    if (reason !== undefined) {
      const d = clientWarnings.decide(reason)
      if (d.log) {
        const note = d.suppressed > 0 ? ` (${d.suppressed} similar lines suppressed)` : ''
        this.logger.warn({ remote: this.remote, connection: this.id, ...(d.suppressed > 0 ? { suppressed: d.suppressed } : {}) }, `closing connection: ${reason}${note}`)
      }
    }
    this.closed = true
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer)
    this.releaseAll()
    this.socket.destroy()
  }

  /** Returns every pool byte this connection holds and wakes its waiting fetches (they see it closed). */
  private releaseAll (): void {
    this.frames.dispose()
    this.limits.requestPool.cancel(this.onPoolRoom)
    const held = this.poolHeld
    this.poolHeld = 0
    // responses complete but never written give back what they hold
    for (let i = this.head; i < this.inFlight.length; i++) {
      const slot = this.inFlight[i]
      if (slot !== undefined && slot.afterWrite !== null) {
        const after = slot.afterWrite
        slot.afterWrite = null
        after()
      }
    }
    this.waitingFrames.length = 0
    this.waitingHead = 0
    this.limits.requestPool.release(held)
    this.wakeGrantWaiters()
  }

  private wakeGrantWaiters (): void {
    if (this.grantWaiters.length === 0) return
    const w = this.grantWaiters
    this.grantWaiters = []
    for (const fn of w) fn()
  }

  /** Mutes the connection for `ms` (a quota's throttle time): reads resume once it is over (KIP-219). */
  throttle (ms: number): void {
    if (ms <= 0 || this.closed) return
    const until = Date.now() + ms
    if (until <= this.throttledUntil) return
    this.throttledUntil = until
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer)
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null
      this.throttledUntil = 0
      this.maybeResume()
    }, ms)
    this.throttleTimer.unref()
    this.pause()
  }

  /** True while a quota mutes the connection. */
  get throttled (): boolean {
    return this.throttleTimer !== null
  }

  private onData (chunk: Buffer): void {
    this.lastActivity = this.limits.now()
    try {
      this.frames.push(chunk, this.frameArrived)
    } catch (err) {
      this.frameFailed(err)
      return
    }
    this.afterRead()
  }

  private frameFailed (err: unknown): void {
    if (err instanceof FrameError) this.close(err.message)
    else this.close(`internal error while reading a frame: ${(err as Error).stack ?? String(err)}`)
  }

  /** After bytes were fed: the partial frame's clock, and a pause while the request pool refuses the next frame. */
  private afterRead (): void {
    if (this.closed) return
    if (!this.frames.partial) this.partialStart = -1
    else if (this.partialStart < 0) this.partialStart = this.limits.now()
    if (this.frames.blocked) {
      this.pause()
      this.limits.requestPool.cancel(this.onPoolRoom)
      this.limits.requestPool.waitForRoom(this.onPoolRoom)
    }
  }

  /** The request pool released bytes: retry the refused frame. */
  private poolRoom (): void {
    if (this.closed) return
    try {
      if (!this.frames.resume(this.frameArrived)) {
        this.limits.requestPool.waitForRoom(this.onPoolRoom)
        return
      }
    } catch (err) {
      this.frameFailed(err)
      return
    }
    this.afterRead()
    this.maybeResume()
  }

  /** A whole frame (charged to the request pool for its length): started now, or queued while muted. */
  private readonly frameArrived = (frame: Buffer): void => {
    if (this.closed) {
      this.limits.requestPool.release(frame.length)
      return
    }
    this.poolHeld += frame.length
    if (this.waitingHead < this.waitingFrames.length || this.muted) {
      this.waitingFrames.push(frame)
      this.pause()
      return
    }
    this.startFrame(frame)
  }

  /** Queued responses at their bound: no more requests are read or started. */
  private get muted (): boolean {
    return this.queuedResponseBytes >= this.limits.responseQueueBytes
  }

  private startFrame (frame: Buffer): void {
    this.framePoolBytes = frame.length
    this.onFrame(frame)
    // no slot took the frame's bytes (it was refused, or the connection is ending): released now
    const left = this.framePoolBytes
    this.framePoolBytes = 0
    this.releasePool(left)
  }

  /** The pool bytes of the frame being started, for its slot (released when its response is complete). */
  private claimFrameBytes (): number {
    const n = this.framePoolBytes
    this.framePoolBytes = 0
    return n
  }

  private releasePool (n: number): void {
    if (n <= 0 || this.closed) return
    this.poolHeld -= n
    this.limits.requestPool.release(n)
  }

  /** Starts the queued frames while the connection is not muted. */
  private startWaiting (): void {
    const q = this.waitingFrames
    while (this.waitingHead < q.length && !this.closed && !this.muted && this.endDelayMs === null) {
      const frame = q[this.waitingHead]
      q[this.waitingHead++] = undefined as unknown as Buffer
      this.startFrame(frame)
    }
    if (this.waitingHead >= q.length) {
      q.length = 0
      this.waitingHead = 0
    }
  }

  /** Response bytes left the connection (written, drained, or a reservation given back). */
  private responsesWritten (): void {
    if (this.closed) return
    this.wakeGrantWaiters()
    if (this.waitingHead < this.waitingFrames.length) this.startWaiting()
    this.maybeResume()
  }

  /**
   * Stops reading and ends the connection gracefully (socket.end, after the queued responses are written)
   * delayMs after the last of them is handed to the socket.
   */
  endAfterResponses (delayMs: number): void {
    if (this.endDelayMs !== null) return
    this.endDelayMs = delayMs
    this.pause()
    this.maybeEnd()
  }

  private maybeEnd (): void {
    if (this.endDelayMs === null || this.endTimer !== null || this.closed || this.head < this.inFlight.length) return
    this.endTimer = setTimeout(() => {
      if (this.closed) return
      this.socket.end()
      // a client that never closes its side is dropped
      setTimeout(() => this.socket.destroy(), 5000).unref()
    }, this.endDelayMs)
  }

  private onFrame (frame: Buffer): void {
    if (this.closed || this.endDelayMs !== null) return
    const sasl = this.sasl
    if (sasl !== null && sasl.expectsRawToken) {
      this.onRawToken(sasl, Buffer.from(frame))
      return
    }
    const apiKey = frame.readInt16BE(0)
    const apiVersion = frame.readInt16BE(2)
    if (sasl !== null) {
      const reason = sasl.check(apiKey, API_INFO.get(apiKey)?.name ?? `API key ${apiKey}`)
      if (reason !== null) {
        this.close(reason)
        return
      }
    } else if (!this.session.authenticated && apiKey !== 18) {
      // a SASL listener built without SASL settings: fail closed
      this.close(`listener ${this.session.listener.name} requires SASL but has no SASL settings`)
      return
    }
    const served = this.router.route(apiKey)
    if (served === undefined) {
      const known = API_INFO.get(apiKey)
      this.close(known === undefined
        ? `unknown API key ${apiKey} (version ${apiVersion})`
        : `${known.name} (API key ${apiKey}) is not supported by this broker`)
      return
    }
    const spec = served.info
    const r = new Reader(frame, 0)
    let headerVersion: number
    let correlationId: number
    let clientId: string | null
    try {
      headerVersion = spec.requestHeaderVersion(apiVersion)
      const header = decodeRequestHeader(r, headerVersion)
      correlationId = header.correlationId
      clientId = header.clientId
    } catch (err) {
      this.close(`garbled request header for ${spec.name} v${apiVersion}: ${(err as Error).message}`)
      return
    }
    const slot: Slot = { done: false, chunks: null, afterWrite: null, bytes: 0, poolBytes: this.claimFrameBytes() }
    this.inFlight.push(slot)
    if (this.inFlight.length - this.head > MAX_IN_FLIGHT) this.pause()

    if (apiVersion < served.min || apiVersion > served.max) {
      if (apiKey === 18) {
        // KIP-511: answer with a v0 body and error 35 so the client can retry with a version we list.
        this.complete(slot, served, 0, correlationId, this.router.unsupportedApiVersionsResponse())
        return
      }
      this.close(`${spec.name} v${apiVersion} is not supported (supported: v${served.min}-v${served.max})`)
      return
    }
    if (served.codec === null && served.ready !== null) {
      // A lazily loaded handler that is not loaded yet: decode once it is (its slot keeps the order).
      served.ready().then(
        () => this.dispatch(slot, this.router.route(apiKey) as RouteInfo, apiVersion, correlationId, clientId, r),
        err => this.fail(spec, apiVersion, err)
      )
      return
    }
    this.dispatch(slot, served, apiVersion, correlationId, clientId, r)
  }

  /** A legacy SASL token (after SaslHandshake v0): answered with a raw size-prefixed token, in order. */
  private onRawToken (sasl: SaslAuthenticator, token: Buffer): void {
    const slot: Slot = { done: false, chunks: null, afterWrite: null, bytes: 0, poolBytes: this.claimFrameBytes() }
    this.inFlight.push(slot)
    sasl.rawToken(token).then(answer => {
      if (answer !== null) {
        const b = Buffer.allocUnsafe(4 + answer.length)
        b.writeInt32BE(answer.length, 0)
        answer.copy(b, 4)
        slot.chunks = [b]
        slot.bytes = b.length
      }
      this.markDone(slot)
    }, err => this.close(`internal error in the SASL exchange: ${(err as Error)?.message ?? String(err)}`))
  }

  private dispatch (slot: Slot, served: RouteInfo, apiVersion: number, correlationId: number, clientId: string | null, r: Reader): void {
    if (this.closed) return
    const spec = served.info
    const apiKey = spec.apiKey
    let request: unknown
    try {
      request = (served.codec as RouteCodec).decodeRequest(r, apiVersion)
    } catch (err) {
      this.close(`unparsable ${spec.name} v${apiVersion} request (correlation id ${correlationId}): ${(err as Error).message}`)
      return
    }
    const ctx: RequestContext = { apiKey, apiVersion, correlationId, clientId, connection: this, session: this.session, requestSize: r.buf.length }
    let result: unknown
    try {
      result = this.router.handle(ctx, request)
    } catch (err) {
      this.fail(spec, apiVersion, err)
      return
    }
    if (result instanceof Promise) {
      result.then(
        body => this.complete(slot, served, apiVersion, correlationId, body),
        err => this.fail(spec, apiVersion, err)
      )
    } else {
      this.complete(slot, served, apiVersion, correlationId, result)
    }
  }

  private fail (spec: ApiInfo, apiVersion: number, err: unknown): void {
    if (err instanceof CloseConnectionError) {
      this.close(`${spec.name} v${apiVersion}: ${err.message}`)
      return
    }
    this.logger.error({ remote: this.remote, api: spec.name, version: apiVersion, err }, 'request handler failed')
    this.close(`internal error in ${spec.name} v${apiVersion}: ${(err as Error)?.message ?? String(err)}`)
  }

  private complete (slot: Slot, route: RouteInfo, apiVersion: number, correlationId: number, body: unknown): void {
    const spec = route.info
    if (this.closed) {
      // never written: what the response holds (pooled buffers, fetch memory) goes back now
      if (body !== null && body !== undefined) (body as { [AFTER_WRITE]?: () => void })[AFTER_WRITE]?.()
      return
    }
    if (body !== null && body !== undefined) {
      const after = (body as { [AFTER_WRITE]?: () => void })[AFTER_WRITE]
      if (after !== undefined) slot.afterWrite = after
      try {
        slot.chunks = this.encode(route, apiVersion, correlationId, body)
        for (const c of slot.chunks) slot.bytes += c.length
      } catch (err) {
        this.logger.error({ remote: this.remote, api: spec.name, version: apiVersion, err }, 'response encoding failed')
        this.close(`internal error encoding ${spec.name} v${apiVersion} response: ${(err as Error).message}`)
        return
      }
    }
    this.markDone(slot)
  }

  private markDone (slot: Slot): void {
    if (this.closed) return
    slot.done = true
    this.unflushedBytes += slot.bytes
    this.releasePool(slot.poolBytes)
    slot.poolBytes = 0
    // Responses finished in the same tick leave in one corked write (one syscall for many responses:
    // measured 1.09 -> 0.23 socket writes per produce response under pipelined load).
    if (!this.flushScheduled) {
      this.flushScheduled = true
      process.nextTick(this.scheduledFlush)
    }
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false
    if (!this.closed) this.flush()
  }

  private encode (route: RouteInfo, apiVersion: number, correlationId: number, body: unknown): Buffer[] {
    const headerVersion = route.info.responseHeaderVersion(apiVersion)
    const header = { correlationId }
    const headerSize = sizeResponseHeader(headerVersion, header)
    const codec = route.codec as RouteCodec
    const bodySize = codec.sizeResponse(apiVersion, body)
    const w = new Writer(4 + headerSize + bodySize)
    w.int32(headerSize + bodySize)
    writeResponseHeader(w, headerVersion, header)
    codec.writeResponse(w, apiVersion, body)
    return w.finish()
  }

  /** Writes every finished response at the head of the queue, in order. */
  private flush (): void {
    const q = this.inFlight
    if (this.head >= q.length || !q[this.head].done) return
    this.socket.cork()
    let wrote = false
    while (this.head < q.length && q[this.head].done) {
      const { chunks, afterWrite, bytes } = q[this.head]
      if (chunks !== null) {
        const last = chunks.length - 1
        for (let i = 0; i < last; i++) this.socket.write(chunks[i])
        if (afterWrite !== null) this.socket.write(chunks[last], () => { afterWrite(); this.wrote() })
        else this.socket.write(chunks[last], this.wroteCallback)
        wrote = true
      }
      this.unflushedBytes -= bytes
      q[this.head] = undefined as unknown as Slot
      this.head++
    }
    this.socket.uncork()
    if (wrote) this.lastActivity = this.limits.now()
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head)
      this.head = 0
    }
    if (this.muted) this.pause()
    else this.responsesWritten()
    this.maybeEnd()
  }

  /** A response's last bytes were handed to the OS. */
  private wrote (): void {
    this.lastActivity = this.limits.now()
    this.responsesWritten()
  }

  private readonly wroteCallback = (): void => this.wrote()

  private pause (): void {
    if (!this.paused) {
      this.paused = true
      this.socket.pause()
    }
  }

  private maybeResume (): void {
    if (this.paused && !this.closed && this.endDelayMs === null && this.throttleTimer === null && !this.frames.blocked &&
        this.waitingHead >= this.waitingFrames.length && !this.muted && this.inFlight.length - this.head <= MAX_IN_FLIGHT / 2) {
      this.paused = false
      // the broker held the partial frame up: its clock starts again
      if (this.partialStart >= 0) this.partialStart = this.limits.now()
      this.socket.resume()
    }
  }
}
