// The shape of an API handler: one file per API key under handlers/, named NN-<api>.ts, each opening with
// "version notes" (what each version adds, what is not implemented) and declaring the versions it serves.
// ApiVersions advertises exactly these ranges.
//
// A handler declares the core services it uses (`uses`) and its handle() receives exactly those (a narrow
// view built once by the router, see services.ts), never the broker: what a handler can touch is written at
// its top.
import type { RequestContext } from './network/connection.js'
import type { KafkaServices, ServiceName } from './services.js'
import type { Reader } from '../protocol/primitives/reader.js'
import type { Writer } from '../protocol/primitives/writer.js'

/** The generated codec functions a handler's API needs on the broker side. */
export interface HandlerCodec {
  decodeRequest: (r: Reader, version: number) => any
  sizeResponse: (version: number, msg: any) => number
  writeResponse: (w: Writer, version: number, msg: any) => void
}

export interface Handler<Req = any, Res = any, N extends ServiceName = ServiceName> {
  apiKey: number
  minVersion: number
  maxVersion: number
  /**
   * The API's generated codecs. Importing them per handler keeps the broker from loading every generated
   * message module at start (see api-keys.ts).
   */
  codec: HandlerCodec
  /** The services handle() receives. */
  uses: readonly N[]
  /** Resolves to the response body, or null when the request gets no response (Produce acks=0). */
  handle: (services: Pick<KafkaServices, N>, ctx: RequestContext, request: Req) => Res | null | Promise<Res | null>
}

export function defineHandler<Req, Res, const N extends ServiceName> (h: Handler<Req, Res, N>): Handler<Req, Res, N> {
  return h
}
