// Which quota applies to a client, as Kafka's DefaultQuotaCallback: the most specific entity that has the
// quota, in this order (first match wins):
//   1 user=<user>, client-id=<client-id>      5 user=<default>, client-id=<default>
//   2 user=<user>, client-id=<default>        6 user=<default>
//   3 user=<user>                             7 client-id=<client-id>
//   4 user=<default>, client-id=<client-id>   8 client-id=<default>
// Clients that share the matched entity share one usage measurement (Kafka's metric tags): a user quota
// counts every client id of that user together, a client-id quota every user of that client id.
// Kafka optimises for one level in use (`levels`: which of client-id / user / user+client-id entities ever
// had this quota, sticky until restart, as Kafka's quotaTypesEnabled); the tags it then picks are the same.
// The user is the principal's name (on PLAINTEXT listeners Kafka's "ANONYMOUS"); a null client id is "".
import { userClientKey } from './entity.js'

export const CLIENT_ID_LEVEL = 1
export const USER_LEVEL = 2
export const USER_CLIENT_ID_LEVEL = 4

/** The quota values of one quota key, by entity key (userClientKey). */
export type Overrides = ReadonlyMap<string, number>

/** Usage is measured per (user tag, client-id tag); "" means "not part of the measurement". */
export interface MetricTags {
  user: string
  clientId: string
}

/** Kafka's DefaultQuotaCallback.quotaMetricTags. */
export function quotaMetricTags (levels: number, overrides: Overrides, user: string, clientId: string): MetricTags {
  switch (levels) {
    case 0:
    case CLIENT_ID_LEVEL:
      return { user: '', clientId }
    case USER_LEVEL:
      return { user, clientId: '' }
    case USER_CLIENT_ID_LEVEL:
      return { user, clientId }
  }
  const has = (u: string | null | undefined, c: string | null | undefined): boolean => overrides.has(userClientKey(u, c))
  if (has(user, clientId) || has(user, null)) return { user, clientId }
  if (has(user, undefined)) return { user, clientId: '' }
  if (has(null, clientId) || has(null, null)) return { user, clientId }
  if (has(null, undefined)) return { user, clientId: '' }
  return { user: '', clientId }
}

/** Kafka's DefaultQuotaCallback.quotaLimit: the bound for these tags, or null when no entity has one. */
export function quotaLimit (overrides: Overrides, tags: MetricTags): number | null {
  const { user, clientId } = tags
  const get = (u: string | null | undefined, c: string | null | undefined): number | undefined => overrides.get(userClientKey(u, c))
  let q: number | undefined
  if (user !== '' && clientId !== '') {
    q = get(user, clientId) ?? get(user, null) ?? get(null, clientId) ?? get(null, null)
  } else if (user !== '') {
    q = get(user, undefined) ?? get(null, undefined)
  } else if (clientId !== '') {
    q = get(undefined, clientId) ?? get(undefined, null)
  }
  return q ?? null
}
