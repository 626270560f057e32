// AlterConfigs and IncrementalAlterConfigs: validation, persistence across restarts, live application.
import t from 'tap'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { metadataBody, produce } from '../../helpers/wire.js'

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs

t.test('kafkajs alterConfigs replaces the overrides, validated, kept across a restart', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'a', configEntries: [{ name: 'retention.ms', value: '1000' }] }] })
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'a', configEntries: [{ name: 'segment.bytes', value: '2048' }] }] })
  t.same(b.current.broker.core.topics.get('a')?.configs, { 'segment.bytes': '2048' }, 'whole set replaced: retention.ms back to its default')
  await t.rejects(admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'a', configEntries: [{ name: 'segment.bytes', value: 'big' }] }] }), /segment\.bytes=big|INVALID_CONFIG|invalid/i)
  await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'a', configEntries: [{ name: 'segment.bytes', value: '4096' }] }] })
  t.same(b.current.broker.core.topics.get('a')?.configs, { 'segment.bytes': '2048' }, 'validateOnly changed nothing')
  await admin.disconnect()
  await b.restart()
  t.same(b.current.broker.core.topics.get('a')?.configs, { 'segment.bytes': '2048' }, 'persisted')
  t.equal(b.current.broker.core.topics.log('a', 0)?.config.segmentBytes, 2048, 'applied to the partition log')
})

t.test('incremental SET, DELETE, APPEND, SUBTRACT; live segment.bytes rolls segments', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(3, 9, metadataBody(['inc']))
  const alter = async (configs: Array<[string, number, string | null]>, validateOnly = false, name = 'inc'): Promise<any> => (await c.request(44, 1, {
    resources: [{ resourceType: 2, resourceName: name, configs: configs.map(([n, op, value]) => ({ name: n, configOperation: op, value })) }], validateOnly
  })).responses[0]
  t.equal((await alter([['segment.bytes', 0, '1024'], ['retention.ms', 0, '5000']])).errorCode, 0)
  t.same(b.current.broker.core.topics.get('inc')?.configs, { 'segment.bytes': '1024', 'retention.ms': '5000' })
  t.equal((await alter([['retention.ms', 1, null]])).errorCode, 0)
  t.same(b.current.broker.core.topics.get('inc')?.configs, { 'segment.bytes': '1024' }, 'DELETE removes the override')
  t.equal((await alter([['cleanup.policy', 2, 'compact']])).errorCode, 0)
  t.equal(b.current.broker.core.topics.get('inc')?.configs['cleanup.policy'], 'delete,compact', 'APPEND to the inherited list')
  t.equal((await alter([['cleanup.policy', 3, 'delete']])).errorCode, 0)
  t.equal(b.current.broker.core.topics.get('inc')?.configs['cleanup.policy'], 'compact', 'SUBTRACT')
  let r = await alter([['cleanup.policy', 3, 'compact']])
  t.equal(r.errorCode, ErrorCode.INVALID_CONFIG, 'an empty cleanup.policy is invalid')
  r = await alter([['retention.ms', 2, '5']])
  t.equal(r.errorCode, ErrorCode.INVALID_CONFIG, 'APPEND on a non-list')
  t.match(r.errorMessage, /retention\.ms/)
  r = await alter([['retention.ms', 0, '1'], ['retention.ms', 0, '2']])
  t.equal(r.errorCode, ErrorCode.INVALID_REQUEST, 'a key named twice')
  r = await alter([['no.such', 0, '1']])
  t.equal(r.errorCode, ErrorCode.INVALID_CONFIG)
  r = await alter([['segment.bytes', 0, '1']])
  t.equal(r.errorCode, ErrorCode.INVALID_CONFIG)
  t.match(r.errorMessage, /segment\.bytes=1: must be at least 14/)
  r = await alter([['segment.bytes', 0, '1']], false, 'missing')
  t.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const broker = (await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }], validateOnly: false })).responses[0]
  t.equal(broker.errorCode, ErrorCode.INVALID_REQUEST, 'broker configs are static: a clear error')
  t.match(broker.errorMessage, /static/)

  // cleanup.policy is now compact: records need keys.
  for (let i = 0; i < 20; i++) t.equal((await produce(c, 'inc', 0, [{ key: `k${i}`, value: Buffer.alloc(200, i) }])).errorCode, 0)
  const fs = await import('node:fs')
  const segments = fs.readdirSync(`${b.dataDir}/inc-0`).filter(f => f.endsWith('.log'))
  t.ok(segments.length > 2, `segment.bytes=1024 applied live: ${segments.length} segments`)
})
