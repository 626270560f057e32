// One kind of client quota (produce bytes, fetch bytes, or request time), as Kafka's ClientQuotaManager:
// per measured client (see precedence.ts: the metric tags) a sensor, a SampledRate of what the client used,
// and the bound that applies to it. record() adds the usage and returns the throttle time: 0 within the
// bound, else Kafka's formula (rate.ts throttleTimeMs), capped at `maxThrottleMs` (the request quota caps at
// one window, as ClientRequestQuotaManager).
// Sensors idle for an hour are dropped (Kafka's InactiveSensorExpirationTimeSeconds), checked at most every
// 30 s on record(); beyond MAX_SENSORS (many client ids) the oldest-created are dropped, so memory is bounded.
// A dropped sensor starts from zero usage when the client comes back.
// `enabled` is false until some entity has this quota (and stays true until restart, as Kafka): callers skip
// all of this while it is false. Clock: injected (ms). Threading: main thread.
import { SampledRate, throttleTimeMs, type RateWindow } from './rate.js'
import { CLIENT_ID_LEVEL, USER_CLIENT_ID_LEVEL, USER_LEVEL, quotaLimit, quotaMetricTags, type MetricTags, type Overrides } from './precedence.js'
import { CLIENT_ID, USER, type QuotaEntity } from './entity.js'

export const INACTIVE_SENSOR_EXPIRATION_MS = 3600 * 1000
const SWEEP_INTERVAL_MS = 30 * 1000
export const MAX_SENSORS = 100_000

interface Sensor {
  readonly rate: SampledRate
  readonly tags: MetricTags
  limit: number | null
  /** The overrides generation `limit` was read at. */
  generation: number
  lastRecordMs: number
}

export class QuotaManager {
  private overrides: Map<string, number> = new Map()
  private levels = 0
  private generation = 0
  private readonly sensors = new Map<string, Sensor>()
  private lastSweepMs = -Infinity

  constructor (readonly key: string, readonly window: RateWindow, readonly maxThrottleMs = Infinity, readonly maxSensors = MAX_SENSORS) {}

  /** True once any entity had this quota (sticky until restart, as Kafka's quotasEnabled). */
  get enabled (): boolean {
    return this.levels !== 0
  }

  /** Replaces the quota values of this kind: every user/client-id entity with its value for this key. */
  setQuotas (entries: Iterable<{ entity: QuotaEntity, value: number }>, userClientKey: (e: QuotaEntity) => string): void {
    const next = new Map<string, number>()
    for (const { entity, value } of entries) {
      const hasUser = entity.some(c => c.type === USER)
      const hasClient = entity.some(c => c.type === CLIENT_ID)
      if (!hasUser && !hasClient) continue
      this.levels |= hasUser ? (hasClient ? USER_CLIENT_ID_LEVEL : USER_LEVEL) : CLIENT_ID_LEVEL
      next.set(userClientKey(entity), value)
    }
    this.overrides = next
    this.generation++
  }

  /** The bound for a client (tests and describe; the hot path caches it per sensor). */
  quotaFor (user: string, clientId: string): number | null {
    return quotaLimit(this.overrides, quotaMetricTags(this.levels, this.overrides, user, clientId))
  }

  /** Records `value` for the client at `now`; returns the throttle time in ms (0 when within its quota). */
  record (user: string, clientId: string, value: number, now: number): number {
    const s = this.sensor(user, clientId, now)
    s.rate.record(value, now)
    s.lastRecordMs = now
    if (s.limit === null) return 0
    const observed = s.rate.measure(now)
    if (observed <= s.limit) return 0
    return Math.min(throttleTimeMs(observed, s.limit, s.rate.windowSize(now)), this.maxThrottleMs)
  }

  /** Takes back a recorded value (a throttled fetch is answered empty, so its bytes are not counted). */
  unrecord (user: string, clientId: string, value: number, now: number): void {
    this.sensor(user, clientId, now).rate.record(-value, now)
  }

  /**
   * The most that can be recorded at once without a certain throttle (Kafka's getMaxValueInQuotaWindow, which
   * caps a fetch's max bytes): bound * (samples - 1) * window seconds; Infinity without a quota.
   */
  maxValueInWindow (user: string, clientId: string, now: number): number {
    const limit = this.sensor(user, clientId, now).limit
    return limit === null ? Infinity : limit * (this.window.samples - 1) * this.window.windowMs / 1000
  }

  /** Number of live sensors (tests: bounded memory). */
  get sensorCount (): number {
    return this.sensors.size
  }

  private sensor (user: string, clientId: string, now: number): Sensor {
    if (now - this.lastSweepMs >= SWEEP_INTERVAL_MS) this.sweep(now)
    const tags = quotaMetricTags(this.levels, this.overrides, user, clientId)
    const name = tags.user + '\u0000' + tags.clientId
    let s = this.sensors.get(name)
    if (s === undefined) {
      if (this.sensors.size >= this.maxSensors) this.evictOldest()
      s = { rate: new SampledRate(this.window), tags, limit: quotaLimit(this.overrides, tags), generation: this.generation, lastRecordMs: now }
      this.sensors.set(name, s)
    } else if (s.generation !== this.generation) {
      s.limit = quotaLimit(this.overrides, s.tags)
      s.generation = this.generation
    }
    return s
  }

  private sweep (now: number): void {
    this.lastSweepMs = now
    for (const [name, s] of this.sensors) {
      if (now - s.lastRecordMs >= INACTIVE_SENSOR_EXPIRATION_MS) this.sensors.delete(name)
    }
  }

  private evictOldest (): void {
    // Map order is creation order: drop the oldest tenth at once, so a flood of new client ids costs O(1) each.
    let n = Math.max(1, Math.floor(this.maxSensors / 10))
    for (const name of this.sensors.keys()) {
      this.sensors.delete(name)
      if (--n === 0) break
    }
  }
}
