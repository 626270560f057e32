// SCRAM credentials, durable: <dataDir>/samsa-scram-credentials.msgpack (storage/state-file.ts), format 1:
//   { <user>: { <mechanism name>: { salt: bin, storedKey: bin, serverKey: bin, iterations: int } } }
// Never a password. Kafka's AlterUserScramCredentials rules are applied here (protocol-neutral, answered as
// Kafka error codes): a user named twice in one request -> DUPLICATE_RESOURCE for each of its entries; an
// unknown mechanism -> UNSUPPORTED_SASL_MECHANISM; an empty user, empty salt or salted password, or iterations
// outside 4096..16384 -> UNACCEPTABLE_CREDENTIAL; deleting a credential that does not exist ->
// RESOURCE_NOT_FOUND. A request's accepted changes are applied and written once (the answer waits for the
// fsync). Reads are in memory; the SCRAM exchange reads the current map (a change applies to the next login).
import { ErrorCode } from '../../../protocol/errors.js'
import { StateFile } from '../../../storage/state-file.js'
import { credentialFrom, scramByName, scramByType, SCRAM_MECHANISMS, type ScramCredential } from './scram-formulas.js'

type Stored = Record<string, Record<string, { salt: Uint8Array, storedKey: Uint8Array, serverKey: Uint8Array, iterations: number }>>

const { NONE, UNSUPPORTED_SASL_MECHANISM, RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE, UNACCEPTABLE_CREDENTIAL } = ErrorCode

export interface ScramDeletion { name: string, mechanism: number }
export interface ScramUpsertion { name: string, mechanism: number, iterations: number, salt: Buffer, saltedPassword: Buffer }
export interface ScramAlterResult { user: string, errorCode: number, errorMessage: string | null }
export interface ScramUserDescription { user: string, errorCode: number, errorMessage: string | null, credentialInfos: Array<{ mechanism: number, iterations: number }> }

export class ScramCredentialStore {
  private constructor (private readonly file: StateFile<Stored> | null, private readonly users: Map<string, Map<string, ScramCredential>>) {}

  /** Loads the store of a data directory (empty when the file does not exist yet). */
  static async open (dataDir: string): Promise<ScramCredentialStore> {
    const file = new StateFile<Stored>(dataDir, 'scram-credentials', 1)
    const stored = await file.read() ?? {}
    const users = new Map<string, Map<string, ScramCredential>>()
    for (const [user, mechs] of Object.entries(stored)) {
      const m = new Map<string, ScramCredential>()
      for (const [mech, c] of Object.entries(mechs)) {
        m.set(mech, { salt: Buffer.from(c.salt), storedKey: Buffer.from(c.storedKey), serverKey: Buffer.from(c.serverKey), iterations: c.iterations })
      }
      users.set(user, m)
    }
    return new ScramCredentialStore(file, users)
  }

  /** A store that is not written anywhere (unit tests). */
  static inMemory (): ScramCredentialStore {
    return new ScramCredentialStore(null, new Map())
  }

