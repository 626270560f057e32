// The broker's configuration: defaults < config file < environment < flags (or the embedded API's options).
//
// Keys are Kafka's (`num.partitions`, `log.retention.ms`, ...) plus a few of Samsa's own (`host`, `port`,
// `fsync`, `log.level`). The config file is Java-properties style (`key=value`, `#` comments), as Kafka's
// server.properties. Environment variables are `SAMSA_` + the key in upper case with dots as underscores
// (`SAMSA_NUM_PARTITIONS=3`). Aliases users know from Kafka are folded into one key: log.dir -> log.dirs,
// broker.id -> node.id, log.retention.hours/minutes -> log.retention.ms, log.roll.hours -> log.roll.ms,
// host/port (Samsa's shorthands) -> the first listener's address (listeners.ts has the listener rules).
//
// Invariant: every value in `explicit` has passed validateValue(); loadBrokerConfig throws ConfigError
// (naming the key, the value and its origin) on the first bad one.
import fs from 'node:fs'
import { BROKER_CONFIG_BY_NAME, BROKER_CONFIGS, type ConfigDef } from './definitions.js'
import { parseBoolean, parseNumber, validateValue } from './validate.js'
import { ConfigError } from './config-error.js'
import { listenerKey, parseListeners, type ListenerConfig } from './listeners.js'

export { ConfigError }

export interface BrokerConfig {
  /** The first listener's address (the only one unless `listeners` names several). */
  host: string
  port: number
  /** The first listener's advertised address, if advertised.listeners sets one. */
  advertisedHost: string | null
  advertisedPort: number | null
  /** Every listener to bind, in the order of `listeners` (see listeners.ts). */
  listeners: ListenerConfig[]
  /** Listener entries not bound (KRaft controller listeners), for a note at start. */
  ignoredListeners: string[]
  dataDir: string
  fsync: 'always' | 'never'
  logLevel: string
  nodeId: number
  autoCreateTopics: boolean
  numPartitions: number
  deleteTopicEnable: boolean
  socketRequestMaxBytes: number
  /** Every broker key set by the file, environment or flags (after alias folding), as strings. */
  explicit: Map<string, string>
  /** Effective value of any broker key: explicit, else default. */
  get (name: string): string | null
  /** A key's value for one listener: `listener.name.<name>.<key>` if set, else get(key). */
  forListener (listenerName: string, name: string): string | null
}

export type ConfigOrigin = 'file' | 'env' | 'flag' | 'option'

/**
 * A numeric broker key's effective value (explicit, else its default in definitions.ts). A key without a
 * numeric default is a programming error: it throws, naming the key.
 */
export function numberConfig (config: Pick<BrokerConfig, 'get'>, key: string): number {
  const v = config.get(key)
  const n = v === null ? NaN : Number(v)
  if (!Number.isFinite(n)) throw new Error(`broker config ${key} has no numeric value (got ${v === null ? 'none' : `'${v}'`}); define it in config/definitions.ts`)
  return n
}

/** Folds the aliases and multiplies hour/minute keys into the canonical key and value. */
export function canonicalEntry (key: string, value: string): [string, string] {
  const k = key.trim()
  const num = (mult: number): string => /^-?\d+$/.test(value.trim()) ? String(Number(value) * mult) : value
  switch (k) {
    case 'data-dir': case 'data.dir': case 'log.dir': return ['log.dirs', value]
    case 'broker.id': return ['node.id', value]
    case 'log.retention.hours': return ['log.retention.ms', num(3600000)]
    case 'log.retention.minutes': return ['log.retention.ms', num(60000)]
    case 'log.roll.hours': return ['log.roll.ms', num(3600000)]
    case 'log-level': return ['log.level', value]
    default: return [k, value]
  }
}

/** Parses Java-properties text: key=value or key: value, # and ! comments, no line continuations. */
export function parseProperties (text: string, file: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line)
    if (m === null) throw new ConfigError(`${file}:${i + 1}: expected key=value, got '${line}'`)
    out.push([m[1], m[2]])
  }
  return out
}

const ENV_PREFIX = 'SAMSA_'
const ENV_NAMES: ReadonlyMap<string, string> = new Map(
  [...BROKER_CONFIGS.map(d => d.name), 'log.retention.hours', 'log.retention.minutes', 'log.roll.hours', 'broker.id', 'log.dir']
    .map(name => [ENV_PREFIX + name.toUpperCase().replace(/\./g, '_'), name])
)

export function envEntries (env: NodeJS.ProcessEnv): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith(ENV_PREFIX) || v === undefined) continue
    const name = ENV_NAMES.get(k)
    if (name !== undefined) out.push([name, v])
  }
  return out
}

