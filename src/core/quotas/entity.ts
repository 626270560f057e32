// Client quota entities, as Kafka's ClientQuotaEntity: a set of (entity type, entity name) pairs with types
// `user`, `client-id` (combinable: user alone, client-id alone, user + client-id) or `ip` (alone). A null name
// is the type's default entity, `<default>` in kafka-configs.sh ("--entity-default").
// Invariant: an entity's components are in the canonical order user, client-id, ip, each type at most once;
// entityKey() of equal entities is equal (the store and the precedence lookup key on it).
export const USER = 'user'
export const CLIENT_ID = 'client-id'
export const IP = 'ip'

export type EntityType = typeof USER | typeof CLIENT_ID | typeof IP

export const ENTITY_TYPES: readonly EntityType[] = [USER, CLIENT_ID, IP]

export interface EntityComponent {
  readonly type: EntityType
  /** null: the default entity of this type */
  readonly name: string | null
}

export type QuotaEntity = readonly EntityComponent[]

export function isEntityType (t: string): t is EntityType {
  return t === USER || t === CLIENT_ID || t === IP
}

/** The components in canonical order (user, client-id, ip). */
export function canonicalEntity (components: readonly EntityComponent[]): QuotaEntity {
  return [...components].sort((a, b) => ENTITY_TYPES.indexOf(a.type) - ENTITY_TYPES.indexOf(b.type))
}

/**
 * A string naming the entity: "user=alice", "user=<default>,client-id=c1" ... A real name that is literally
 * "<default>" is escaped (JSON-quoted), so it never collides with the default entity.
 */
export function entityKey (entity: QuotaEntity): string {
  return entity.map(c => `${c.type}=${c.name === null ? '<default>' : JSON.stringify(c.name)}`).join(',')
}

/** The key of the entity user/client-id for the precedence lookup (undefined: component absent). */
export function userClientKey (user: string | null | undefined, clientId: string | null | undefined): string {
  const parts: EntityComponent[] = []
  if (user !== undefined) parts.push({ type: USER, name: user })
  if (clientId !== undefined) parts.push({ type: CLIENT_ID, name: clientId })
  return entityKey(parts)
}

/** How Kafka's tools print an entity: "user 'alice', client-id 'c1'" / "the default user". */
export function describeEntity (entity: QuotaEntity): string {
  return entity.map(c => c.name === null ? `default ${c.type}` : `${c.type} '${c.name}'`).join(', ')
}
