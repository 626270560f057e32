// Splits a TCP byte stream into Kafka request frames.
//
// Wire format: int32 size (big-endian, bytes that follow), then `size` bytes of request (header + body).
// Invariants: frames are yielded whole and in order; a frame that sits inside one received chunk is a
// zero-copy subarray of it; one that spans chunks is assembled in a buffer that grows (doubling, from 64 KiB,
// never past the announced size) as its bytes arrive: memory follows the bytes received, not the size a client
// announces. A size below the minimum or above the maximum is a protocol violation: push() throws FrameError
// and the reader is dead.
// Limits: MIN_FRAME..maxFrameBytes (socket.request.max.bytes) by default; the SASL authenticator narrows the
// maximum to sasl.server.max.receive.size before authentication and lowers the minimum to 0 while legacy
// (SaslHandshake v0) raw tokens are expected; setLimits() applies from the next size prefix read.
// Memory pool (request-pool.ts, queued.max.request.bytes): every yielded frame has been charged to the pool
// for its size (the caller releases it once the request is handled). A frame that spans chunks reserves its
// announced size when its size prefix is read; when the pool refuses, the reader is `blocked`: it keeps what
// it already received (at most the rest of that chunk, plus chunks pushed before the socket paused) and
// yields nothing more until resume() gets the reservation. dispose() releases the reservation of a partial frame
// and ends the reader (also when called from inside an onFrame callback: the rest of that chunk is dropped).

import type { RequestPool } from './request-pool.js'

/** Smallest possible request: int16 api key + int16 version + int32 correlation id. */
export const MIN_FRAME = 8
/** First capacity of a frame assembled across chunks (then doubled as bytes arrive). */
const INITIAL_FRAME_CAPACITY = 64 * 1024

export class FrameError extends Error {
  override name = 'FrameError'
}

export class FrameReader {
  /** The size prefix being read (when it spans chunks). */
  private readonly sizeBuf = Buffer.alloc(4)
  private sizeFilled = 0
  /** Size of the frame being assembled, -1 while its size prefix is not complete. */
  private need = -1
  /** The frame being assembled (capacity <= need) and how many of its bytes arrived. */
  private frame: Buffer | null = null
  private filled = 0
  /** Whether `need` bytes are reserved in the pool for the frame being assembled. */
  private reserved = false
  /** The pool refused the reservation: bytes received since wait here. */
  private isBlocked = false
  private backlog: Buffer[] = []
  /** dispose() was called: nothing more is read or reserved. */
  private disposed = false

  private minFrameBytes = MIN_FRAME
  /** Names the limit in errors (socket.request.max.bytes, or sasl.server.max.receive.size). */
  private maxName = 'socket.request.max.bytes'

  constructor (private maxFrameBytes: number, private readonly pool: RequestPool | null = null) {}

  /** Changes the accepted frame sizes (from the next size prefix on). */
  setLimits (min: number, max: number, maxName: string): void {
    this.minFrameBytes = min
    this.maxFrameBytes = max
    this.maxName = maxName
  }

  /** True while the pool refuses the next frame's reservation (the caller stops reading and waits). */
  get blocked (): boolean {
    return this.isBlocked
  }

  /** True while part of a frame (or of its size prefix) has arrived but not the whole frame. */
  get partial (): boolean {
    return this.need >= 0 || this.sizeFilled > 0
  }

  /** Bytes of the partial frame received so far (size prefix excluded). */
  get partialBytes (): number {
    return this.filled
  }

  /** Feeds a chunk; calls onFrame for every complete frame it finishes. */
  push (chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.disposed) return
    if (this.isBlocked) {
      if (chunk.length > 0) this.backlog.push(chunk)
      return
    }
    this.feed(chunk, onFrame)
  }

  /**
   * Tries the refused reservation again; on success goes on with the bytes kept meanwhile. Returns false while
   * still blocked (now, or again at a later frame of the kept bytes).
   */
  resume (onFrame: (frame: Buffer) => void): boolean {
    if (!this.isBlocked || this.disposed) return true
    if (this.pool !== null && !this.pool.tryReserve(this.need)) return false
    this.isBlocked = false
    this.startFrame(this.backlog.reduce((n, b) => n + b.length, 0))
    const kept = this.backlog
    this.backlog = []
    for (let i = 0; i < kept.length && !this.disposed; i++) {
      if (this.isBlocked) {
        for (let j = i; j < kept.length; j++) this.backlog.push(kept[j])
        break
      }
      this.feed(kept[i], onFrame)
    }
    return !this.isBlocked
  }

  /** Drops a partial frame and returns its reservation to the pool (the connection closed). */
  dispose (): void {
    this.disposed = true
    if (this.reserved && this.pool !== null) this.pool.release(this.need)
    this.reserved = false
    this.isBlocked = false
    this.frame = null
    this.backlog = []
    this.need = -1
    this.filled = 0
  }

  private feed (chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    const len = chunk.length
    let pos = 0
    // (an onFrame callback may dispose the reader: the connection closed)
    while (pos < len && !this.disposed) {
      if (this.need < 0) {
        let size: number
        if (this.sizeFilled === 0 && len - pos >= 4) {
          size = this.checkSize(chunk.readInt32BE(pos))
          pos += 4
        } else {
          const k = Math.min(4 - this.sizeFilled, len - pos)
          chunk.copy(this.sizeBuf, this.sizeFilled, pos, pos + k)
          this.sizeFilled += k
          pos += k
          if (this.sizeFilled < 4) return
          this.sizeFilled = 0
          size = this.checkSize(this.sizeBuf.readInt32BE(0))
        }
        if (len - pos >= size) {
          // the whole frame is in this chunk: a view, charged as it is in memory already
          this.pool?.take(size)
          onFrame(chunk.subarray(pos, pos + size))
          pos += size
          continue
        }
        this.need = size
        if (this.pool !== null && !this.pool.tryReserve(size)) {
          this.isBlocked = true
          if (pos < len) this.backlog.push(chunk.subarray(pos))
          return
        }
        this.startFrame(len - pos)
      }
      const k = Math.min(this.need - this.filled, len - pos)
      this.ensureCapacity(this.filled + k)
      chunk.copy(this.frame as Buffer, this.filled, pos, pos + k)
      this.filled += k
      pos += k
      if (this.filled === this.need) {
        const frame = this.frame as Buffer
        this.frame = null
        this.need = -1
        this.filled = 0
        this.reserved = false
        onFrame(frame)
      }
    }
  }

  /** The reservation for `need` is held: starts the frame's buffer, sized for the bytes at hand. */
  private startFrame (atHand: number): void {
    this.reserved = this.pool !== null
    this.filled = 0
    this.frame = Buffer.allocUnsafe(Math.min(this.need, Math.max(INITIAL_FRAME_CAPACITY, atHand)))
  }

  private ensureCapacity (n: number): void {
    const f = this.frame as Buffer
    if (f.length >= n) return
    let cap = f.length * 2
    while (cap < n) cap *= 2
    const grown = Buffer.allocUnsafe(Math.min(this.need, cap))
    f.copy(grown, 0, 0, this.filled)
    this.frame = grown
  }

  private checkSize (size: number): number {
    if (size < this.minFrameBytes) throw new FrameError(`request frame size ${size} is below the minimum of ${this.minFrameBytes} bytes`)
    if (size > this.maxFrameBytes) {
      throw new FrameError(`request frame of ${size} bytes is larger than ${this.maxName} (${this.maxFrameBytes})`)
    }
    return size
  }
}
