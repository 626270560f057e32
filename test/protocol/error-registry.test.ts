// The error registry: every error class declared in src/ either maps to a known Kafka error code through
// errorCodeOf() (the one table from exception to wire code, as Kafka's Errors.forException) or is listed as
// never answered with a code, with the reason. A new error class fails this test until it is in one of the two
// lists (as fastify counts its FST_ERR_* errors), and errorCodeOf() itself follows Kafka's rules.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ErrorCode, KafkaError, errorCodeOf, errorInfo, errorName, errorOf } from '../../src/protocol/errors.js'
import { ProtocolDecodeError } from '../../src/protocol/primitives/reader.js'
import { LegacyFormatError } from '../../src/protocol/records/legacy.js'
import { ConfigError } from '../../src/config/config-error.js'
import { CorruptLogError, KafkaStorageError, OffsetOutOfRangeError, PolicyViolationError } from '../../src/storage/errors.js'
import {
  BrokerUnreachableError, ConnectionClosedError, KafkaClientError, KafkaProtocolError, UnknownTopicError, UnsupportedApiError
} from '../../src/client/errors.js'
import { OffsetOutOfRangeError as SeekOutOfRangeError } from '../../src/client/seek.js'
import { TlsConfigError } from '../../src/core/security/tls/errors.js'
import { SaslAuthenticationError } from '../../src/core/security/sasl/mechanism.js'
import { JaasConfigError } from '../../src/core/security/sasl/jaas.js'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** `<file>:<class>` -> an instance and the code errorCodeOf() must give it. */
const MAPPED: Record<string, [Error, number]> = {
  'protocol/errors.ts:KafkaError': [new KafkaError(ErrorCode.INVALID_REQUEST, 'x'), ErrorCode.INVALID_REQUEST],
  'protocol/primitives/reader.ts:ProtocolDecodeError': [new ProtocolDecodeError('truncated int32', 3), ErrorCode.INVALID_REQUEST],
  'protocol/records/legacy.ts:LegacyFormatError': [new LegacyFormatError('CRC32 mismatch'), ErrorCode.CORRUPT_MESSAGE],
  'config/config-error.ts:ConfigError': [new ConfigError('num.partitions=x'), ErrorCode.INVALID_CONFIG],
  'core/security/tls/errors.ts:TlsConfigError': [new TlsConfigError('listener SSL: ssl.keystore.location x.pem cannot be read'), ErrorCode.INVALID_CONFIG],
  'storage/errors.ts:OffsetOutOfRangeError': [new OffsetOutOfRangeError('t-0: 9 is outside [0, 5]', 0, 5), ErrorCode.OFFSET_OUT_OF_RANGE],
  'storage/errors.ts:KafkaStorageError': [new KafkaStorageError('t-0: EIO'), ErrorCode.KAFKA_STORAGE_ERROR],
  'storage/errors.ts:CorruptLogError': [new CorruptLogError('batchLength 0'), ErrorCode.CORRUPT_MESSAGE],
  'storage/errors.ts:PolicyViolationError': [new PolicyViolationError('cleanup.policy=compact'), ErrorCode.POLICY_VIOLATION],
  'client/errors.ts:KafkaClientError': [new KafkaClientError('format v1'), ErrorCode.UNKNOWN_SERVER_ERROR],
  'client/errors.ts:BrokerUnreachableError': [new BrokerUnreachableError('h:1', 3, 'ECONNREFUSED'), ErrorCode.NETWORK_EXCEPTION],
  'client/errors.ts:ConnectionClosedError': [new ConnectionClosedError('closed'), ErrorCode.NETWORK_EXCEPTION],
  'client/errors.ts:UnsupportedApiError': [new UnsupportedApiError('h:1', 1, 'Fetch', ': not listed'), ErrorCode.UNSUPPORTED_VERSION],
  'client/errors.ts:KafkaProtocolError': [new KafkaProtocolError(ErrorCode.NOT_COORDINATOR, 'join group g'), ErrorCode.NOT_COORDINATOR],
  'client/errors.ts:UnknownTopicError': [new UnknownTopicError('t'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  'client/seek.ts:OffsetOutOfRangeError': [new SeekOutOfRangeError('offset 9 is out of range'), ErrorCode.OFFSET_OUT_OF_RANGE],
  'core/security/sasl/mechanism.ts:SaslAuthenticationError': [new SaslAuthenticationError('Authentication failed: Invalid username or password'), ErrorCode.SASL_AUTHENTICATION_FAILED],
  'core/security/sasl/jaas.ts:JaasConfigError': [new JaasConfigError('sasl.jaas.config: missing \';\''), ErrorCode.INVALID_CONFIG]
}

/** `<file>:<class>` -> why no code is ever answered for it. */
const NOT_ANSWERED: Record<string, string> = {
  'kafka/network/frame-reader.ts:FrameError': 'a bad frame size closes the connection (no request to answer)',
  'kafka/network/connection.ts:CloseConnectionError': 'thrown to close the connection instead of answering',
  'core/security/tls/principal-mapper.ts:NoMatchingRuleError': 'a client certificate no ssl.principal.mapping.rules rule maps: the TLS connection is closed with a WARN (no request to answer)',
  'broker.ts:ListenError': 'start-up: the broker cannot listen; the CLI prints it and exits 1',
  'cli/args.ts:UsageError': 'the CLI\'s bad arguments: exit code 2',
  'cli/output.ts:CliError': 'the CLI\'s failures: printed, exit code of its own',
  'storage/state-file.ts:StateFileError': 'start-up: a durable state file (ACLs, credentials, quotas) that cannot be read stops the broker from starting, naming the file',
  'core/security/sasl/oauth-validators.ts:OAuthTokenError': 'an invalid OAUTHBEARER token: answered with the RFC 7628 {"status":"invalid_token"} challenge, then SASL_AUTHENTICATION_FAILED (a SaslAuthenticationError) carrying its message',
  'storage/cleaner/clean-task.ts:Aborted': 'private to the cleaner worker: stops a cleaning that was cancelled',
  'storage/dir-lock.ts:DirLockError': 'start-up: another broker holds <dataDir>/.lock; startBroker() rejects with it, the CLI prints it and exits 1'
}

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(p)
    return e.name.endsWith('.ts') ? [p] : []
  })
}

