// SCRAM (RFC 5802, RFC 7677) key derivation for SCRAM-SHA-256 and SCRAM-SHA-512, with Kafka's rules: the
// mechanism's wire type in Describe/AlterUserScramCredentials (1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512) and
// iteration bounds 4096..16384. Stored per user and mechanism: salt, StoredKey = H(HMAC(SaltedPassword,
// "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key"), iterations; never the password.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto'

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export interface ScramMechanismInfo {
  name: ScramMechanismName
  hash: 'sha256' | 'sha512'
  /** Kafka's ScramMechanism type byte in the admin APIs. */
  type: number
  keyLength: number
  minIterations: number
  maxIterations: number
}

export const SCRAM_MECHANISMS: readonly ScramMechanismInfo[] = [
  { name: 'SCRAM-SHA-256', hash: 'sha256', type: 1, keyLength: 32, minIterations: 4096, maxIterations: 16384 },
  { name: 'SCRAM-SHA-512', hash: 'sha512', type: 2, keyLength: 64, minIterations: 4096, maxIterations: 16384 }
]

export function scramByName (name: string): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find(m => m.name === name)
}

export function scramByType (type: number): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find(m => m.type === type)
}

export interface ScramCredential {
  salt: Buffer
  storedKey: Buffer
  serverKey: Buffer
  iterations: number
}

export function hmac (m: ScramMechanismInfo, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest()
}

export function hash (m: ScramMechanismInfo, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest()
}

/** Hi(password, salt, i) = PBKDF2 with the mechanism's HMAC (what clients send in AlterUserScramCredentials). */
export function saltedPassword (m: ScramMechanismInfo, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.hash)
}

/** The stored form of a credential, from the salted password a client computed. */
export function credentialFrom (m: ScramMechanismInfo, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key')
  return { salt, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations }
}
