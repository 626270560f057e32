// The error of a bad config key or value: INVALID_CONFIG on the wire (as Kafka answers a ConfigException), a
// one-line usage error in the CLI. Its message names the key, the value and where it came from.
import { ErrorCode, KafkaError } from '../protocol/errors.js'

export class ConfigError extends KafkaError {
  constructor (message: string) {
    super(ErrorCode.INVALID_CONFIG, message)
    this.name = 'ConfigError'
  }
}
