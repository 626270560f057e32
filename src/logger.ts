// The broker's logger: pino, JSON lines on stderr by default. Every component takes a child logger
// with a `component` field, so a line always names where it came from (network, storage, groups...).
//
// Invariant: logging never takes the broker down. A log line that cannot be written (stderr a pipe whose
// reader went away: EPIPE; a log file on a full disk: ENOSPC; a closed descriptor: EBADF) is dropped and
// counted (droppedLogLines()), never thrown: a client can provoke WARN lines at will, and the broker's
// availability must not depend on who reads its log.
import { pino, type Logger } from 'pino'

export type { Logger }

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

let dropped = 0

/** Log lines dropped because their destination failed (since the process started). */
export function droppedLogLines (): number {
  return dropped
}

const guarded = new WeakSet<NodeJS.WritableStream>()

/**
 * A pino destination over `target` that drops what cannot be written: writes to a stream destroyed by an
 * error, and synchronous throws, count as dropped lines; the stream's 'error' events are absorbed and counted
 * (one listener per stream, however many loggers share it).
 */
export function safeDestination (target: NodeJS.WritableStream): pino.DestinationStream {
  if (!guarded.has(target)) {
    guarded.add(target)
    target.on('error', () => {
      dropped++
    })
  }
  return {
    write (line: string): void {
      const s = target as NodeJS.WritableStream & { destroyed?: boolean, writableEnded?: boolean }
      if (s.destroyed === true || s.writableEnded === true) {
        dropped++
        return
      }
      try {
        target.write(line)
      } catch {
        // a synchronous failure (a file on a full disk): this line is lost, later ones are tried again
        dropped++
      }
    }
  }
}

export function createLogger (level: LogLevel = 'info', destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, base: { name: 'samsa' } }, safeDestination(destination))
}

/** A logger that drops everything: the default for embedded brokers in tests. */
export const silentLogger: Logger = pino({ level: 'silent' })
