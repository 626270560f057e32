// SCRAM credentials, durable: <dataDir>/samsa-scram-credentials.msgpack (storage/state-file.ts), format 1:
//   { <user>: { <mechanism name>: { salt: bin, storedKey: bin, serverKey: bin, iterations: int } } }
// Never a password. Kafka's AlterUserScramCredentials rules are applied here (protocol-neutral, answered as
// Kafka error codes): a (user, mechanism) pair twice in one request -> DUPLICATE_RESOURCE for that user; an
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

  /**
   * AlterUserScramCredentials: one result per user named in the request, in first-mention order. A user's
   * changes apply together or not at all (the first problem with any of its entries is its answer).
   */
  async alter (deletions: ScramDeletion[], upsertions: ScramUpsertion[]): Promise<ScramAlterResult[]> {
    const entries: Array<{ d: ScramDeletion, up: ScramUpsertion | null }> = [
      ...deletions.map(d => ({ d, up: null })),
      ...upsertions.map(u => ({ d: { name: u.name, mechanism: u.mechanism }, up: u }))
    ]
    const pairs = new Map<string, number>()
    for (const { d } of entries) pairs.set(`${d.mechanism}:${d.name}`, (pairs.get(`${d.mechanism}:${d.name}`) ?? 0) + 1)
    const byUser = new Map<string, typeof entries>()
    for (const e of entries) {
      let list = byUser.get(e.d.name)
      if (list === undefined) byUser.set(e.d.name, list = [])
      list.push(e)
    }
    const results: ScramAlterResult[] = []
    let changed = false
    const before = new Map(this.users) // each change sets a new per-user map, never edits one
    for (const [user, list] of byUser) {
      const problem = this.problem(user, list, pairs)
      if (problem !== null) {
        results.push({ user, errorCode: problem[0], errorMessage: problem[1] })
        continue
      }
      const m = new Map(this.users.get(user) ?? [])
      for (const { d, up } of list) {
        const mech = scramByType(d.mechanism)!
        if (up === null) m.delete(mech.name)
        else m.set(mech.name, credentialFrom(mech, Buffer.from(up.saltedPassword), Buffer.from(up.salt), up.iterations))
      }
      if (m.size === 0) this.users.delete(user)
      else this.users.set(user, m)
      changed = true
      results.push({ user, errorCode: NONE, errorMessage: null })
    }
    if (changed) {
      try {
        await this.persist()
      } catch (err) {
        // not written (a full disk, a read-only data directory): nothing changed
        this.users.clear()
        for (const [k, v] of before) this.users.set(k, v)
        throw err
      }
    }
    return results
  }

  /** The first reason (Kafka's code and a message) a user's entries cannot be applied, or null. */
  private problem (user: string, list: Array<{ d: ScramDeletion, up: ScramUpsertion | null }>, pairs: Map<string, number>): [number, string] | null {
    if (user === '') return [UNACCEPTABLE_CREDENTIAL, 'Username must not be empty']
    for (const { d, up } of list) {
      const mech = scramByType(d.mechanism)
      if ((pairs.get(`${d.mechanism}:${user}`) ?? 0) > 1) {
        return [DUPLICATE_RESOURCE, `A user credential cannot be altered twice in the same request: ${mech?.name ?? `mechanism ${d.mechanism}`} for user ${user}`]
      }
      if (mech === undefined) return [UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism type ${d.mechanism} (known: ${SCRAM_MECHANISMS.map(m => `${m.type}=${m.name}`).join(', ')})`]
      if (up === null) {
        if (this.get(user, mech.name) === undefined) return [RESOURCE_NOT_FOUND, `Attempt to delete a user credential that does not exist: ${mech.name} for user ${user}`]
        continue
      }
      if (up.iterations < mech.minIterations) return [UNACCEPTABLE_CREDENTIAL, `Too few iterations for ${mech.name}: ${up.iterations} (minimum ${mech.minIterations})`]
      if (up.iterations > mech.maxIterations) return [UNACCEPTABLE_CREDENTIAL, `Too many iterations for ${mech.name}: ${up.iterations} (maximum ${mech.maxIterations})`]
      if (up.salt.length === 0) return [UNACCEPTABLE_CREDENTIAL, `Empty salt for user ${user}`]
      if (up.saltedPassword.length === 0) return [UNACCEPTABLE_CREDENTIAL, `Empty salted password for user ${user}`]
    }
    return null
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
