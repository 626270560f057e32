// The client quotas set with AlterClientQuotas, durable in <dataDir>/samsa-client-quotas.msgpack (StateFile,
// format version 1):
//   { entities: Array<{ entity: Array<[type, name | null]>, values: Record<key, number> }> }
// An entity without values is not stored (Kafka removes it). Written whole after every change that altered
// something; alter() resolves once the new state is on disk. Threading: main thread; alterations are applied
// in call order (each awaits the previous one's file write through StateFile's queue).
import { StateFile } from '../../storage/state-file.js'
import { canonicalEntity, entityKey, isEntityType, type EntityComponent, type QuotaEntity, IP, USER, CLIENT_ID } from './entity.js'
import { IP_KEYS, USER_CLIENT_KEYS, quotaValueProblem } from './quota-keys.js'

export const STATE_NAME = 'client-quotas'
const FORMAT_VERSION = 1

interface StoredEntity {
  entity: Array<[string, string | null]>
  values: Record<string, number>
}

interface Stored {
  entities: StoredEntity[]
}

export interface QuotaEntry {
  readonly entity: QuotaEntity
  readonly values: ReadonlyMap<string, number>
}

/** One entity's alteration as a request carries it; a null value removes the key. */
export interface QuotaAlteration {
  entity: ReadonlyArray<{ entityType: string, entityName: string | null }>
  ops: ReadonlyArray<{ key: string, value: number | null }>
}

/** The outcome for one entity, with Kafka's message on failure (INVALID_REQUEST). */
export interface AlterResult {
  entity: ReadonlyArray<{ entityType: string, entityName: string | null }>
  error: string | null
}

/** A filter component of DescribeClientQuotas (match type 0 exact, 1 default, 2 specified). */
export interface FilterComponent {
  entityType: string
  matchType: number
  match: string | null
}

/** Why a DescribeClientQuotas filter is refused: Kafka answers the whole request with this code. */
export interface FilterProblem {
  code: 'INVALID_REQUEST' | 'UNSUPPORTED_VERSION'
  message: string
}

/** Whether an ip entity name is an address or a resolvable host (Kafka: InetAddress.getByName). */
export type IpCheck = (name: string) => Promise<boolean>

export class ClientQuotaStore {
  private readonly byKey = new Map<string, { entity: QuotaEntity, values: Map<string, number> }>()
  private readonly file: StateFile<Stored>

  constructor (dataDir: string, private readonly ipValid: IpCheck) {
    this.file = new StateFile<Stored>(dataDir, STATE_NAME, FORMAT_VERSION)
  }

  /** Reads the stored quotas (none when the file does not exist). */
  async load (): Promise<void> {
    const stored = await this.file.read()
    this.byKey.clear()
    for (const e of stored?.entities ?? []) {
      const entity = canonicalEntity(e.entity.filter(([t]) => isEntityType(t)).map(([type, name]) => ({ type, name }) as EntityComponent))
      const values = new Map(Object.entries(e.values).filter(([, v]) => typeof v === 'number'))
      if (entity.length > 0 && values.size > 0) this.byKey.set(entityKey(entity), { entity, values })
    }
  }

  entries (): QuotaEntry[] {
    return [...this.byKey.values()]
  }

