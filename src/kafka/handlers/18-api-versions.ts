// ApiVersions (key 18): the API keys and version ranges this broker serves, taken from the handler table
// so the advertisement is exactly what is implemented.
//
// Version notes:
//   v0      error code + api keys
//   v1      + throttle time
//   v2      same as v1
//   v3      flexible; ClientSoftwareName/Version in the request (accepted, logged at debug); tagged
//           SupportedFeatures/FinalizedFeatures (Samsa has no feature flags: empty, epoch -1)
//   v4      same body as v3
// An unsupported version is answered by the network layer with a v0 body and UNSUPPORTED_VERSION (KIP-511).
import { decodeApiVersionsRequest, type ApiVersionsRequest } from '../../protocol/generated/messages/api-versions-request.js'
import { sizeApiVersionsResponse, writeApiVersionsResponse, type ApiVersionsResponse } from '../../protocol/generated/messages/api-versions-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import type { KafkaServices } from '../services.js'

export function apiVersionsBody (svc: Pick<KafkaServices, 'listener'>, errorCode: number): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: svc.listener.apis().map(h => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false
  }
}

export default defineHandler({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeApiVersionsRequest, sizeResponse: sizeApiVersionsResponse, writeResponse: writeApiVersionsResponse },
  uses: ['listener'],
  handle (svc) {
    return apiVersionsBody(svc, ErrorCode.NONE)
  }
})
