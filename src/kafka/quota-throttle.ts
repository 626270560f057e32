// Client quota enforcement for the Kafka front door, as Kafka's KafkaApis and RequestHandlerHelper (KIP-219):
// the router runs every handler through withQuotas() once any quota exists (none: not called at all).
//   Produce   records the request size against producer_byte_rate and, unless acks=0, the handler time
//             against request_percentage; the larger throttle time goes into throttle_time_ms.
//   Fetch     records the handler time, then the response size against consumer_byte_rate; when either is
//             violated the fetched bytes are taken back and the answer is Kafka's throttled fetch: no partitions,
//             error NONE, session id 0, throttle_time_ms set. A fetch's max bytes are capped first at what the
//             client's fetch quota allows in one window (Kafka's getMaxValueInQuotaWindow).
//   others    with a throttle_time_ms field: the handler time against request_percentage (WriteTxnMarkers, a
//             cluster action, is exempt as in Kafka).
// Whenever the throttle time is > 0 the connection is muted for that long (Connection.throttle), the answer
// itself is sent at once. The user is the principal's name (ANONYMOUS without authentication, as Kafka), the
// client id the request header's ("" when null).
// Handler time: the synchronous part of handle() on the event loop (Kafka's request thread time); time spent
// waiting (fsync, a parked fetch) is not the broker's work and is not counted. As a percentage of one thread:
// ms * 1e6 ns * (100 / 1e9) = ms / 10 per window second.
import type { RequestContext } from './network/connection.js'
import { AFTER_WRITE } from './network/connection.js'
import type { ClientQuotas } from '../core/quotas/client-quotas.js'
import type { HandlerCodec } from './handler.js'

const PRODUCE = 0
const FETCH = 1
/** Cluster actions Kafka answers with sendResponseExemptThrottle. */
const EXEMPT: ReadonlySet<number> = new Set([27])

interface Throttleable { throttleTimeMs?: unknown }

/** Runs `call` (the handler) and applies the client's quotas to its answer. */
export function withQuotas (quotas: ClientQuotas, ctx: RequestContext, request: unknown, codec: HandlerCodec, call: () => unknown): unknown {
  const user = ctx.session.principal.name
  const clientId = ctx.clientId ?? ''
  if (ctx.apiKey === FETCH && quotas.fetch.enabled) capFetchBytes(quotas, user, clientId, request)
  const start = performance.now()
  const result = call()
  const handlerMs = performance.now() - start
  if (result instanceof Promise) return result.then(body => apply(quotas, ctx, request, codec, user, clientId, handlerMs, body))
  return apply(quotas, ctx, request, codec, user, clientId, handlerMs, result)
}

function apply (quotas: ClientQuotas, ctx: RequestContext, request: unknown, codec: HandlerCodec, user: string, clientId: string, handlerMs: number, body: unknown): unknown {
  const now = quotas.clock()
  const percent = handlerMs / 10
  if (ctx.apiKey === PRODUCE) {
    const bandwidth = quotas.produce.enabled ? quotas.produce.record(user, clientId, ctx.requestSize, now) : 0
    const acks = (request as { acks?: number }).acks
    const time = acks === 0 || !quotas.request.enabled ? 0 : quotas.request.record(user, clientId, percent, now)
    const throttle = Math.max(bandwidth, time)
    if (throttle > 0) {
      if (body !== null && body !== undefined) (body as Throttleable).throttleTimeMs = throttle
      ctx.connection.throttle(throttle)
    }
    return body
  }
  if (ctx.apiKey === FETCH) {
    if (body === null || body === undefined) return body
    const time = quotas.request.enabled ? quotas.request.record(user, clientId, percent, now) : 0
    let bandwidth = 0
    let size = 0
    if (quotas.fetch.enabled) {
      size = 4 + codec.sizeResponse(ctx.apiVersion, body) // Kafka's FetchResponse.sizeOf: the body and its size prefix
      bandwidth = quotas.fetch.record(user, clientId, size, now)
    }
    const throttle = Math.max(bandwidth, time)
    if (throttle === 0) return body
    if (quotas.fetch.enabled) quotas.fetch.unrecord(user, clientId, size, now)
    ctx.connection.throttle(throttle)
    // The fetched data is not sent: give back what it holds (pooled read buffers).
    const release = (body as { [AFTER_WRITE]?: () => void })[AFTER_WRITE]
    if (release !== undefined) release()
    return { throttleTimeMs: throttle, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] }
  }
  if (body === null || body === undefined || !quotas.request.enabled || EXEMPT.has(ctx.apiKey)) return body
  if (typeof (body as Throttleable).throttleTimeMs !== 'number') return body
  const throttle = quotas.request.record(user, clientId, percent, now)
  if (throttle > 0) {
    (body as Throttleable).throttleTimeMs = throttle
    ctx.connection.throttle(throttle)
  }
  return body
}

function capFetchBytes (quotas: ClientQuotas, user: string, clientId: string, request: unknown): void {
  const req = request as { maxBytes?: number }
  if (typeof req.maxBytes !== 'number') return
  const max = quotas.fetch.maxValueInWindow(user, clientId, quotas.clock())
  if (max < req.maxBytes) req.maxBytes = Math.max(1, Math.floor(max))
}
