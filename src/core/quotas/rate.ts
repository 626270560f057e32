// A rate measured over sampled windows: Kafka's Rate over a WindowedSum (SampledStat), which its client
// quotas use. `samples` windows of `windowMs` each (quota.window.num, quota.window.size.seconds); a value is
// added to the current sample, a sample is complete after windowMs, and samples with no event for
// samples * windowMs are reset (obsolete). One extra sample slot is kept for the sample overlapping the start
// of the monitored window (as SampledStat).
//
// measure(now) = (sum of live samples) / windowSize(now) in units per second, where windowSize is the time
// since the oldest live sample started, but at least (samples - 1) full windows (so a client that just
// started is not measured over a few milliseconds), and at least 1 ms.
// Invariants: at most samples + 1 sample slots; times are milliseconds of the injected clock, never wall time
// read here. Threading: main thread.

interface Sample {
  value: number
  eventCount: number
  startMs: number
  lastEventMs: number
}

export interface RateWindow {
  /** quota.window.num */
  readonly samples: number
  /** quota.window.size.seconds, in ms */
  readonly windowMs: number
}

export class SampledRate {
  private readonly slots: Sample[] = []
  private current = 0

  constructor (readonly window: RateWindow) {}

  /** Adds `value` (may be negative: Kafka "unrecords" a throttled fetch that way) at time `now`. */
  record (value: number, now: number): void {
    let s = this.currentSample(now)
    if (now - s.startMs >= this.window.windowMs) s = this.advance(now)
    s.value += value
    s.eventCount++
    s.lastEventMs = now
  }

  /** The rate per second at `now`. */
  measure (now: number): number {
    this.purgeObsolete(now)
    let sum = 0
    for (const s of this.slots) sum += s.value
    return sum / (this.windowSize(now) / 1000)
  }

  /** The time (ms) the rate is measured over at `now` (Kafka's Rate.windowSize). */
  windowSize (now: number): number {
    this.purgeObsolete(now)
    let elapsed = now - this.oldest(now).startMs
    const fullWindows = Math.floor(elapsed / this.window.windowMs)
    const minFull = this.window.samples - 1
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.window.windowMs
    return Math.max(elapsed, 1)
  }

  /** The time of the last recorded event (for expiring idle sensors). */
  get lastEventMs (): number {
    let last = -Infinity
    for (const s of this.slots) if (s.lastEventMs > last) last = s.lastEventMs
    return last
  }

  private currentSample (now: number): Sample {
    if (this.slots.length === 0) this.slots.push(newSample(now))
    return this.slots[this.current]
  }

  private advance (now: number): Sample {
    this.current = (this.current + 1) % (this.window.samples + 1)
    if (this.current >= this.slots.length) {
      const s = newSample(now)
      this.slots.push(s)
      return s
    }
    const s = this.slots[this.current]
    reset(s, now)
    return s
  }

  private oldest (now: number): Sample {
    if (this.slots.length === 0) this.slots.push(newSample(now))
    let oldest = this.slots[0]
    for (const s of this.slots) if (s.startMs < oldest.startMs) oldest = s
    return oldest
  }

  private purgeObsolete (now: number): void {
    const expireAge = this.window.samples * this.window.windowMs
    for (const s of this.slots) if (now - s.lastEventMs >= expireAge) reset(s, now)
  }
}

function newSample (now: number): Sample {
  return { value: 0, eventCount: 0, startMs: now, lastEventMs: now }
}

function reset (s: Sample, now: number): void {
  s.value = 0
  s.eventCount = 0
  s.startMs = now
  s.lastEventMs = now
}

/**
 * Kafka's QuotaUtils.throttleTime: the delay X that brings the observed rate O back to the bound T over the
 * window W the rate was measured on: O * W / (W + X) = T, so X = (O - T) / T * W; rounded to whole ms.
 */
export function throttleTimeMs (observed: number, bound: number, windowMs: number): number {
  return Math.round((observed - bound) / bound * windowMs)
}