export interface LoadOptions {
  /** Path of a properties file. */
  configFile?: string
  env?: NodeJS.ProcessEnv
  /** Highest-precedence entries (CLI flags or embedded options), already as key/value strings. */
  overrides?: Array<[string, string]>
  overridesOrigin?: ConfigOrigin
}

export function loadBrokerConfig (opts: LoadOptions = {}): BrokerConfig {
  const explicit = new Map<string, string>()
  const apply = (entries: Array<[string, string]>, origin: string): void => {
    for (const [rawKey, rawValue] of entries) {
      const [key, value] = canonicalEntry(rawKey, rawValue)
      const d = BROKER_CONFIG_BY_NAME.get(key) ?? listenerScopedDef(key)
      if (d === undefined) {
        throw new ConfigError(`${origin}: unknown config '${rawKey}' (see README, Configuration, for the keys Samsa knows)`)
      }
      const problem = validateValue(d, value)
      if (problem !== null) throw new ConfigError(`${origin}: ${problem}`)
      explicit.set(key, value.trim())
    }
  }
  if (opts.configFile !== undefined) {
    let text: string
    try {
      text = fs.readFileSync(opts.configFile, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read config file ${opts.configFile}: ${(err as Error).message}`)
    }
    apply(parseProperties(text, opts.configFile), `config file ${opts.configFile}`)
  }
  if (opts.env !== undefined) apply(envEntries(opts.env), 'environment')
  if (opts.overrides !== undefined) apply(opts.overrides, opts.overridesOrigin === 'option' ? 'option' : 'flag')

  const get = (name: string): string | null => {
    const v = explicit.get(name)
    if (v !== undefined) return v
    const d: ConfigDef | undefined = BROKER_CONFIG_BY_NAME.get(name)
    return d === undefined ? null : d.default
  }
  const str = (name: string): string => get(name) ?? ''
  const num = (name: string): number => parseNumber(str(name))

  const { listeners, ignored } = resolveListeners(explicit, get)
  const first = listeners[0]

  return {
    host: first.host,
    port: first.port,
    advertisedHost: first.advertised?.host ?? null,
    advertisedPort: first.advertised?.port ?? null,
    listeners,
    ignoredListeners: ignored,
    dataDir: str('log.dirs'),
    fsync: str('fsync') as 'always' | 'never',
    logLevel: str('log.level'),
    nodeId: num('node.id'),
    autoCreateTopics: parseBoolean(str('auto.create.topics.enable')),
    numPartitions: num('num.partitions'),
    deleteTopicEnable: parseBoolean(str('delete.topic.enable')),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    explicit,
    get,
    forListener: (listenerName, name) => explicit.get(listenerKey(listenerName, name)) ?? get(name)
  }
}

/**
 * The listeners: `listeners` if set (explicit `host`/`port`, the shorthands of --host/--port and
 * startBroker(), then override the first one's address), else one PLAINTEXT listener on host:port.
 */
function resolveListeners (explicit: Map<string, string>, get: (name: string) => string | null): ReturnType<typeof parseListeners> {
  const host = get('host') ?? '127.0.0.1'
  const port = get('port') ?? '9092'
  const bracket = (h: string): string => h.includes(':') ? `[${h}]` : h
  const listeners = explicit.get('listeners') ?? `PLAINTEXT://${bracket(host)}:${port}`
  try {
    const parsed = parseListeners({
      listeners,
      protocolMap: get('listener.security.protocol.map'),
      advertised: get('advertised.listeners'),
      controllerNames: get('controller.listener.names')
    })
    if (explicit.has('listeners')) {
      if (explicit.has('host')) parsed.listeners[0].host = host
      if (explicit.has('port')) parsed.listeners[0].port = Number(port)
    }
    return parsed
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
}

/**
 * The definition a `listener.name.<name>.<key>` override is checked against: the broker key's own, or, for a
 * SASL mechanism's settings (`listener.name.<name>.<mechanism>.sasl.jaas.config`), a password definition.
 */
function listenerScopedDef (key: string): ConfigDef | undefined {
  const m = /^listener\.name\.[a-z0-9_]+\.(.+)$/.exec(key)
  if (m === null) return undefined
  const inner = m[1]
  const d = BROKER_CONFIG_BY_NAME.get(inner)
  if (d !== undefined) return d
  const mech = /^[a-z0-9-]+\.(sasl\..+)$/.exec(inner)
  if (mech !== null) return BROKER_CONFIG_BY_NAME.get(mech[1])
  return undefined
}