  get (user: string, mechanism: string): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism)
  }

  /** DescribeUserScramCredentials: `names` null or empty = every user with a credential. */
  describe (names: string[] | null): { errorCode: number, errorMessage: string | null, results: ScramUserDescription[] } {
    const info = (m: Map<string, ScramCredential>): Array<{ mechanism: number, iterations: number }> =>
      [...m.entries()].map(([mech, c]) => ({ mechanism: scramByName(mech)?.type ?? 0, iterations: c.iterations })).sort((a, b) => a.mechanism - b.mechanism)
    if (names === null || names.length === 0) {
      return { errorCode: NONE, errorMessage: null, results: [...this.users.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([user, m]) => ({ user, errorCode: NONE, errorMessage: null, credentialInfos: info(m) })) }
    }
    const count = new Map<string, number>()
    for (const n of names) count.set(n, (count.get(n) ?? 0) + 1)
    const results: ScramUserDescription[] = []
    for (const [user, n] of count) {
      const m = this.users.get(user)
      if (n > 1) results.push({ user, errorCode: DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] })
      else if (m === undefined) results.push({ user, errorCode: RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe nonexistent SCRAM credentials for user ${user}`, credentialInfos: [] })
      else results.push({ user, errorCode: NONE, errorMessage: null, credentialInfos: info(m) })
    }
    return { errorCode: NONE, errorMessage: null, results }
  }

  /** AlterUserScramCredentials: one result per user named in the request, in first-mention order. */
  async alter (deletions: ScramDeletion[], upsertions: ScramUpsertion[]): Promise<ScramAlterResult[]> {
    const order: string[] = []
    const count = new Map<string, number>()
    for (const e of [...deletions, ...upsertions]) {
      if (!count.has(e.name)) order.push(e.name)
      count.set(e.name, (count.get(e.name) ?? 0) + 1)
    }
    const results = new Map<string, ScramAlterResult>()
    const fail = (user: string, errorCode: number, errorMessage: string): void => { results.set(user, { user, errorCode, errorMessage }) }
    const next = new Map<string, Map<string, ScramCredential>>()
    const working = (user: string): Map<string, ScramCredential> => {
      let m = next.get(user)
      if (m === undefined) next.set(user, m = new Map(this.users.get(user) ?? []))
      return m
    }
    for (const d of deletions) {
      if (results.has(d.name)) continue
      if ((count.get(d.name) ?? 0) > 1) { fail(d.name, DUPLICATE_RESOURCE, `A user credential cannot be altered twice in the same request: ${d.name}`); continue }
      if (d.name === '') { fail(d.name, UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'); continue }
      const mech = scramByType(d.mechanism)
      if (mech === undefined) { fail(d.name, UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism type ${d.mechanism} (known: ${SCRAM_MECHANISMS.map(m => `${m.type}=${m.name}`).join(', ')})`); continue }
      const m = working(d.name)
      if (!m.has(mech.name)) { fail(d.name, RESOURCE_NOT_FOUND, `Attempt to delete a user credential that does not exist: ${mech.name} for user ${d.name}`); continue }
      m.delete(mech.name)
      results.set(d.name, { user: d.name, errorCode: NONE, errorMessage: null })
    }
    for (const u of upsertions) {
      if (results.has(u.name)) continue
      if ((count.get(u.name) ?? 0) > 1) { fail(u.name, DUPLICATE_RESOURCE, `A user credential cannot be altered twice in the same request: ${u.name}`); continue }
      if (u.name === '') { fail(u.name, UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'); continue }
      const mech = scramByType(u.mechanism)
      if (mech === undefined) { fail(u.name, UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism type ${u.mechanism} (known: ${SCRAM_MECHANISMS.map(m => `${m.type}=${m.name}`).join(', ')})`); continue }
      if (u.iterations < mech.minIterations) { fail(u.name, UNACCEPTABLE_CREDENTIAL, `Too few iterations for ${mech.name}: ${u.iterations} (minimum ${mech.minIterations})`); continue }
      if (u.iterations > mech.maxIterations) { fail(u.name, UNACCEPTABLE_CREDENTIAL, `Too many iterations for ${mech.name}: ${u.iterations} (maximum ${mech.maxIterations})`); continue }
      if (u.salt.length === 0) { fail(u.name, UNACCEPTABLE_CREDENTIAL, `Empty salt for user ${u.name}`); continue }
      if (u.saltedPassword.length === 0) { fail(u.name, UNACCEPTABLE_CREDENTIAL, `Empty salted password for user ${u.name}`); continue }
      working(u.name).set(mech.name, credentialFrom(mech, Buffer.from(u.saltedPassword), Buffer.from(u.salt), u.iterations))
      results.set(u.name, { user: u.name, errorCode: NONE, errorMessage: null })
    }
    let changed = false
    for (const [user, m] of next) {
      if (results.get(user)?.errorCode !== NONE) continue
      changed = true
      if (m.size === 0) this.users.delete(user)
      else this.users.set(user, m)
    }
    if (changed) await this.persist()
    return order.map(u => results.get(u) as ScramAlterResult)
  }

  private async persist (): Promise<void> {
    if (this.file === null) return
    const out: Stored = {}
    for (const [user, m] of this.users) {
      out[user] = {}
      for (const [mech, c] of m) out[user][mech] = { salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations }
    }
    await this.file.write(out)
  }
}
