// Routes decoded requests to the handler for their API key (the network layer's RequestRouter).
//
// Eager handlers are routable at once. Lazy ones (see handlers/index.ts) have a route without a codec until
// loadLazy() has imported them; the connection awaits route.ready() for a request that arrives before then.
// Each handler is bound, when it is added, to the narrow view of the services it declares (`uses`).
// Invariant: every route's advertised range is the handler's own (checked when a lazy handler loads).
// Client quotas: once any quota exists, every request goes through quota-throttle.ts (throttle times, mute);
// before that the cost is one boolean read per request.
import type { RequestContext, RequestRouter, RouteInfo } from './network/connection.js'
import { API_INFO } from '../protocol/generated/api-keys.js'
import { ErrorCode } from '../protocol/errors.js'
import type { Handler } from './handler.js'
import type { LazyHandler } from './handlers/index.js'
import { apiVersionsBody } from './handlers/18-api-versions.js'
import { narrow, type AdvertisedApi, type KafkaServices } from './services.js'
import { withQuotas } from './quota-throttle.js'

export type { AdvertisedApi }

interface Bound {
  handler: Handler
  services: unknown
}

export class Router implements RequestRouter {
  private readonly byKey = new Map<number, Bound>()
  private readonly routes = new Map<number, RouteInfo>()
  private lazyLoad: Promise<void> | null = null

  /**
   * `beforeLazy` runs before the lazy handlers load: the core prepares what they need (the group coordinator).
   */
  constructor (private readonly services: KafkaServices, eager: readonly Handler[], private readonly lazy: readonly LazyHandler[],
    private readonly beforeLazy: () => Promise<unknown> = async () => {}) {
    for (const h of eager) this.add(h)
    for (const l of lazy) {
      this.routes.set(l.apiKey, { info: infoOf(l.apiKey), min: l.minVersion, max: l.maxVersion, codec: null, ready: async () => await this.loadLazy() })
    }
  }

  private add (h: Handler): void {
    this.byKey.set(h.apiKey, { handler: h, services: narrow(this.services, h.uses) })
    this.routes.set(h.apiKey, { info: infoOf(h.apiKey), min: h.minVersion, max: h.maxVersion, codec: h.codec, ready: null })
  }

  /** Imports every lazy handler (once; later calls share the same promise), after `beforeLazy`. */
  loadLazy (): Promise<void> {
    this.lazyLoad ??= (async () => {
      await this.beforeLazy()
      const loaded = await Promise.all(this.lazy.map(async l => ({ l, h: await l.load() })))
      for (const { l, h } of loaded) {
        if (h.apiKey !== l.apiKey || h.minVersion !== l.minVersion || h.maxVersion !== l.maxVersion) {
          throw new Error(`handlers/index.ts lists api key ${l.apiKey} v${l.minVersion}-v${l.maxVersion}, its handler declares api key ${h.apiKey} v${h.minVersion}-v${h.maxVersion}`)
        }
        this.add(h)
      }
    })()
    return this.lazyLoad
  }

  route (apiKey: number): RouteInfo | undefined {
    return this.routes.get(apiKey)
  }

  /** Every served API and its version range, in key order (ApiVersions). */
  advertised (): AdvertisedApi[] {
    return [...this.routes.entries()]
      .map(([apiKey, r]) => ({ apiKey, minVersion: r.min, maxVersion: r.max }))
      .sort((a, b) => a.apiKey - b.apiKey)
  }

  handle (ctx: RequestContext, request: unknown): unknown {
    const b = this.byKey.get(ctx.apiKey) as Bound
    const quotas = this.services.quotas
    if (!quotas.anyEnabled) return b.handler.handle(b.services as any, ctx, request)
    return withQuotas(quotas, ctx, request, b.handler.codec, () => b.handler.handle(b.services as any, ctx, request))
  }

  unsupportedApiVersionsResponse (): unknown {
    return apiVersionsBody(this.services, ErrorCode.UNSUPPORTED_VERSION)
  }
}

function infoOf (apiKey: number): NonNullable<ReturnType<typeof API_INFO.get>> {
  const info = API_INFO.get(apiKey)
  if (info === undefined) throw new Error(`handler for unknown api key ${apiKey}`)
  return info
}
