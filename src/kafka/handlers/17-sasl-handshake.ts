// SaslHandshake (key 17, v0-v1): the client names its SASL mechanism; the answer lists the listener's
// enabled mechanisms (sasl.enabled.mechanisms).
// Version notes: v0 is the legacy exchange: the SASL tokens that follow are raw size-prefixed frames, not
// Kafka requests (see network/sasl-authenticator.ts). v1 (KIP-152): the tokens follow in SaslAuthenticate.
// Errors: UNSUPPORTED_SASL_MECHANISM with the enabled list (the connection then ends); ILLEGAL_SASL_STATE on a
// listener without SASL (as Kafka), or out of sequence. A second handshake after authentication is a KIP-368
// re-authentication (v1, same mechanism). Synchronous on purpose: the legacy framing applies from the next frame.
import { decodeSaslHandshakeRequest, type SaslHandshakeRequest } from '../../protocol/generated/messages/sasl-handshake-request.js'
import { sizeSaslHandshakeResponse, writeSaslHandshakeResponse, type SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'

export default defineHandler({
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeSaslHandshakeRequest, sizeResponse: sizeSaslHandshakeResponse, writeResponse: writeSaslHandshakeResponse },
  uses: [],
  handle (_svc, ctx, req: SaslHandshakeRequest): SaslHandshakeResponse {
    const sasl = ctx.connection.sasl
    if (sasl === null) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }
    return sasl.handshake(req.mechanism, ctx.apiVersion)
  }
})
