// Routes decoded requests to the handler for their API key (the network layer's RequestRouter).
import type { RequestContext, RequestRouter } from '../network/connection.js'
import { ErrorCode } from '../protocol/errors.js'
import type { Broker } from './broker.js'
import type { Handler } from './handler.js'
import { apiVersionsBody } from './handlers/18-api-versions.js'

export class Router implements RequestRouter {
  private readonly byKey = new Map<number, Handler>()

  constructor (private readonly broker: Broker, handlers: readonly Handler[]) {
    for (const h of handlers) this.byKey.set(h.apiKey, h)
  }

  advertised (): Handler[] {
    return [...this.byKey.values()].sort((a, b) => a.apiKey - b.apiKey)
  }

  versions (apiKey: number): { min: number, max: number } | undefined {
    const h = this.byKey.get(apiKey)
    return h === undefined ? undefined : { min: h.minVersion, max: h.maxVersion }
  }

  handle (ctx: RequestContext, request: unknown): unknown {
    const h = this.byKey.get(ctx.apiKey) as Handler
    return h.handle(this.broker, ctx, request)
  }

  unsupportedApiVersionsResponse (): unknown {
    return apiVersionsBody(this.broker, ErrorCode.UNSUPPORTED_VERSION)
  }
}
