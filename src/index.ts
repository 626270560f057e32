// Samsa's embedded API: start a Kafka-compatible broker inside this Node process.
//
//   import { startBroker } from 'samsa'
//   const broker = await startBroker({ port: 0, dataDir: tmpDir, fsync: 'never' })
//   // ... point any Kafka client at `${broker.host}:${broker.port}` ...
//   await broker.close()
//
// Options are Samsa's shorthands plus any broker config by its Kafka key in `config`
// ({ 'num.partitions': 3, 'auto.create.topics.enable': false }, or several listeners:
// { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', ... }). Bad values reject with a ConfigError that
// names the key and the value.
import { loadBrokerConfig, ConfigError } from './config/broker-config.js'
import { createLogger, silentLogger, type Logger, type LogLevel } from './logger.js'
import { Broker, ListenError } from './broker.js'
import { DirLockError } from './storage/dir-lock.js'

export interface StartBrokerOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /** Port to bind; 0 picks a free port (default 9092). */
  port?: number
  /** Data directory (default ./segments). */
  dataDir?: string
  /** 'always' (default): acks=-1 waits for fsync. 'never': UNSAFE, for throwaway test brokers. */
  fsync?: 'always' | 'never'
  /** Log level for JSON logs on stderr (default 'warn' when embedded). Ignored if `logger` is given. */
  logLevel?: LogLevel
  /** A pino logger to use instead. */
  logger?: Logger
  /** Any broker config by its Kafka key. */
  config?: Record<string, string | number | boolean>
  /** Properties file to read first (as `samsa start --config FILE`). */
  configFile?: string
}

export interface RunningBroker {
  host: string
  port: number
  /** host:port, ready for a client's brokers/bootstrap list. */
  address: string
  /** Every listener (`listeners` may name several: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), in order. */
  listeners: Array<{ name: string, securityProtocol: string, host: string, port: number, address: string }>
  clusterId: string
  close: () => Promise<void>
  /** The broker itself, for advanced use and tests. */
  broker: Broker
}

export async function startBroker (opts: StartBrokerOptions = {}): Promise<RunningBroker> {
  const overrides: Array<[string, string]> = []
  for (const [k, v] of Object.entries(opts.config ?? {})) overrides.push([k, String(v)])
  if (opts.host !== undefined) overrides.push(['host', opts.host])
  if (opts.port !== undefined) overrides.push(['port', String(opts.port)])
  if (opts.dataDir !== undefined) overrides.push(['log.dirs', opts.dataDir])
  if (opts.fsync !== undefined) overrides.push(['fsync', opts.fsync])
  const config = loadBrokerConfig({ configFile: opts.configFile, overrides, overridesOrigin: 'option' })
  const level = opts.logLevel ?? (config.explicit.has('log.level') ? config.logLevel as LogLevel : 'warn')
  const logger = opts.logger ?? (level === 'silent' ? silentLogger : createLogger(level))
  const broker = await Broker.start(config, logger)
  return {
    host: broker.advertised.host,
    port: broker.bound.port,
    address: `${broker.advertised.host}:${broker.advertised.port}`,
    listeners: broker.listeners.map(l => ({ name: l.name, securityProtocol: l.securityProtocol, host: l.advertised.host, port: l.port, address: `${l.advertised.host}:${l.advertised.port}` })),
    clusterId: broker.clusterId,
    close: async () => await broker.close(),
    broker
  }
}

export { ConfigError, Broker, ListenError, DirLockError }
export type { LogLevel, Logger }
