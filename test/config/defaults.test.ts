// Defaults are written once, in config/definitions.ts: the coordinators' settings come from there through
// numberConfig(), and a broker key set in the config reaches them.
import t from 'tap'
import { BROKER_CONFIG_BY_NAME, BROKER_DEFAULTS } from '../../src/config/definitions.js'
import { loadBrokerConfig, numberConfig } from '../../src/config/broker-config.js'
import { DEFAULT_GROUPS_CONFIG, groupsConfigFrom } from '../../src/core/groups/context.js'
import { DEFAULT_TRANSACTIONS_CONFIG, transactionsConfigFrom } from '../../src/core/transactions/coordinator.js'

const dflt = (key: string): number => Number(BROKER_CONFIG_BY_NAME.get(key)!.default)

t.test('the coordinators\' defaults are the definitions\' defaults', async t => {
  t.equal(DEFAULT_GROUPS_CONFIG.maxGroupSize, dflt('group.max.size'))
  t.equal(DEFAULT_GROUPS_CONFIG.minSessionTimeoutMs, dflt('group.min.session.timeout.ms'))
  t.equal(DEFAULT_GROUPS_CONFIG.offsetsRetentionMs, dflt('offsets.retention.minutes') * 60000)
  t.equal(DEFAULT_GROUPS_CONFIG.offsetsRetentionCheckIntervalMs, dflt('offsets.retention.check.interval.ms'))
  t.equal(DEFAULT_GROUPS_CONFIG.offsetMetadataMaxBytes, dflt('offset.metadata.max.bytes'))
  t.equal(DEFAULT_TRANSACTIONS_CONFIG.maxTimeoutMs, dflt('transaction.max.timeout.ms'))
  t.equal(DEFAULT_TRANSACTIONS_CONFIG.idExpirationMs, dflt('transactional.id.expiration.ms'))
  t.equal(numberConfig(BROKER_DEFAULTS, 'offsets.topic.num.partitions'), 50)
})

t.test('a key set in the broker config reaches the coordinators', async t => {
  const config = loadBrokerConfig({
    overrides: [['group.max.size', '3'], ['offset.metadata.max.bytes', '10'], ['offsets.retention.check.interval.ms', '1234'], ['transaction.max.timeout.ms', '5000']]
  })
  const groups = groupsConfigFrom(config)
  t.equal(groups.maxGroupSize, 3)
  t.equal(groups.offsetMetadataMaxBytes, 10)
  t.equal(groups.offsetsRetentionCheckIntervalMs, 1234)
  t.equal(transactionsConfigFrom(config).maxTimeoutMs, 5000)
})

t.test('a numeric key without a definition is a programming error that names the key', async t => {
  t.throws(() => numberConfig(BROKER_DEFAULTS, 'no.such.key'), /no\.such\.key/)
  t.throws(() => numberConfig(BROKER_DEFAULTS, 'log.dirs'), /log\.dirs has no numeric value/)
})
