// Routes decoded requests to the handler for their API key (the network layer's RequestRouter).
import type { RequestContext, RequestRouter, RouteInfo } from '../network/connection.js'
import { API_INFO } from '../protocol/generated/api-keys.js'
import { ErrorCode } from '../protocol/errors.js'
import type { Broker } from './broker.js'
import type { Handler, HandlerCodec } from './handler.js'
import { apiVersionsBody } from './handlers/18-api-versions.js'

export class Router implements RequestRouter {
  private readonly byKey = new Map<number, Handler>()
  private readonly routes = new Map<number, RouteInfo>()

  constructor (private readonly broker: Broker, handlers: readonly Handler[]) {
    for (const h of handlers) this.byKey.set(h.apiKey, h)
  }

  /**
   * Resolves every handler's codecs. Handlers normally bring their own; only if one does not is the full
   * generated registry (every message module, tens of milliseconds to load) imported.
   */
  async init (): Promise<void> {
    let registry: Map<number, HandlerCodec> | null = null
    for (const h of this.byKey.values()) {
      const info = API_INFO.get(h.apiKey)
      if (info === undefined) throw new Error(`handler for unknown api key ${h.apiKey}`)
      let codec = h.codec
      if (codec === undefined) {
        registry ??= new Map((await import('../protocol/generated/api-registry.js')).API_SPECS)
        codec = registry.get(h.apiKey) as HandlerCodec
      }
      this.routes.set(h.apiKey, { info, min: h.minVersion, max: h.maxVersion, codec })
    }
  }

  route (apiKey: number): RouteInfo | undefined {
    return this.routes.get(apiKey)
  }

  advertised (): Handler[] {
    return [...this.byKey.values()].sort((a, b) => a.apiKey - b.apiKey)
  }

  handle (ctx: RequestContext, request: unknown): unknown {
    const h = this.byKey.get(ctx.apiKey) as Handler
    return h.handle(this.broker, ctx, request)
  }

  unsupportedApiVersionsResponse (): unknown {
    return apiVersionsBody(this.broker, ErrorCode.UNSUPPORTED_VERSION)
  }
}
