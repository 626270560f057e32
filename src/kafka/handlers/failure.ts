// What a handler answers when a core service or storage throws: Kafka's code for the error from the one
// table every handler uses (errorCodeOf in protocol/errors.ts; handlers never map error classes themselves)
// and a message naming what failed. UNKNOWN_SERVER_ERROR (an unexpected error), KAFKA_STORAGE_ERROR (a disk
// failure) and CORRUPT_MESSAGE (the broker's own bytes: a corrupt segment) are the broker's failures: logged at
// ERROR, naming what failed; the others (a policy, an offset out of range ...) are the client's business and
// only answered.
import type { Logger } from '../../logger.js'
import { ErrorCode, errorOf } from '../../protocol/errors.js'

const BROKER_FAILURES: ReadonlySet<number> = new Set([ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.CORRUPT_MESSAGE])

export interface Failure {
  /** Kafka's error code for the response. */
  code: number
  /** `<what> failed: <the error's message>`. */
  message: string
}

/** `what` says what failed ("creating topic orders"); `fields` go into the log line (topic, partition ...). */
export function failure (logger: Logger, err: unknown, what: string, fields: Record<string, unknown> = {}): Failure {
  const e = errorOf(err)
  // storage logs a corrupt batch once per file position (errors.ts CorruptLogError.logged), not once per fetch
  if (BROKER_FAILURES.has(e.code) && (err as { logged?: unknown } | null)?.logged !== true) {
    logger.error({ ...fields, errorCode: e.code, err }, `${what} failed`)
  }
  return { code: e.code, message: `${what} failed: ${e.message}` }
}
