// Every config Samsa knows, by Kafka's own key names, with type, default, validator and a one-line doc.
//
// Two tables: BROKER_CONFIGS (server.properties keys) and TOPIC_CONFIGS (per-topic keys). A topic config
// may name its broker-wide synonym (`retention.ms` <- `log.retention.ms`): the topic's effective value is its
// own override if set, else the broker's value (file, env or flag), else the default. DescribeConfigs reports
// exactly this chain as synonyms.
//
// This is the only place defaults are written: the broker, the coordinators and storage read theirs from here
// (brokerDefaults() below, numberConfig() in broker-config.ts).
//
// Invariant: a default always passes its own validator (test/config/broker-config.test.ts checks every entry).

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password'

/** Kafka's DescribeConfigs ConfigType codes (v3+). */
export const CONFIG_TYPE_CODE: Record<ConfigType, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9
}

export interface ConfigDef {
  name: string
  type: ConfigType
  /** Kafka's default, as the string DescribeConfigs shows; null for "no value". */
  default: string | null
  doc: string
  /** Closed set of allowed values (for lists: each element). */
  validValues?: readonly string[]
  min?: number
  max?: number
  /** Broker key whose value a topic inherits (topic configs only). */
  brokerSynonym?: string
  /** Cannot be changed on a running broker (broker configs). */
  readOnly?: boolean
  /**
   * Kafka has no default for this broker key (it derives it from another, e.g. log.retention.ms from
   * log.retention.hours), so DescribeConfigs lists no DEFAULT_CONFIG synonym for it.
   */
  noDefaultSynonym?: boolean
  /** Samsa-specific key (not a Kafka key). */
  samsa?: boolean
}

/** Kafka's Long.MAX_VALUE, the default of several 'never' settings; kept as a string (beyond 2^53). */
const LONG_MAX = '9223372036854775807'

