// `samsa start`: runs a broker in the foreground until SIGINT/SIGTERM, then shuts down cleanly
// (flush, close, clean-shutdown marker). Prints one line `listening on HOST:PORT` on stdout when ready (one
// per listener, `listening on HOST:PORT (NAME, PROTOCOL)`, when `listeners` names several).
import { loadBrokerConfig } from '../config/broker-config.js'
import { ErrorCode, errorCodeOf } from '../protocol/errors.js'
import { createLogger, type LogLevel } from '../logger.js'
import { Broker, ListenError } from '../broker.js'
import { DirLockError } from '../storage/dir-lock.js'
import { parseArgs, UsageError } from './args.js'
import { CliError } from './output.js'

export const START_HELP = `Usage: samsa start [options] [--<broker.config> value ...]

Runs a Kafka-compatible broker in the foreground. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.

Options:
  --host HOST          address to bind (default 127.0.0.1)
  --port PORT          port to bind, 0 for any free port (default 9092)
  --data-dir DIR       data directory (default ./segments)
  --config FILE        a server.properties-style file (key=value lines)
  --fsync MODE         always (default): acks=-1 waits for fsync; never: UNSAFE, for throwaway test brokers
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
  --<kafka.key> VALUE  any broker config by its Kafka name, e.g. --num.partitions 3 --log.retention.ms=60000
  -h, --help           this help

Precedence: defaults < --config file < SAMSA_* environment variables < flags.

Examples:
  samsa start
  samsa start --port 0 --data-dir /tmp/samsa --fsync never
  samsa start --num.partitions 3 --auto.create.topics.enable false
`

export async function startCommand (argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help']))
  if (args.flags.has('help')) {
    process.stdout.write(START_HELP)
    return 0
  }
  if (args.positionals.length > 0) throw new UsageError(`samsa start takes no positional arguments (got '${args.positionals[0]}')`)
  let configFile: string | undefined
  const overrides: Array<[string, string]> = []
  for (const [name, value] of args.options) {
    if (name === 'config') configFile = value
    else overrides.push([name, value])
  }
  let config
  try {
    config = loadBrokerConfig({ configFile, env: process.env, overrides, overridesOrigin: 'flag' })
  } catch (err) {
    if (errorCodeOf(err) === ErrorCode.INVALID_CONFIG) throw new UsageError((err as Error).message)
    throw err
  }
  const logger = createLogger(config.logLevel as LogLevel)
  let broker
  try {
    broker = await Broker.start(config, logger)
  } catch (err) {
    // a port in use, a permission denied: a one-line message, exit 1
    if (err instanceof ListenError) throw new CliError(err.message)
    // the data directory is in use by another broker: one line naming the directory and the pid, exit 1
    if (err instanceof DirLockError) throw new CliError(err.message)
    // unusable TLS key material (TlsConfigError) and other config errors found at start: one line, exit 1
    if (errorCodeOf(err) === ErrorCode.INVALID_CONFIG) throw new CliError(`config: ${(err as Error).message}`)
    throw err
  }
  if (broker.listeners.length === 1) process.stdout.write(`listening on ${broker.bound.host}:${broker.bound.port}\n`)
  else for (const l of broker.listeners) process.stdout.write(`listening on ${l.host}:${l.port} (${l.name}, ${l.securityProtocol})\n`)
  await new Promise<void>(resolve => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'shutting down')
      broker.close().then(resolve, err => {
        logger.error({ err }, 'shutdown failed')
        resolve()
      })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
  return 0
}