/** Every `class X extends <...>Error` in src/, as `<file>:<class>`. */
function errorClasses (): string[] {
  const out: string[] = []
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bclass\s+(\w+)\s+extends\s+\w*Error\b/g)) {
      out.push(`${relative(SRC, file).split('\\').join('/')}:${m[1]!}`)
    }
  }
  return out.sort()
}

t.test('every error class in src/ is in the registry: mapped to a code, or never answered (with why)', async t => {
  const found = errorClasses()
  t.ok(found.length >= Object.keys(MAPPED).length, `${found.length} error classes in src/`)
  for (const c of found) t.ok(c in MAPPED || c in NOT_ANSWERED, `${c} is in the registry`)
  for (const c of [...Object.keys(MAPPED), ...Object.keys(NOT_ANSWERED)]) t.ok(found.includes(c), `${c} is still declared in src/`)
})

t.test('each mapped error class gives its known Kafka code', async t => {
  for (const [c, [err, code]] of Object.entries(MAPPED)) {
    t.equal(err.name, c.slice(c.indexOf(':') + 1), `${c}: its name is its class`)
    t.ok(errorInfo(code), `${c}: ${errorName(code)} is a known code`)
    t.equal(errorCodeOf(err), code, `${c} -> ${errorName(code)}`)
  }
})

t.test('KafkaError and the storage errors carry the code and Kafka\'s name for it', async t => {
  t.match(new KafkaStorageError('t-0: EIO'), { errorCode: 56, code: 'KAFKA_STORAGE_ERROR', name: 'KafkaStorageError' })
  t.match(new CorruptLogError('x'), { errorCode: 2, code: 'CORRUPT_MESSAGE' })
  t.match(new ConfigError('x'), { errorCode: 40, code: 'INVALID_CONFIG', name: 'ConfigError' })
  t.ok(new OffsetOutOfRangeError('x', 0, 1) instanceof KafkaError)
})

t.test('errorCodeOf: I/O errors of the system are KAFKA_STORAGE_ERROR, causes are followed, the rest is UNKNOWN_SERVER_ERROR', async t => {
  const eio = Object.assign(new Error('EIO: i/o error, read'), { errno: -5, code: 'EIO', syscall: 'read' })
  t.equal(errorCodeOf(eio), ErrorCode.KAFKA_STORAGE_ERROR, 'EIO')
  t.equal(errorCodeOf(Object.assign(new Error('no space'), { code: 'ENOSPC' })), ErrorCode.KAFKA_STORAGE_ERROR, 'ENOSPC')
  t.equal(errorCodeOf(new Error('cleaning t-0 failed', { cause: eio })), ErrorCode.KAFKA_STORAGE_ERROR, 'an EIO as the cause')
  t.equal(errorCodeOf(new Error('wrapped', { cause: new CorruptLogError('x') })), ErrorCode.CORRUPT_MESSAGE, 'a storage error as the cause')
  t.equal(errorCodeOf(Object.assign(new TypeError('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' })), ErrorCode.UNKNOWN_SERVER_ERROR, 'Node\'s own ERR_ codes are not I/O')
  t.equal(errorCodeOf(new Error('a bug')), ErrorCode.UNKNOWN_SERVER_ERROR, 'a plain Error')
  t.equal(errorCodeOf(new RangeError('index full')), ErrorCode.UNKNOWN_SERVER_ERROR, 'a RangeError')
  t.equal(errorCodeOf(Object.assign(new Error('x'), { errorCode: 9999 })), ErrorCode.UNKNOWN_SERVER_ERROR, 'a code Kafka does not know')
  t.equal(errorCodeOf('a string'), ErrorCode.UNKNOWN_SERVER_ERROR, 'not an object')
  t.equal(errorCodeOf(null), ErrorCode.UNKNOWN_SERVER_ERROR, 'null')
  t.equal(errorCodeOf(undefined), ErrorCode.UNKNOWN_SERVER_ERROR, 'undefined')
  const self: Error & { cause?: unknown } = new Error('loop')
  self.cause = self
  t.equal(errorCodeOf(self), ErrorCode.UNKNOWN_SERVER_ERROR, 'a cause cycle ends')
  t.same(errorOf(new PolicyViolationError('cleanup.policy=compact')), { code: ErrorCode.POLICY_VIOLATION, message: 'cleanup.policy=compact' })
  t.same(errorOf('boom'), { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'boom' })
})
