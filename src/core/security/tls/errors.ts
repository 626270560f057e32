// The error of unusable TLS settings or key material: a ConfigError (INVALID_CONFIG on the wire, a one-line
// start-up error in the CLI) whose message names the config key and, where there is one, the file. Thrown while
// a listener's TLS is built at start; on a reload it is logged and the old context stays.
import { ConfigError } from '../../../config/config-error.js'

export class TlsConfigError extends ConfigError {
  constructor (message: string) {
    super(message)
    this.name = 'TlsConfigError'
  }
}
