// Kafka's listener settings: `listeners`, `listener.security.protocol.map`, `advertised.listeners`, and the
// per-listener override prefix `listener.name.<name>.<key>`.
//
//   listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093,INTERNAL://:9094
//   listener.security.protocol.map=INTERNAL:SSL,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
//   advertised.listeners=PLAINTEXT://localhost:9092,SASL_SSL://broker.example:9093
//   listener.name.sasl_ssl.ssl.keystore.location=/etc/samsa/server.p12
//
// Rules (Kafka's): a listener name is [A-Za-z0-9_]+, unique, and maps to a security protocol through the map;
// without a map entry a name that is itself a protocol maps to that protocol. An empty host binds
// 127.0.0.1 (Samsa's loopback default; Kafka binds every interface); `0.0.0.0` or `[::]` bind every
// interface. `CONTROLLER` listeners (named by controller.listener.names, default CONTROLLER) are KRaft's and
// not bound. An advertised entry names its listener; one without a name (`host:port`) is the first listener's.
// Invariant: parseListeners returns at least one listener, each with a known protocol and a port 0-65535.
import { ConfigError } from './config-error.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']

export interface ListenerConfig {
  /** Upper-case listener name (PLAINTEXT, SASL_SSL, INTERNAL, ...). */
  name: string
  securityProtocol: SecurityProtocol
  host: string
  port: number
  /** advertised.listeners' entry for this listener, else null (the bound address is advertised). */
  advertised: { host: string, port: number } | null
}

/** A listener setting that cannot work. */
const ListenerConfigError = ConfigError

interface Endpoint { name: string | null, host: string, port: number }

/** Parses NAME://host:port, [NAME://][ipv6]:port or host:port. */
export function parseEndpoint (entry: string, what: string): Endpoint {
  const m = /^(?:([A-Za-z0-9_]+):\/\/)?(\[[^\]]+\]|[^:/]*):(\d+)$/.exec(entry.trim())
  if (m === null) throw new ListenerConfigError(`${what}: '${entry.trim()}' is not NAME://host:port or host:port`)
  const port = Number(m[3])
  if (port > 65535) throw new ListenerConfigError(`${what}: port ${port} in '${entry.trim()}' is out of range (0-65535)`)
  const host = m[2] === '' ? '127.0.0.1' : m[2].replace(/^\[|\]$/g, '')
  return { name: m[1] === undefined ? null : m[1].toUpperCase(), host, port }
}

/** Parses listener.security.protocol.map (NAME:PROTOCOL,...); unknown protocols are an error. */
export function parseProtocolMap (value: string): Map<string, SecurityProtocol> {
  const out = new Map<string, SecurityProtocol>()
  for (const raw of value.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    const m = /^([A-Za-z0-9_]+):([A-Za-z_]+)$/.exec(entry)
    if (m === null) throw new ListenerConfigError(`listener.security.protocol.map: '${entry}' is not NAME:PROTOCOL`)
    const protocol = m[2].toUpperCase()
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ListenerConfigError(`listener.security.protocol.map: unknown security protocol '${m[2]}' for ${m[1]} (known: ${SECURITY_PROTOCOLS.join(', ')})`)
    }
    out.set(m[1].toUpperCase(), protocol as SecurityProtocol)
  }
  return out
}

export interface ListenerSettings {
  listeners: string
  protocolMap: string | null
  advertised: string | null
  controllerNames: string | null
}

/** The listeners to bind, in the order given, with their protocols and advertised addresses. */
export function parseListeners (s: ListenerSettings): { listeners: ListenerConfig[], ignored: string[] } {
  const map = s.protocolMap === null || s.protocolMap === '' ? new Map<string, SecurityProtocol>() : parseProtocolMap(s.protocolMap)
  const controllers = new Set((s.controllerNames ?? 'CONTROLLER').split(',').map(n => n.trim().toUpperCase()).filter(n => n !== ''))
  const listeners: ListenerConfig[] = []
  const ignored: string[] = []
  for (const raw of s.listeners.split(',')) {
    if (raw.trim() === '') continue
    const e = parseEndpoint(raw, 'listeners')
    const name = e.name ?? 'PLAINTEXT'
    if (controllers.has(name)) {
      ignored.push(raw.trim())
      continue
    }
    const protocol = map.get(name) ?? ((SECURITY_PROTOCOLS as readonly string[]).includes(name) ? name as SecurityProtocol : null)
    if (protocol === null) {
      throw new ListenerConfigError(`listeners: listener ${name} has no security protocol: add ${name}:PLAINTEXT (or SSL, SASL_PLAINTEXT, SASL_SSL) to listener.security.protocol.map`)
    }
    if (listeners.some(l => l.name === name)) throw new ListenerConfigError(`listeners: listener name ${name} is used twice`)
    listeners.push({ name, securityProtocol: protocol, host: e.host, port: e.port, advertised: null })
  }
  if (listeners.length === 0) throw new ListenerConfigError(`listeners='${s.listeners}' names no listener to bind`)
  if (s.advertised !== null && s.advertised.trim() !== '') {
    for (const raw of s.advertised.split(',')) {
      if (raw.trim() === '') continue
      const e = parseEndpoint(raw, 'advertised.listeners')
      const l = e.name === null ? listeners[0] : listeners.find(x => x.name === e.name)
      if (l === undefined) {
        if (controllers.has(e.name as string)) continue
        throw new ListenerConfigError(`advertised.listeners: ${e.name as string} is not one of the listeners (${listeners.map(x => x.name).join(', ')})`)
      }
      if (e.port === 0 && l.port !== 0) throw new ListenerConfigError(`advertised.listeners: ${raw.trim()} advertises port 0`)
      l.advertised = { host: e.host, port: e.port }
    }
  }
  return { listeners, ignored }
}

/** The key a per-listener override of `key` is set under (Kafka: listener.name.<lower-case name>.<key>). */
export function listenerKey (listenerName: string, key: string): string {
  return `listener.name.${listenerName.toLowerCase()}.${key}`
}
