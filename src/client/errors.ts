// Errors of Samsa's internal Kafka client. Every message names what failed (the broker address, the topic,
// the partition, Kafka's error name) so the CLI can print it as is, without a stack trace.
//
//   KafkaClientError           base class; the CLI prints `samsa: <message>` and exits 1
//   BrokerUnreachableError     connecting failed after the bounded retry ("cannot reach broker h:p after N attempts: ECONNREFUSED")
//   ConnectionClosedError      the socket closed or timed out with requests in flight
//   UnsupportedApiError        the broker does not serve an API, or no version both sides speak
//   KafkaProtocolError         the broker answered a Kafka error code (code, Kafka's name, retriable flag)
//   UnknownTopicError          a topic the command needs does not exist
import { errorName, isRetriable } from '../protocol/errors.js'

export class KafkaClientError extends Error {
  override name = 'KafkaClientError'
}

export class BrokerUnreachableError extends KafkaClientError {
  override name = 'BrokerUnreachableError'
  constructor (readonly address: string, readonly attempts: number, readonly reason: string) {
    super(`cannot reach broker${address.includes(',') ? 's' : ''} ${address} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`)
  }
}

export class ConnectionClosedError extends KafkaClientError {
  override name = 'ConnectionClosedError'
}

export class UnsupportedApiError extends KafkaClientError {
  override name = 'UnsupportedApiError'
  /** `detail` follows the API's name verbatim (start it with ': ' or ' nor ...'). */
  constructor (readonly address: string, readonly apiKey: number, readonly apiName: string, detail: string) {
    super(`broker ${address} does not support ${apiName} (api key ${apiKey})${detail}`)
  }
}

export class KafkaProtocolError extends KafkaClientError {
  override name = 'KafkaProtocolError'
  readonly errorName: string
  readonly retriable: boolean
  /** `what` says what failed ("create topic orders", "fetch orders-0"); `detail` is the broker's error message. */
  constructor (readonly code: number, what: string, detail?: string | null) {
    const name = errorName(code)
    super(`${what}: ${name}${detail !== undefined && detail !== null && detail !== '' ? ` (${detail})` : ''}`)
    this.errorName = name
    this.retriable = isRetriable(code)
  }
}

export class UnknownTopicError extends KafkaClientError {
  override name = 'UnknownTopicError'
  constructor (readonly topic: string, hint = '') {
    super(`unknown topic '${topic}'${hint === '' ? '' : ` (${hint})`}`)
  }
}

/** Throws a KafkaProtocolError when `code` is not NONE (0). */
export function check (code: number, what: string, detail?: string | null): void {
  if (code !== 0) throw new KafkaProtocolError(code, what, detail)
}
