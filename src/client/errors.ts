// Errors of Samsa's internal Kafka client. Every message names what failed (the broker address, the topic,
// the partition, Kafka's error name) so the CLI can print it as is, without a stack trace. Each carries a
// Kafka error code in `errorCode` (the convention of protocol/errors.ts, read by errorCodeOf), the way Kafka's
// own client exceptions each stand for one code of Errors:
//
//   class                      errorCode                      when
//   KafkaClientError           UNKNOWN_SERVER_ERROR (base)    base class; the CLI prints `samsa: <message>` and exits 1
//   BrokerUnreachableError     NETWORK_EXCEPTION              connecting failed after the bounded retry ("cannot reach broker h:p after N attempts: ECONNREFUSED")
//   ConnectionClosedError      NETWORK_EXCEPTION              the socket closed or timed out with requests in flight
//   UnsupportedApiError        UNSUPPORTED_VERSION            the broker does not serve an API, or no version both sides speak
//   KafkaProtocolError         the broker's code              the broker answered a Kafka error code (code, Kafka's name, retriable flag)
//   UnknownTopicError          UNKNOWN_TOPIC_OR_PARTITION     a topic the command needs does not exist
//   OffsetOutOfRangeError      OFFSET_OUT_OF_RANGE            (seek.ts) a start or stop offset outside the partition's log
import { ErrorCode, errorName, isRetriable } from '../protocol/errors.js'

export class KafkaClientError extends Error {
  override name = 'KafkaClientError'
  constructor (message: string, readonly errorCode: number = ErrorCode.UNKNOWN_SERVER_ERROR) {
    super(message)
  }
}

/** True for every error of this client (the failures the CLI reports as one line, without a stack trace). */
export function isClientError (err: unknown): err is KafkaClientError {
  return err instanceof KafkaClientError
}

export class BrokerUnreachableError extends KafkaClientError {
  override name = 'BrokerUnreachableError'
  constructor (readonly address: string, readonly attempts: number, readonly reason: string) {
    super(`cannot reach broker${address.includes(',') ? 's' : ''} ${address} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, ErrorCode.NETWORK_EXCEPTION)
  }
}

export class ConnectionClosedError extends KafkaClientError {
  override name = 'ConnectionClosedError'
  constructor (message: string) {
    super(message, ErrorCode.NETWORK_EXCEPTION)
  }
}

export class UnsupportedApiError extends KafkaClientError {
  override name = 'UnsupportedApiError'
  /** `detail` follows the API's name verbatim (start it with ': ' or ' nor ...'). */
  constructor (readonly address: string, readonly apiKey: number, readonly apiName: string, detail: string) {
    super(`broker ${address} does not support ${apiName} (api key ${apiKey})${detail}`, ErrorCode.UNSUPPORTED_VERSION)
  }
}

export class KafkaProtocolError extends KafkaClientError {
  override name = 'KafkaProtocolError'
  readonly errorName: string
  readonly retriable: boolean
  /** `what` says what failed ("create topic orders", "fetch orders-0"); `detail` is the broker's error message. */
  constructor (readonly code: number, what: string, detail?: string | null) {
    const name = errorName(code)
    super(`${what}: ${name}${detail !== undefined && detail !== null && detail !== '' ? ` (${detail})` : ''}`, code)
    this.errorName = name
    this.retriable = isRetriable(code)
  }
}

export class UnknownTopicError extends KafkaClientError {
  override name = 'UnknownTopicError'
  constructor (readonly topic: string, hint = '') {
    super(`unknown topic '${topic}'${hint === '' ? '' : ` (${hint})`}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  }
}

/** Throws a KafkaProtocolError when `code` is not NONE (0). */
export function check (code: number, what: string, detail?: string | null): void {
  if (code !== 0) throw new KafkaProtocolError(code, what, detail)
}
