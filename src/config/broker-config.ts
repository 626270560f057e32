// The broker's configuration: defaults < config file < environment < flags (or the embedded API's options).
//
// Keys are Kafka's (`num.partitions`, `log.retention.ms`, ...) plus a few of Samsa's own (`host`, `port`,
// `fsync`, `log.level`). The config file is Java-properties style (`key=value`, `#` comments), as Kafka's
// server.properties. Environment variables are `SAMSA_` + the key in upper case with dots as underscores
// (`SAMSA_NUM_PARTITIONS=3`). Aliases users know from Kafka are folded into one key: log.dir -> log.dirs,
// broker.id -> node.id, log.retention.hours/minutes -> log.retention.ms, log.roll.hours -> log.roll.ms,
// listeners=PLAINTEXT://h:p -> host + port.
//
// Invariant: every value in `explicit` has passed validateValue(); loadBrokerConfig throws ConfigError
// (naming the key, the value and its origin) on the first bad one.
import fs from 'node:fs'
import { BROKER_CONFIG_BY_NAME, BROKER_CONFIGS, type ConfigDef } from './definitions.js'
import { parseBoolean, parseNumber, validateValue } from './validate.js'
import { ErrorCode, KafkaError } from '../protocol/errors.js'

/** A bad config key or value -> INVALID_CONFIG (as Kafka answers a ConfigException). */
export class ConfigError extends KafkaError {
  constructor (message: string) {
    super(ErrorCode.INVALID_CONFIG, message)
    this.name = 'ConfigError'
  }
}

export interface BrokerConfig {
  host: string
  port: number
  advertisedHost: string | null
  advertisedPort: number | null
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
      if (rawKey === 'listeners') {
        const { host, port } = parseListener(rawValue, `${origin}: listeners`)
        explicit.set('host', host)
        explicit.set('port', String(port))
        continue
      }
      const [key, value] = canonicalEntry(rawKey, rawValue)
      const d = BROKER_CONFIG_BY_NAME.get(key)
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

  let advertisedHost: string | null = null
  let advertisedPort: number | null = null
  const adv = get('advertised.listeners')
  if (adv !== null && adv !== '') {
    const parsed = parseListener(adv, 'advertised.listeners')
    advertisedHost = parsed.host
    advertisedPort = parsed.port
  }

  return {
    host: str('host'),
    port: num('port'),
    advertisedHost,
    advertisedPort,
    dataDir: str('log.dirs'),
    fsync: str('fsync') as 'always' | 'never',
    logLevel: str('log.level'),
    nodeId: num('node.id'),
    autoCreateTopics: parseBoolean(str('auto.create.topics.enable')),
    numPartitions: num('num.partitions'),
    deleteTopicEnable: parseBoolean(str('delete.topic.enable')),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    explicit,
    get
  }
}

/** host:port or NAME://host:port (the first of a comma-separated list). */
export function parseListener (value: string, what: string): { host: string, port: number } {
  const first = value.split(',')[0].trim()
  const m = /^(?:[A-Za-z_]+:\/\/)?(\[[^\]]+\]|[^:/]*):(\d+)$/.exec(first)
  if (m === null) throw new ConfigError(`${what}=${value}: expected host:port or PLAINTEXT://host:port`)
  const port = Number(m[2])
  if (port > 65535) throw new ConfigError(`${what}=${value}: port ${port} is out of range`)
  const host = m[1] === '' ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '')
  return { host, port }
}
