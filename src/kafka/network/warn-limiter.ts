// Rate limit for WARN lines that clients can provoke (a bad frame, a garbled header, a failed TLS handshake):
// at most `burst` lines per kind of reason in each `windowMs`; the rest are counted, and the first line of
// that kind after the window says how many were suppressed. A kind is the reason up to its first ':' with
// numbers replaced by '#', so "request frame size -5 is below ..." and "... size -7 ..." are one kind.
// Bounded: at most `maxKinds` kinds are remembered (beyond that the table starts over).
export interface WarnDecision {
  /** Whether to write this line. */
  log: boolean
  /** Lines of this kind suppressed since the last one written (only when log is true). */
  suppressed: number
}

interface KindState {
  windowStart: number
  written: number
  suppressed: number
}

export class WarnLimiter {
  private readonly kinds = new Map<string, KindState>()

  constructor (
    private readonly burst = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxKinds = 1000
  ) {}

  static kindOf (reason: string): string {
    const head = reason.split(':', 1)[0]
    return head.replace(/-?\d+/g, '#').slice(0, 160)
  }

  decide (reason: string): WarnDecision {
    const kind = WarnLimiter.kindOf(reason)
    const now = this.now()
    let s = this.kinds.get(kind)
    if (s === undefined) {
      if (this.kinds.size >= this.maxKinds) this.kinds.clear()
      s = { windowStart: now, written: 0, suppressed: 0 }
      this.kinds.set(kind, s)
    }
    if (now - s.windowStart >= this.windowMs) {
      s.windowStart = now
      s.written = 0
    }
    if (s.written < this.burst) {
      s.written++
      const suppressed = s.suppressed
      s.suppressed = 0
      return { log: true, suppressed }
    }
    s.suppressed++
    return { log: false, suppressed: 0 }
  }
}

/** The broker's limiter for WARN lines about clients (shared by every connection and listener). */
export const clientWarnings = new WarnLimiter()
