// Who a connection is: Kafka's KafkaPrincipal, a type and a name ("User:alice"). Fixed per connection by its
// front door: ANONYMOUS on a PLAINTEXT or SSL listener without a client certificate, the mapped certificate
// name for mTLS (ssl.principal.mapping.rules), the SASL user after authentication. The authorizer and quotas
// (core services) are asked with a principal and the client's host, never with a protocol's request.
export interface Principal {
  readonly type: string
  readonly name: string
}

/** Kafka's KafkaPrincipal.ANONYMOUS. */
export const ANONYMOUS: Principal = Object.freeze({ type: 'User', name: 'ANONYMOUS' })

export function userPrincipal (name: string): Principal {
  return { type: 'User', name }
}

/** "User:alice", as Kafka prints a principal and as ACLs and super.users name one. */
export function principalString (p: Principal): string {
  return `${p.type}:${p.name}`
}

/** Parses "Type:name" (the name may itself contain ':'); null when there is no type. */
export function parsePrincipal (s: string): Principal | null {
  const i = s.indexOf(':')
  if (i <= 0) return null
  return { type: s.slice(0, i), name: s.slice(i + 1) }
}
