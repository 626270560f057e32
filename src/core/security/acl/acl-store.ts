// The durable ACLs: <dataDir>/samsa-acls.msgpack (storage/state-file.ts), format version 1, data: an array of
// bindings, each [resourceType, resourceName, patternType, principal, host, operation, permission] with
// Kafka's codes. The whole set is written after every change; a write that resolves is on disk.
import { StateFile, StateFileError } from '../../../storage/state-file.js'
import { validateBinding, type AclBinding } from './model.js'

type Row = [number, string, number, string, string, number, number]

export class AclStore {
  private readonly file: StateFile<Row[]>

  constructor (dataDir: string) {
    this.file = new StateFile<Row[]>(dataDir, 'acls', 1)
  }

  get path (): string { return this.file.path }

  /** The stored bindings ([] when none were ever stored); a malformed entry is a StateFileError naming it. */
  async load (): Promise<AclBinding[]> {
    const rows = await this.file.read()
    if (rows === null) return []
    if (!Array.isArray(rows)) throw new StateFileError(`${this.file.path}: expected an array of ACL bindings`)
    return rows.map((r, i) => {
      const b: AclBinding = Array.isArray(r)
        ? { resourceType: r[0], resourceName: r[1], patternType: r[2], principal: r[3], host: r[4], operation: r[5], permission: r[6] }
        : (null as unknown as AclBinding)
      const why = b === null ? 'not an array' : validateBinding(b)
      if (why !== null) throw new StateFileError(`${this.file.path}: ACL binding ${i}: ${why}`)
      return b
    })
  }

  async save (bindings: readonly AclBinding[]): Promise<void> {
    await this.file.write(bindings.map(b => [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]))
  }
}
