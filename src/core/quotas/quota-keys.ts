// The client quota keys and how Kafka's controller validates their values (QuotaConfig, ClientQuotaControlManager):
//   user / client-id entities: producer_byte_rate (LONG), consumer_byte_rate (LONG), request_percentage (DOUBLE),
//                              controller_mutation_rate (DOUBLE)
//   ip entities:               connection_creation_rate (INT)
// Every value must be > 0; integral types must be whole (a fraction above 1e-6 is refused) and within range.
// Enforced by Samsa: producer_byte_rate, consumer_byte_rate, request_percentage. controller_mutation_rate and
// connection_creation_rate are validated and stored (so tools round-trip them) but not enforced.
export const PRODUCER_BYTE_RATE = 'producer_byte_rate'
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate'
export const REQUEST_PERCENTAGE = 'request_percentage'
export const CONTROLLER_MUTATION_RATE = 'controller_mutation_rate'
export const CONNECTION_CREATION_RATE = 'connection_creation_rate'

type KeyType = 'LONG' | 'DOUBLE' | 'INT'

export const USER_CLIENT_KEYS: ReadonlyMap<string, KeyType> = new Map<string, KeyType>([
  [PRODUCER_BYTE_RATE, 'LONG'],
  [CONSUMER_BYTE_RATE, 'LONG'],
  [REQUEST_PERCENTAGE, 'DOUBLE'],
  [CONTROLLER_MUTATION_RATE, 'DOUBLE']
])

export const IP_KEYS: ReadonlyMap<string, KeyType> = new Map<string, KeyType>([
  [CONNECTION_CREATION_RATE, 'INT']
])

/** The problem with setting `key` to `value` given the entity's valid keys, as Kafka words it; null when valid. */
export function quotaValueProblem (validKeys: ReadonlyMap<string, KeyType>, key: string, value: number): string | null {
  const type = validKeys.get(key)
  if (type === undefined) return `Invalid configuration key ${key}`
  if (!(value > 0)) return `Quota ${key} must be greater than 0`
  switch (type) {
    case 'DOUBLE':
      return null
    case 'INT':
      if (value > 2147483647) return `Proposed value for ${key} is too large for an INT.`
      return integralProblem(value, key)
    case 'LONG':
      if (value > 9223372036854775807) return `Proposed value for ${key} is too large for a LONG.`
      return integralProblem(value, key)
  }
}

function integralProblem (value: number, key: string): string | null {
  return Math.abs(value % 1) > 1e-6 ? `${key} cannot be a fractional value.` : null
}
