// SaslAuthenticate (key 36, v0-v2): one SASL token each way, after SaslHandshake v1.
// Version notes: v0 (KIP-152) token and error message; v1 (KIP-368) adds session_lifetime_ms, the time the
// client has before it must re-authenticate (0: no limit); v2 is flexible.
// Errors: SASL_AUTHENTICATION_FAILED with the mechanism's message (then the connection ends after
// connection.failed.authentication.delay.ms); ILLEGAL_SASL_STATE without a handshake, on a listener without
// SASL, or after authentication completed (as Kafka). The state machine is network/sasl-authenticator.ts.
import { decodeSaslAuthenticateRequest, type SaslAuthenticateRequest } from '../../protocol/generated/messages/sasl-authenticate-request.js'
import { sizeSaslAuthenticateResponse, writeSaslAuthenticateResponse, type SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'

export default defineHandler({
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  codec: { decodeRequest: decodeSaslAuthenticateRequest, sizeResponse: sizeSaslAuthenticateResponse, writeResponse: writeSaslAuthenticateResponse },
  uses: [],
  async handle (_svc, ctx, req: SaslAuthenticateRequest): Promise<SaslAuthenticateResponse> {
    const sasl = ctx.connection.sasl
    if (sasl === null) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }
    }
    return await sasl.authenticate(req.authBytes, ctx.apiVersion)
  }
})
