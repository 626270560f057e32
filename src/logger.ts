// The broker's logger: pino, JSON lines on stderr by default. Every component takes a child logger
// with a `component` field, so a line always names where it came from (network, storage, groups...).
import { pino, type Logger } from 'pino'

export type { Logger }

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export function createLogger (level: LogLevel = 'info', destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, base: { name: 'samsa' } }, destination as pino.DestinationStream)
}

/** A logger that drops everything: the default for embedded brokers in tests. */
export const silentLogger: Logger = pino({ level: 'silent' })