function def (name: string, type: ConfigType, dflt: string | null, doc: string, extra: Partial<ConfigDef> = {}): ConfigDef {
  return { name, type, default: dflt, doc, ...extra }
}

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  def('cleanup.policy', 'list', 'delete', 'delete: old segments leave by retention; compact: keep the last value per key', { validValues: ['delete', 'compact'], brokerSynonym: 'log.cleanup.policy' }),
  def('compression.gzip.level', 'int', '-1', 'gzip level when the broker recompresses (Samsa never does)', { min: -1, max: 9, brokerSynonym: 'compression.gzip.level' }),
  def('compression.lz4.level', 'int', '9', 'lz4 level when the broker recompresses (Samsa never does)', { min: 1, max: 17, brokerSynonym: 'compression.lz4.level' }),
  def('compression.zstd.level', 'int', '3', 'zstd level when the broker recompresses (Samsa never does)', { min: -131072, max: 22, brokerSynonym: 'compression.zstd.level' }),
  def('compression.type', 'string', 'producer', 'producer keeps the producer\'s codec (Samsa never recompresses)', { validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], brokerSynonym: 'compression.type' }),
  def('delete.retention.ms', 'long', '86400000', 'how long tombstones stay in a compacted topic', { min: 0, brokerSynonym: 'log.cleaner.delete.retention.ms' }),
  def('file.delete.delay.ms', 'long', '60000', 'delay before a .deleted file is removed', { min: 0, brokerSynonym: 'log.segment.delete.delay.ms' }),
  def('flush.messages', 'long', LONG_MAX, 'accepted for compatibility; Samsa fsyncs per the fsync mode', { min: 1, brokerSynonym: 'log.flush.interval.messages' }),
  def('flush.ms', 'long', LONG_MAX, 'accepted for compatibility; Samsa fsyncs per the fsync mode', { min: 0, brokerSynonym: 'log.flush.interval.ms' }),
  def('follower.replication.throttled.replicas', 'list', '', 'accepted for compatibility (one node: no replication)', { brokerSynonym: 'follower.replication.throttled.replicas' }),
  def('index.interval.bytes', 'int', '4096', 'bytes of log between two sparse offset index entries', { min: 0, brokerSynonym: 'log.index.interval.bytes' }),
  def('leader.replication.throttled.replicas', 'list', '', 'accepted for compatibility (one node: no replication)', { brokerSynonym: 'leader.replication.throttled.replicas' }),
  def('local.retention.bytes', 'long', '-2', 'tiered storage (not supported): -2 follows retention.bytes', { min: -2, brokerSynonym: 'log.local.retention.bytes' }),
  def('local.retention.ms', 'long', '-2', 'tiered storage (not supported): -2 follows retention.ms', { min: -2, brokerSynonym: 'log.local.retention.ms' }),
  def('max.compaction.lag.ms', 'long', LONG_MAX, 'longest a record may stay uncompacted', { min: 1, brokerSynonym: 'log.cleaner.max.compaction.lag.ms' }),
  def('max.message.bytes', 'int', '1048588', 'largest record batch accepted (MESSAGE_TOO_LARGE above)', { min: 0, brokerSynonym: 'message.max.bytes' }),
  def('message.downconversion.enable', 'boolean', 'true', 'accepted for compatibility; Samsa never down-converts', { brokerSynonym: 'log.message.downconversion.enable' }),
  def('message.format.version', 'string', '3.0-IV1', 'deprecated; Samsa always stores RecordBatch v2', { brokerSynonym: 'log.message.format.version' }),
  def('message.timestamp.after.max.ms', 'long', LONG_MAX, 'largest allowed distance of a timestamp into the future', { min: 0, brokerSynonym: 'log.message.timestamp.after.max.ms' }),
  def('message.timestamp.before.max.ms', 'long', LONG_MAX, 'largest allowed age of a record timestamp', { min: 0, brokerSynonym: 'log.message.timestamp.before.max.ms' }),
  def('message.timestamp.difference.max.ms', 'long', LONG_MAX, 'deprecated synonym of message.timestamp.before.max.ms', { min: 0, brokerSynonym: 'log.message.timestamp.difference.max.ms' }),
  def('message.timestamp.type', 'string', 'CreateTime', 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps batches on append', { validValues: ['CreateTime', 'LogAppendTime'], brokerSynonym: 'log.message.timestamp.type' }),
  def('min.cleanable.dirty.ratio', 'double', '0.5', 'dirty/total ratio above which a compacted log is cleaned', { min: 0, max: 1, brokerSynonym: 'log.cleaner.min.cleanable.ratio' }),
  def('min.compaction.lag.ms', 'long', '0', 'records younger than this are never compacted', { min: 0, brokerSynonym: 'log.cleaner.min.compaction.lag.ms' }),
  def('min.insync.replicas', 'int', '1', 'accepted for compatibility (one node: always 1 replica in sync)', { min: 1, brokerSynonym: 'min.insync.replicas' }),
  def('preallocate', 'boolean', 'false', 'accepted for compatibility', { brokerSynonym: 'log.preallocate' }),
  def('remote.log.copy.disable', 'boolean', 'false', 'tiered storage (not supported)', {}),
  def('remote.log.delete.on.disable', 'boolean', 'false', 'tiered storage (not supported)', {}),
  def('remote.storage.enable', 'boolean', 'false', 'tiered storage (not supported); only false is accepted', { validValues: ['false'] }),
  def('retention.bytes', 'long', '-1', 'largest size of a partition before old segments are deleted (-1: no limit)', { brokerSynonym: 'log.retention.bytes' }),
  def('retention.ms', 'long', '604800000', 'age after which segments are deleted (-1: forever)', { min: -1, brokerSynonym: 'log.retention.ms' }),
  def('segment.bytes', 'int', '1073741824', 'size at which the active segment is rolled', { min: 14, brokerSynonym: 'log.segment.bytes' }),
  def('segment.index.bytes', 'int', '10485760', 'largest size of a segment\'s offset index', { min: 4, brokerSynonym: 'log.index.size.max.bytes' }),
  def('segment.jitter.ms', 'long', '0', 'random jitter subtracted from segment.ms', { min: 0, brokerSynonym: 'log.roll.jitter.ms' }),
  def('segment.ms', 'long', '604800000', 'age at which the active segment is rolled', { min: 1, brokerSynonym: 'log.roll.ms' }),
  def('unclean.leader.election.enable', 'boolean', 'false', 'accepted for compatibility (one node)', { brokerSynonym: 'unclean.leader.election.enable' })
]

