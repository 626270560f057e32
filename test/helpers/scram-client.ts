// Test helper: the client side of SCRAM (RFC 5802), to drive the server with exact messages.
import { randomBytes } from 'node:crypto'
import { credentialFrom, hash, hmac, saltedPassword, type ScramMechanismInfo } from '../../src/core/security/sasl/scram-formulas.js'

export class ScramClient {
  readonly clientFirstBare: string
  private serverFirst = ''
  private authMessage = ''
  private salted: Buffer = Buffer.alloc(0)

  constructor (readonly mech: ScramMechanismInfo, readonly user: string, readonly password: string, readonly nonce = randomBytes(18).toString('base64url')) {
    this.clientFirstBare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`
  }

  first (): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`)
  }

  /** The client-final message for a server-first message (`nonceOverride` to send a different nonce). */
  final (serverFirst: Buffer | string, nonceOverride?: string): Buffer {
    this.serverFirst = serverFirst.toString()
    const fields = Object.fromEntries(this.serverFirst.split(',').map(kv => [kv[0], kv.slice(2)]))
    const salt = Buffer.from(fields.s as string, 'base64')
    this.salted = saltedPassword(this.mech, this.password, salt, Number(fields.i))
    const withoutProof = `c=biws,r=${nonceOverride ?? (fields.r as string)}`
    this.authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`
    const clientKey = hmac(this.mech, this.salted, 'Client Key')
    const signature = hmac(this.mech, hash(this.mech, clientKey), this.authMessage)
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)
  }

  /** Whether the server-final message proves the server knows the credential. */
  verify (serverFinal: Buffer | string): boolean {
    const { serverKey } = credentialFrom(this.mech, this.salted, Buffer.alloc(0), 0)
    return serverFinal.toString() === `v=${hmac(this.mech, serverKey, this.authMessage).toString('base64')}`
  }
}
