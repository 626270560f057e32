// kafkajs 2.2.4 and committed offsets: a group resumes where it committed after a broker restart; the admin
// client's fetchOffsets, setOffsets, resetOffsets (earliest/latest), describeGroups, listGroups, deleteGroups.
// (kafkajs' setOffsets/resetOffsets and fetchOffsets({ resolveOffsets }) each run a throwaway consumer that
// idles for its 5 s maxWaitTime before it commits and leaves: that, not the broker, is most of this test's time.)
import t from 'tap'
import { Kafka, logLevel, type Consumer } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'

const CONFIG = { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 0 }

function client (brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'offsets-test', logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } })
}

async function waitFor (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Runs a consumer until it has `count` records (then `settleMs` more, to catch extras), and disconnects. */
async function consume (kafka: Kafka, groupId: string, topic: string, count: number, settleMs = 0): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
  await consumer.connect()
  const got: string[] = []
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { got.push(String(message.value)) } })
    await waitFor(`${count} records`, () => got.length >= count)
    if (settleMs > 0) await new Promise(resolve => setTimeout(resolve, settleMs))
  } finally {
    await consumer.disconnect()
  }
  return got
}

t.test('commit, restart the broker, resume where committed', async t => {
  const b = await withBroker(t, { config: CONFIG })
  let kafka = client(b.brokers)
  let admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'resume', numPartitions: 3 }] })
  let producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'resume', messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `before-${i}` })) })
  const first = await consume(kafka, 'resumers', 'resume', 30)
  t.equal(new Set(first).size, 30, 'all 30 consumed before the restart')
  await waitFor('commits of all 30', async () => {
    const [o] = await admin.fetchOffsets({ groupId: 'resumers', topics: ['resume'] })
    return o.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === 30
  })
  await producer.disconnect()
  await admin.disconnect()

  await b.restart()
  kafka = client(b.brokers)
  admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  const [after] = await admin.fetchOffsets({ groupId: 'resumers', topics: ['resume'] })
  t.same(after.partitions.map(p => [p.partition, p.offset]).sort(), [[0, '10'], [1, '10'], [2, '10']], 'committed offsets survived the restart')
  producer = kafka.producer()
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await producer.send({ topic: 'resume', messages: Array.from({ length: 9 }, (_, i) => ({ partition: i % 3, value: `after-${i}` })) })
  const second = await consume(kafka, 'resumers', 'resume', 9, 1000)
  t.same(second.sort(), Array.from({ length: 9 }, (_, i) => `after-${i}`).sort(), 'the group resumed exactly where it committed: no old record again')
})

t.test('admin: fetchOffsets, setOffsets, resetOffsets, describeGroups, listGroups, deleteGroups', async t => {
  const b = await withBroker(t, { config: CONFIG })
  const kafka = client(b.brokers)
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 2 }] })
  const producer = kafka.producer()
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await producer.send({ topic: 'adm', messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) })

  const fresh = await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'] })
  t.same(fresh[0].partitions.map(p => p.offset), ['-1', '-1'], 'nothing committed: -1 for every partition')
  t.match((await admin.describeGroups(['ops'])).groups[0], { groupId: 'ops', state: 'Dead' }, 'an unknown group is Dead')

  await admin.setOffsets({ groupId: 'ops', topic: 'adm', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '4' }] })
  const set = await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'] })
  t.same(set[0].partitions.map(p => [p.partition, p.offset]).sort(), [[0, '3'], [1, '4']], 'setOffsets')
  t.match((await admin.describeGroups(['ops'])).groups[0], { state: 'Empty' })
  const fromSet = await consume(kafka, 'ops', 'adm', 3, 500)
  t.same(fromSet.sort(), ['v6', 'v8', 'v9'], 'a consumer starts at the offsets set')

  await admin.resetOffsets({ groupId: 'ops', topic: 'adm', earliest: true })
  t.same((await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'] }))[0].partitions.map(p => p.offset), ['-2', '-2'], 'resetOffsets earliest commits -2, returned as is')
  await admin.resetOffsets({ groupId: 'ops', topic: 'adm', earliest: false })
  t.same((await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'] }))[0].partitions.map(p => p.offset), ['-1', '-1'], 'resetOffsets latest commits -1')
  const latest = await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'], resolveOffsets: true })
  t.same(latest[0].partitions.map(p => [p.partition, p.offset]).sort(), [[0, '5'], [1, '5']], 'resolved to the high watermark')
  await producer.send({ topic: 'adm', messages: [{ partition: 1, value: 'new' }] })
  t.same(await consume(kafka, 'ops', 'adm', 1, 500), ['new'], 'after reset to latest only new records arrive')

  const consumer = kafka.consumer({ groupId: 'busy', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
  await consumer.connect()
  t.teardown(() => consumer.disconnect())
  await consumer.subscribe({ topic: 'adm', fromBeginning: true })
  await consumer.run({ eachMessage: async () => {} })
  await waitFor('busy to be Stable', async () => (await admin.describeGroups(['busy'])).groups[0].state === 'Stable')
  const busy = (await admin.describeGroups(['busy'])).groups[0]
  t.match(busy, { protocolType: 'consumer', protocol: 'RoundRobinAssigner' })
  t.equal(busy.members.length, 1)
  t.equal(busy.members[0].clientId, 'offsets-test')
  await t.rejects(admin.setOffsets({ groupId: 'busy', topic: 'adm', partitions: [{ partition: 0, offset: '0' }] }), 'setOffsets refuses a group with members')

  const listed = await admin.listGroups()
  t.same(listed.groups.map(g => [g.groupId, g.protocolType]).sort(), [['busy', 'consumer'], ['ops', 'consumer']])

  // tap matches the rejection against these pattern objects; its types only describe Error-like patterns.
  await t.rejects(admin.deleteGroups(['busy']), { groups: [{ groupId: 'busy', errorCode: 68 }] } as object as Error, 'NON_EMPTY_GROUP')
  const deleted = await admin.deleteGroups(['ops'])
  t.match(deleted, [{ groupId: 'ops', errorCode: 0 }])
  t.same((await admin.fetchOffsets({ groupId: 'ops', topics: ['adm'] }))[0].partitions.map(p => p.offset), ['-1', '-1'], 'its offsets are gone')
  t.same((await admin.listGroups()).groups.map(g => g.groupId), ['busy'])
  await t.rejects(admin.deleteGroups(['ops']), { groups: [{ groupId: 'ops', errorCode: 69 }] } as object as Error, 'GROUP_ID_NOT_FOUND')
})