  /**
   * Validates every alteration as Kafka's controller does and (unless validateOnly) applies the valid ones,
   * then writes the file. One result per distinct entity, in request order.
   */
  async alter (alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterResult[]> {
    const results = new Map<string, AlterResult>()
    const changes: Array<{ key: string, entity: QuotaEntity, ops: Map<string, number | null> }> = []
    for (const a of alterations) {
      const parsed = parseEntity(a.entity)
      const key = typeof parsed === 'string' ? JSON.stringify(a.entity) : entityKey(parsed)
      if (results.has(key)) {
        results.set(key, { entity: a.entity, error: `Ignoring duplicate entity ${describe(a.entity)}` })
        const i = changes.findIndex(c => c.key === key)
        if (i >= 0) changes.splice(i, 1)
        continue
      }
      const error = typeof parsed === 'string' ? parsed : await this.opsProblem(parsed, a.ops)
      results.set(key, { entity: a.entity, error })
      if (error === null && typeof parsed !== 'string') changes.push({ key, entity: parsed, ops: new Map(a.ops.map(o => [o.key, o.value])) })
    }
    if (!validateOnly && changes.length > 0) {
      let changed = false
      const before = new Map(this.byKey) // apply() replaces entries, never edits them
      for (const c of changes) changed = this.apply(c.key, c.entity, c.ops) || changed
      if (changed) {
        try {
          await this.file.write(this.toStored())
        } catch (err) {
          // not written (a full disk, a read-only data directory): nothing changed
          this.byKey.clear()
          for (const [k, v] of before) this.byKey.set(k, v)
          throw err
        }
      }
    }
    return [...results.values()]
  }

  /** The entities matching a DescribeClientQuotas filter (Kafka's ClientQuotasImage.describe), or the problem. */
  describe (components: readonly FilterComponent[], strict: boolean): QuotaEntry[] | FilterProblem {
    const exact = new Map<string, string | null>()
    const specified = new Set<string>()
    for (const c of components) {
      if (c.entityType === '') return { code: 'INVALID_REQUEST', message: 'Invalid empty entity type.' }
      if (exact.has(c.entityType) || specified.has(c.entityType)) {
        return { code: 'INVALID_REQUEST', message: `Entity type ${c.entityType} cannot appear more than once in the filter.` }
      }
      if (!isEntityType(c.entityType)) return { code: 'UNSUPPORTED_VERSION', message: `Unsupported entity type ${c.entityType}` }
      switch (c.matchType) {
        case 0:
          if (c.match === null) return { code: 'INVALID_REQUEST', message: 'Request specified MATCH_TYPE_EXACT, but set match string to null.' }
          exact.set(c.entityType, c.match)
          break
        case 1:
          if (c.match !== null) return { code: 'INVALID_REQUEST', message: 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.' }
          exact.set(c.entityType, null)
          break
        case 2:
          if (c.match !== null) return { code: 'INVALID_REQUEST', message: 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.' }
          specified.add(c.entityType)
          break
        default:
          return { code: 'INVALID_REQUEST', message: `Unknown match type ${c.matchType}` }
      }
    }
    const uses = (t: string): boolean => exact.has(t) || specified.has(t)
    if (uses(IP) && (uses(USER) || uses(CLIENT_ID))) {
      return { code: 'INVALID_REQUEST', message: 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.' }
    }
    return this.entries().filter(({ entity }) => {
      if (strict && entity.length !== exact.size + specified.size) return false
      for (const [type, name] of exact) {
        const c = entity.find(x => x.type === type)
        if (c === undefined || c.name !== name) return false
      }
      for (const type of specified) if (!entity.some(x => x.type === type)) return false
      return true
    })
  }

  private async opsProblem (entity: QuotaEntity, ops: QuotaAlteration['ops']): Promise<string | null> {
    const hasIp = entity.some(c => c.type === IP)
    if (hasIp && entity.length > 1) return 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'
    const ipName = entity.find(c => c.type === IP)?.name
    if (hasIp && ipName !== null && ipName !== undefined && !(await this.ipValid(ipName))) return `${ipName} is not a valid IP or resolvable host.`
    const validKeys = hasIp ? IP_KEYS : USER_CLIENT_KEYS
    const seen = new Set<string>()
    for (const op of ops) {
      if (seen.has(op.key)) return `Duplicate quota key ${op.key} not updating quota for this entity ${describe(entity.map(c => ({ entityType: c.type, entityName: c.name })))}`
      seen.add(op.key)
    }
    for (const op of ops) {
      if (op.value === null) continue
      const problem = quotaValueProblem(validKeys, op.key, op.value)
      if (problem !== null) return problem
    }
    return null
  }

  /** Applies one entity's ops; true when something changed. */
  private apply (key: string, entity: QuotaEntity, ops: Map<string, number | null>): boolean {
    const current = this.byKey.get(key)
    const values = new Map(current?.values ?? [])
    let changed = false
    for (const [k, v] of ops) {
      if (v === null) {
        changed = values.delete(k) || changed
      } else if (values.get(k) !== v) {
        values.set(k, v)
        changed = true
      }
    }
    if (values.size === 0) this.byKey.delete(key)
    else this.byKey.set(key, { entity, values })
    return changed
  }

  private toStored (): Stored {
    return {
      entities: this.entries().map(e => ({
        entity: e.entity.map(c => [c.type, c.name] as [string, string | null]),
        values: Object.fromEntries(e.values)
      }))
    }
  }
}

/** The entity, or Kafka's message for why it is invalid. */
function parseEntity (components: QuotaAlteration['entity']): QuotaEntity | string {
  if (components.length === 0) return 'Invalid empty client quota entity'
  const seen = new Set<string>()
  const out: EntityComponent[] = []
  for (const c of components) {
    if (seen.has(c.entityType)) return `Invalid client quota entity, duplicate entity entry ${c.entityType}`
    seen.add(c.entityType)
    if (!isEntityType(c.entityType)) return `Unhandled client quota entity type: ${c.entityType}`
    if (c.entityName !== null && c.entityName === '') return `Empty ${c.entityType} not supported`
    out.push({ type: c.entityType, name: c.entityName })
  }
  return canonicalEntity(out)
}

function describe (entity: QuotaAlteration['entity']): string {
  return '(' + entity.map(c => `${c.entityType}=${c.entityName === null ? '<default>' : c.entityName}`).join(', ') + ')'
}
