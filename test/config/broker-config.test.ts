import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadBrokerConfig, parseEndpoint, BROKER_CONFIGS, TOPIC_CONFIGS, validateValue, BROKER_CONFIG_BY_NAME } from '../../src/config.js'

t.test('every default passes its own validator, and topic synonyms exist', async t => {
  for (const d of [...BROKER_CONFIGS, ...TOPIC_CONFIGS]) {
    t.equal(validateValue(d, d.default), null, d.name)
    if (d.brokerSynonym !== undefined) t.ok(BROKER_CONFIG_BY_NAME.has(d.brokerSynonym), `${d.name} -> ${d.brokerSynonym}`)
  }
})

t.test('defaults: 127.0.0.1:9092, ./segments, fsync always', async t => {
  const c = loadBrokerConfig()
  t.equal(c.host, '127.0.0.1')
  t.equal(c.port, 9092)
  t.equal(c.dataDir, './segments')
  t.equal(c.fsync, 'always')
  t.equal(c.numPartitions, 1)
  t.equal(c.autoCreateTopics, true)
  t.equal(c.socketRequestMaxBytes, 104857600)
})

t.test('precedence: defaults < file < env < flags', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-cfg-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'server.properties')
  fs.writeFileSync(file, '# comment\nnum.partitions=2\nlog.retention.hours=1\nport = 9300\nnode.id: 7\n')
  const c = loadBrokerConfig({
    configFile: file,
    env: { SAMSA_NUM_PARTITIONS: '3', SAMSA_PORT: '9400', UNRELATED: 'x' },
    overrides: [['port', '9500']]
  })
  t.equal(c.numPartitions, 3, 'env beats file')
  t.equal(c.port, 9500, 'flag beats env')
  t.equal(c.nodeId, 7, 'key: value form')
  t.equal(c.get('log.retention.ms'), '3600000', 'hours folded into ms')
})

t.test('aliases and listeners', async t => {
  const c = loadBrokerConfig({ overrides: [['data-dir', '/tmp/x'], ['listeners', 'PLAINTEXT://0.0.0.0:19092'], ['advertised.listeners', 'PLAINTEXT://example:29092']] })
  t.equal(c.dataDir, '/tmp/x')
  t.equal(c.host, '0.0.0.0')
  t.equal(c.port, 19092)
  t.equal(c.advertisedHost, 'example')
  t.equal(c.advertisedPort, 29092)
  t.same(parseEndpoint('[::1]:9092', 'x'), { name: null, host: '::1', port: 9092 })
})

t.test('bad values and unknown keys name the key, the value and the origin', async t => {
  t.throws(() => loadBrokerConfig({ overrides: [['num.partitions', 'three']] }), { name: 'ConfigError', message: /flag: num\.partitions=three: expected a whole number/ })
  t.throws(() => loadBrokerConfig({ overrides: [['num.partitions', '0']] }), { message: /must be at least 1/ })
  t.throws(() => loadBrokerConfig({ overrides: [['fsync', 'sometimes']] }), { message: /fsync=sometimes: expected one of always, never/ })
  t.throws(() => loadBrokerConfig({ overrides: [['no.such.key', '1']] }), { message: /unknown config 'no\.such\.key'/ })
  t.throws(() => loadBrokerConfig({ env: { SAMSA_AUTO_CREATE_TOPICS_ENABLE: 'yes' } }), { message: /environment: auto\.create\.topics\.enable=yes: expected true or false/ })
  t.throws(() => loadBrokerConfig({ configFile: '/nonexistent/server.properties' }), { message: /cannot read config file \/nonexistent/ })
  t.throws(() => loadBrokerConfig({ overrides: [['listeners', 'nonsense']] }), { message: /'nonsense' is not NAME:\/\/host:port/ })
})

t.test('long configs reach 2^63 - 1, as Kafka (Long.MAX_VALUE is a common "never")', async t => {
  const { TOPIC_CONFIG_BY_NAME } = await import('../../src/config.js')
  const d = TOPIC_CONFIG_BY_NAME.get('flush.ms')!
  t.equal(d.default, '9223372036854775807')
  t.equal(validateValue(d, '9223372036854775807'), null)
  t.equal(validateValue(TOPIC_CONFIG_BY_NAME.get('max.compaction.lag.ms')!, '9007199254740992'), null, '2^53 is a fine long')
  t.match(validateValue(d, '9223372036854775808'), /out of range for a long/)
})

t.test('synonyms: no DEFAULT_CONFIG entry for broker keys Kafka has no default for', async t => {
  const { resolveTopicConfig, TOPIC_CONFIG_BY_NAME } = await import('../../src/config.js')
  const broker = loadBrokerConfig()
  const retention = resolveTopicConfig(broker, {}, TOPIC_CONFIG_BY_NAME.get('retention.ms')!)
  t.equal(retention.value, '604800000')
  t.equal(retention.source, 'DEFAULT_CONFIG')
  t.same(retention.synonyms, [], 'like Kafka: log.retention.ms has no default of its own')
  const overridden = resolveTopicConfig(broker, { 'retention.ms': '5' }, TOPIC_CONFIG_BY_NAME.get('retention.ms')!)
  t.same(overridden.synonyms.map(s => s.source), ['TOPIC_CONFIG'])
  const policy = resolveTopicConfig(broker, {}, TOPIC_CONFIG_BY_NAME.get('cleanup.policy')!)
  t.same(policy.synonyms.map(s => [s.name, s.source]), [['log.cleanup.policy', 'DEFAULT_CONFIG']])
  for (const name of ['message.format.version', 'follower.replication.throttled.replicas', 'leader.replication.throttled.replicas', 'local.retention.ms', 'remote.storage.enable', 'compression.zstd.level']) {
    t.ok(TOPIC_CONFIG_BY_NAME.has(name), `${name} is listed, as Kafka 3.9 lists it`)
  }
})
