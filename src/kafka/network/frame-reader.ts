// Splits a TCP byte stream into Kafka request frames.
//
// Wire format: int32 size (big-endian, bytes that follow), then `size` bytes of request (header + body).
// Invariants: frames are yielded whole and in order; a frame that sits inside one received chunk is a
// zero-copy subarray of it, one that spans chunks is copied once into an exact-size buffer. A size below
// the minimum or above the maximum is a protocol violation: push() throws FrameError and the reader is dead.
// Limits: MIN_FRAME..maxFrameBytes (socket.request.max.bytes) by default; the SASL authenticator narrows the
// maximum to sasl.server.max.receive.size before authentication and lowers the minimum to 0 while legacy
// (SaslHandshake v0) raw tokens are expected; setLimits() applies from the next size prefix read.

/** Smallest possible request: int16 api key + int16 version + int32 correlation id. */
export const MIN_FRAME = 8

export class FrameError extends Error {
  override name = 'FrameError'
}

export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Size of the frame being assembled, -1 while its size prefix is not complete. */
  private need = -1

  private minFrameBytes = MIN_FRAME
  /** Names the limit in errors (socket.request.max.bytes, or sasl.server.max.receive.size). */
  private maxName = 'socket.request.max.bytes'

  constructor (private maxFrameBytes: number) {}

  /** Changes the accepted frame sizes (from the next size prefix on). */
  setLimits (min: number, max: number, maxName: string): void {
    this.minFrameBytes = min
    this.maxFrameBytes = max
    this.maxName = maxName
  }

  /** Feeds a chunk; calls onFrame for every complete frame it finishes. */
  push (chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    // Fast path: nothing buffered, parse frames straight out of the chunk.
    let pos = 0
    if (this.buffered === 0 && this.need < 0) {
      while (chunk.length - pos >= 4) {
        const size = this.checkSize(chunk.readInt32BE(pos))
        if (chunk.length - pos - 4 < size) break
        onFrame(chunk.subarray(pos + 4, pos + 4 + size))
        pos += 4 + size
      }
      if (pos === chunk.length) return
      chunk = chunk.subarray(pos)
    }
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) return
        this.need = this.checkSize(this.peekInt32())
        this.consume(4)
      }
      if (this.buffered < this.need) return
      const frame = this.take(this.need)
      this.need = -1
      onFrame(frame)
    }
  }

  private checkSize (size: number): number {
    if (size < this.minFrameBytes) throw new FrameError(`request frame size ${size} is below the minimum of ${this.minFrameBytes} bytes`)
    if (size > this.maxFrameBytes) {
      throw new FrameError(`request frame of ${size} bytes is larger than ${this.maxName} (${this.maxFrameBytes})`)
    }
    return size
  }

  private peekInt32 (): number {
    const first = this.chunks[0]
    if (first.length >= 4) return first.readInt32BE(0)
    const tmp = Buffer.allocUnsafe(4)
    let filled = 0
    for (const c of this.chunks) {
      const n = Math.min(4 - filled, c.length)
      c.copy(tmp, filled, 0, n)
      filled += n
      if (filled === 4) break
    }
    return tmp.readInt32BE(0)
  }

  private consume (n: number): void {
    this.take(n)
  }

  /** Removes n bytes from the front: a view when they sit in the first chunk, else one copy. */
  private take (n: number): Buffer {
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[0]
    this.buffered -= n
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const c = this.chunks[0]
      const k = Math.min(n - filled, c.length)
      c.copy(out, filled, 0, k)
      filled += k
      if (k === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(k)
    }
    return out
  }
}
