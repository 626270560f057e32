// ConnectionReaper: the time limits of open connections, checked by one periodic sweep per listener.
//
//   connections.max.idle.ms   a connection with no bytes read from or written to its socket for this long is
//                             closed (Kafka's idle expiry: a client that stopped reading its responses is idle too)
//   request.read.timeout.ms   a request frame must arrive whole within this long after its first byte; time the
//                             broker itself paused reading (back-pressure, pool full, quota mute) is not counted
//                             (the connection restarts the frame's clock when it resumes reading)
//
// The reaper is pure logic over what each connection reports (`lastActivity`, `partialSince`: -1 when no frame
// is partial or reading is paused) on the clock it is given, so it can be tested on an injected clock; the
// server runs sweep() every `intervalMs` (a quarter of the smaller limit, between 10 ms and 1 s).

export interface ReapTarget {
  /** Clock time of the last byte read or written. */
  readonly lastActivity: number
  /** Clock time the partial frame's clock started, or -1 (no partial frame, or reading paused by the broker). */
  readonly partialSince: number
}

export interface ReaperLimits {
  idleMs: number
  requestReadTimeoutMs: number
}

export class ConnectionReaper {
  readonly intervalMs: number

  get idleMs (): number {
    return this.limits.idleMs
  }

  constructor (private readonly limits: ReaperLimits) {
    this.intervalMs = Math.max(10, Math.min(1000, Math.floor(Math.min(limits.idleMs, limits.requestReadTimeoutMs) / 4)))
  }

  /** Why this connection must be closed now, or null. */
  verdict (c: ReapTarget, now: number): string | null {
    if (c.partialSince >= 0 && now - c.partialSince >= this.limits.requestReadTimeoutMs) {
      return `request not received whole within request.read.timeout.ms (${this.limits.requestReadTimeoutMs} ms)`
    }
    if (now - c.lastActivity >= this.limits.idleMs) {
      return `idle for connections.max.idle.ms (${this.limits.idleMs} ms)`
    }
    return null
  }

  /** Calls close(c, reason) for every connection over a limit. */
  sweep<T extends ReapTarget> (conns: Iterable<T>, now: number, close: (c: T, reason: string) => void): void {
    const doomed: Array<[T, string]> = []
    for (const c of conns) {
      const reason = this.verdict(c, now)
      if (reason !== null) doomed.push([c, reason])
    }
    for (const [c, reason] of doomed) close(c, reason)
  }
}