export const BROKER_CONFIGS: readonly ConfigDef[] = [
  def('host', 'string', '127.0.0.1', 'address the listener binds', { samsa: true, readOnly: true }),
  def('port', 'int', '9092', 'TCP port the listener binds (0 picks a free port)', { samsa: true, readOnly: true, min: 0, max: 65535 }),
  def('listeners', 'list', 'PLAINTEXT://127.0.0.1:9092', 'NAME://host:port,... to bind (several at once; an empty host binds 127.0.0.1); host/port override the first', { readOnly: true }),
  def('listener.security.protocol.map', 'list', 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', 'listener name -> security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)', { readOnly: true }),
  def('advertised.listeners', 'list', null, 'NAME://host:port,... clients are told to connect to, per listener (host:port: the first listener); default: the bound address', { readOnly: true }),
  def('controller.listener.names', 'list', null, 'KRaft controller listeners: named in listeners, not bound (one node has no controller quorum)', { readOnly: true }),
  def('authorizer.class.name', 'string', '', 'ACLs are enforced when set (Kafka\'s org.apache.kafka.metadata.authorizer.StandardAuthorizer, or samsa); empty: every request is allowed', { readOnly: true }),
  // Security (README "Security"): TLS on SSL/SASL_SSL listeners, SASL on SASL_* listeners. Each may be set per
  // listener as listener.name.<name>.<key> (config/listeners.ts).
  def('ssl.keystore.type', 'string', 'JKS', 'PEM or PKCS12 (Kafka\'s default JKS cannot be read by Node: convert with keytool -importkeystore -deststoretype PKCS12)', { readOnly: true, validValues: ['JKS', 'PKCS12', 'PEM'] }),
  def('ssl.keystore.location', 'string', null, 'the server\'s key and certificate chain: a PKCS12 file, or a PEM file with both', { readOnly: true }),
  def('ssl.keystore.password', 'password', null, 'password of the PKCS12 keystore file', { readOnly: true }),
  def('ssl.key.password', 'password', null, 'password of the private key (an encrypted PEM key)', { readOnly: true }),
  def('ssl.keystore.certificate.chain', 'password', null, 'PEM certificate chain given inline (with ssl.keystore.key, ssl.keystore.type=PEM)', { readOnly: true }),
  def('ssl.keystore.key', 'password', null, 'PEM private key given inline (with ssl.keystore.certificate.chain)', { readOnly: true }),
  def('ssl.truststore.type', 'string', 'JKS', 'PEM or PKCS12: the CAs client certificates are checked against', { readOnly: true, validValues: ['JKS', 'PKCS12', 'PEM'] }),
  def('ssl.truststore.location', 'string', null, 'file of trusted CA certificates for client certificates (mTLS)', { readOnly: true }),
  def('ssl.truststore.password', 'password', null, 'password of the PKCS12 truststore', { readOnly: true }),
  def('ssl.truststore.certificates', 'password', null, 'trusted CA certificates in PEM, given inline', { readOnly: true }),
  def('ssl.client.auth', 'string', 'none', 'client certificates: none, requested (checked if sent), required (mTLS)', { readOnly: true, validValues: ['none', 'requested', 'required'] }),
  def('ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', 'TLS versions accepted', { readOnly: true, validValues: ['TLSv1.2', 'TLSv1.3'] }),
  def('ssl.protocol', 'string', 'TLSv1.3', 'accepted for compatibility: ssl.enabled.protocols decides', { readOnly: true }),
  def('ssl.cipher.suites', 'list', '', 'cipher suites (TLS 1.2 OpenSSL or IANA names; TLS 1.3 suites too); empty: Node\'s defaults', { readOnly: true }),
  def('ssl.principal.mapping.rules', 'string', 'DEFAULT', 'rules mapping a client certificate\'s distinguished name to a principal name (Kafka\'s RULE:pattern/replacement/[LU] syntax)', { readOnly: true }),
  def('ssl.reload.interval.ms', 'long', '10000', 'how often the keystore and truststore files of TLS listeners are checked for changes (re-read without a restart); 0: never', { samsa: true, readOnly: true, min: 0 }),
  def('ssl.endpoint.identification.algorithm', 'string', 'https', 'accepted for compatibility (a client setting)', { readOnly: true }),
  def('sasl.enabled.mechanisms', 'list', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512', 'SASL mechanisms of SASL_* listeners (Kafka\'s default GSSAPI is not supported)', { readOnly: true, validValues: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'] }),
  def('sasl.jaas.config', 'password', null, 'JAAS login module options; for PLAIN the users (user_<name>="<password>"), set per listener and mechanism as listener.name.<l>.<mech>.sasl.jaas.config', { readOnly: true }),
  def('sasl.plain.users', 'password', null, 'Samsa: PLAIN users as user:password pairs ("alice:alice-secret,bob:bob-secret"), besides the JAAS form; per listener as listener.name.<l>.sasl.plain.users', { readOnly: true }),
  def('sasl.server.callback.handler.class', 'class', null, 'OAUTHBEARER: Kafka\'s validator class names choose unsecured (development) or JWKS validation', { readOnly: true }),
  def('sasl.server.max.receive.size', 'int', '524288', 'largest SASL token accepted before authentication', { readOnly: true, min: 1 }),
  def('sasl.oauthbearer.jwks.endpoint.url', 'string', null, 'JWKS (https:// or file:) OAUTHBEARER tokens are verified against', { readOnly: true }),
  def('sasl.oauthbearer.expected.audience', 'list', null, 'an OAUTHBEARER token must name one of these audiences', { readOnly: true }),
  def('sasl.oauthbearer.expected.issuer', 'string', null, 'an OAUTHBEARER token must name this issuer', { readOnly: true }),
  def('sasl.oauthbearer.sub.claim.name', 'string', 'sub', 'claim holding the principal name', { readOnly: true }),
  def('sasl.oauthbearer.scope.claim.name', 'string', 'scope', 'claim holding the token\'s scopes', { readOnly: true }),
  def('sasl.oauthbearer.clock.skew.seconds', 'int', '30', 'allowed clock difference when checking token times', { readOnly: true, min: 0 }),
  def('sasl.oauthbearer.jwks.endpoint.refresh.ms', 'long', '3600000', 'how often the JWKS is fetched again', { readOnly: true, min: 1 }),
  def('connections.max.reauth.ms', 'long', '0', 'KIP-368: SASL sessions must re-authenticate within this time (0: never)', { readOnly: true, min: 0 }),
  def('connection.failed.authentication.delay.ms', 'int', '100', 'delay before the connection is closed after a failed authentication', { readOnly: true, min: 0 }),
  def('super.users', 'string', null, 'principals allowed everything, separated by ;  (User:admin;User:CN=ops)', { readOnly: true }),
  def('allow.everyone.if.no.acl.found', 'boolean', 'false', 'with an authorizer: allow access to a resource that has no ACL', { readOnly: true }),
  def('quota.window.num', 'int', '11', 'samples kept to measure a client\'s quota usage', { readOnly: true, min: 1 }),
  def('quota.window.size.seconds', 'int', '1', 'length of one quota sample', { readOnly: true, min: 1 }),
  def('log.dirs', 'string', './segments', 'the data directory (--data-dir)', { readOnly: true }),
  def('log.dir.min.free.bytes', 'long', '-1', 'free bytes the data directory must keep: below, the broker is read-only (appends, topic creation, offset commits and other durable changes refused with KAFKA_STORAGE_ERROR, fetches served) until space returns; -1: min(100 MiB, 1% of the filesystem), 0: off (only a real ENOSPC refuses)', { samsa: true, readOnly: true, min: -1 }),
  def('log.dir.free.space.check.interval.ms', 'long', '1000', 'how often the data directory\'s free space is read (statfs) against log.dir.min.free.bytes; 0: only at start', { samsa: true, readOnly: true, min: 0 }),
  def('fsync', 'string', 'always', 'always: acks=-1 and the high watermark wait for fdatasync; never: UNSAFE, for throwaway test brokers', { samsa: true, readOnly: true, validValues: ['always', 'never'] }),
  def('log.level', 'string', 'info', 'log level of the broker\'s JSON logs on stderr', { samsa: true, validValues: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  def('node.id', 'int', '1', 'this broker\'s id in Metadata', { readOnly: true, min: 0 }),
  def('auto.create.topics.enable', 'boolean', 'true', 'Metadata and Produce create unknown topics', {}),
  def('num.partitions', 'int', '1', 'partitions of an auto-created topic or of CreateTopics with -1', { min: 1 }),
  def('log.partitions.max', 'int', '200000', 'most partitions of all topics together; CreateTopics, CreatePartitions and auto-creation beyond it are refused (POLICY_VIOLATION) before anything is created', { samsa: true, min: 1 }),
  def('log.open.files.max', 'int', '4000', 'most segment files open at once; idle ones are closed least recently used first and reopened on use (lowered to half of ulimit -n)', { samsa: true, readOnly: true, min: 16 }),
  def('default.replication.factor', 'short', '1', 'replication factor reported for new topics (one node: 1)', { min: 1, max: 1 }),
  def('delete.topic.enable', 'boolean', 'true', 'DeleteTopics is allowed', {}),
  def('socket.request.max.bytes', 'int', '104857600', 'largest request frame; a larger one closes the connection', { readOnly: true, min: 1 }),
  def('queued.max.request.bytes', 'long', '134217728', 'broker-wide pool for request frames being read (announced size reserved, buffers grow as bytes arrive); a connection whose next frame does not fit stops reading until room is released; Kafka\'s default -1 (unbounded) is not accepted: 128 MiB holds one frame of socket.request.max.bytes plus others', { readOnly: true, min: 1 }),
  def('connection.max.queued.response.bytes', 'long', '8388608', 'per connection: response bytes handled but not yet written (plus the socket\'s write buffer and fetches being read); above it the connection reads and starts no more requests until the client drains them, and a Fetch is answered with at most this many bytes (one batch more if a single batch is larger)', { samsa: true, readOnly: true, min: 65536 }),
  def('fetch.max.memory.bytes', 'long', '134217728', 'broker-wide budget for fetch responses being read or written and fetch read-ahead; a Fetch waits (up to its max wait, then answers without records) when it is used up', { samsa: true, readOnly: true, min: 1048576 }),
  def('fetch.max.bytes', 'int', '57671680', 'largest response a Fetch gets (its own max bytes is lowered to this)', { readOnly: true, min: 1024 }),
  def('max.connections', 'int', '2147483647', 'connections the broker accepts at once (all listeners); a new connection over it is closed at once', { readOnly: true, min: 0 }),
  def('max.connections.per.ip', 'int', '2147483647', 'connections accepted at once from one IP address; a new one over it is closed at once', { readOnly: true, min: 0 }),
  def('max.connections.per.ip.overrides', 'string', '', 'per-IP exceptions to max.connections.per.ip: "ip:count,ip:count" (IP addresses, IPv6 in brackets allowed)', { readOnly: true }),
  def('connections.max.idle.ms', 'long', '600000', 'a connection with no bytes read or written for this long is closed', { readOnly: true, min: 1 }),
  def('request.read.timeout.ms', 'long', '60000', 'a request frame must arrive whole within this time after its first byte (time the broker itself paused reading is not counted); else the connection is closed and its bytes returned to queued.max.request.bytes', { samsa: true, readOnly: true, min: 1 }),
  def('compression.gzip.level', 'int', '-1', 'gzip level when the broker recompresses (Samsa never does)', { min: -1, max: 9, brokerSynonym: 'compression.gzip.level' }),
  def('compression.lz4.level', 'int', '9', 'lz4 level when the broker recompresses (Samsa never does)', { min: 1, max: 17, brokerSynonym: 'compression.lz4.level' }),
  def('compression.type', 'string', 'producer', 'see the topic config', { validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] }),
  def('compression.gzip.level', 'int', '-1', 'see the topic config', { min: -1, max: 9 }),
  def('compression.lz4.level', 'int', '9', 'see the topic config', { min: 1, max: 17 }),
  def('compression.zstd.level', 'int', '3', 'see the topic config', { min: -131072, max: 22 }),
  def('follower.replication.throttled.replicas', 'list', '', 'see the topic config', {}),
  def('leader.replication.throttled.replicas', 'list', '', 'see the topic config', {}),
  def('log.local.retention.bytes', 'long', '-2', 'see local.retention.bytes', { min: -2 }),
  def('log.local.retention.ms', 'long', '-2', 'see local.retention.ms', { min: -2 }),
  def('log.message.format.version', 'string', '3.0-IV1', 'see message.format.version', {}),
  def('log.cleanup.policy', 'list', 'delete', 'see cleanup.policy', { validValues: ['delete', 'compact'] }),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', 'see delete.retention.ms', { min: 0 }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, 'see max.compaction.lag.ms', { min: 1 }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'see min.cleanable.dirty.ratio', { min: 0, max: 1 }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', 'see min.compaction.lag.ms', { min: 0 }),
  def('log.flush.interval.messages', 'long', LONG_MAX, 'see flush.messages', { min: 1 }),
  def('log.flush.interval.ms', 'long', LONG_MAX, 'see flush.ms', { min: 0, noDefaultSynonym: true }),
  def('log.index.interval.bytes', 'int', '4096', 'see index.interval.bytes', { min: 0 }),
  def('log.index.size.max.bytes', 'int', '10485760', 'see segment.index.bytes', { min: 4 }),
  def('log.message.downconversion.enable', 'boolean', 'true', 'see message.downconversion.enable', {}),
  def('log.message.timestamp.after.max.ms', 'long', LONG_MAX, 'see message.timestamp.after.max.ms', { min: 0 }),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX, 'see message.timestamp.before.max.ms', { min: 0 }),
  def('log.message.timestamp.difference.max.ms', 'long', LONG_MAX, 'see message.timestamp.difference.max.ms', { min: 0 }),
  def('log.message.timestamp.type', 'string', 'CreateTime', 'see message.timestamp.type', { validValues: ['CreateTime', 'LogAppendTime'] }),
  def('log.preallocate', 'boolean', 'false', 'see preallocate', {}),
  def('log.retention.bytes', 'long', '-1', 'see retention.bytes', {}),
  def('log.retention.ms', 'long', '604800000', 'see retention.ms', { min: -1, noDefaultSynonym: true }),
  def('log.retention.check.interval.ms', 'long', '300000', 'how often retention is checked', { min: 1 }),
  def('log.fetch.check.crcs', 'boolean', 'true', 'a fetch verifies the CRC32C of every batch it serves from disk (header checks always run); a damaged batch answers CORRUPT_MESSAGE, never its bytes', { samsa: true, readOnly: true }),
  def('log.scrubber.enable', 'boolean', 'false', 'a background scrubber re-reads closed segments and verifies every batch (CRC32C, lengths, offsets); damage is logged at ERROR and fetches of it answer CORRUPT_MESSAGE', { samsa: true, readOnly: true }),
  def('log.scrubber.bytes.per.second', 'long', '4194304', 'read rate of the scrubber, all partitions together', { samsa: true, readOnly: true, min: 1 }),
  def('log.scrubber.interval.ms', 'long', '86400000', 'pause between the end of one scrubber pass over every closed segment and the start of the next (the first starts this long after start)', { samsa: true, readOnly: true, min: 1 }),
  def('log.roll.jitter.ms', 'long', '0', 'see segment.jitter.ms', { min: 0, noDefaultSynonym: true }),
  def('log.roll.ms', 'long', '604800000', 'see segment.ms', { min: 1, noDefaultSynonym: true }),
  def('log.segment.bytes', 'int', '1073741824', 'see segment.bytes', { min: 14 }),
  def('log.segment.delete.delay.ms', 'long', '60000', 'see file.delete.delay.ms', { min: 0 }),
  def('message.max.bytes', 'int', '1048588', 'see max.message.bytes', { min: 0 }),
  def('min.insync.replicas', 'int', '1', 'see min.insync.replicas', { min: 1 }),
  def('unclean.leader.election.enable', 'boolean', 'false', 'see unclean.leader.election.enable', {}),
  def('group.initial.rebalance.delay.ms', 'int', '0', 'wait before the first rebalance of an empty group (Kafka: 3000; 0 suits test brokers)', { min: 0 }),
  def('group.min.session.timeout.ms', 'int', '6000', 'smallest session timeout a member may ask for', { min: 0 }),
  def('group.max.session.timeout.ms', 'int', '1800000', 'largest session timeout a member may ask for', { min: 0 }),
  def('group.max.size', 'int', '2147483647', 'most members a consumer group may have (GROUP_MAX_SIZE_REACHED beyond)', { min: 1 }),
  def('offset.metadata.max.bytes', 'int', '4096', 'largest metadata string of a committed offset (OFFSET_METADATA_TOO_LARGE beyond)', { min: 0 }),
  def('offsets.retention.check.interval.ms', 'long', '600000', 'how often expired committed offsets are removed', { min: 1 }),
  def('offsets.topic.num.partitions', 'int', '50', 'partitions of __consumer_offsets', { readOnly: true, min: 1 }),
  def('offsets.retention.minutes', 'int', '10080', 'how long committed offsets of an empty group are kept', { min: 1 }),
  def('transaction.state.log.num.partitions', 'int', '50', 'partitions of __transaction_state', { readOnly: true, min: 1 }),
  def('transaction.max.timeout.ms', 'int', '900000', 'largest transaction timeout a producer may ask for', { min: 1 }),
  def('transactional.id.expiration.ms', 'int', '604800000', 'a transactional id with no transaction for this long is forgotten', { min: 1 }),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', 'how often open transactions past their timeout are aborted', { min: 1 }),
  def('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', '3600000', 'how often expired transactional ids are removed', { min: 1 })
]

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(TOPIC_CONFIGS.map(d => [d.name, d]))
export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(BROKER_CONFIGS.map(d => [d.name, d]))

export { LONG_MAX }

/** The broker keys at their defaults, as a config's `get` reads them (for coordinators and storage built without a broker). */
export const BROKER_DEFAULTS: { get: (name: string) => string | null } = {
  get: (name) => BROKER_CONFIG_BY_NAME.get(name)?.default ?? null
}
