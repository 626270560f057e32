// AlterPartitionReassignments (45) and ListPartitionReassignments (46) v0 on one node, at the wire level and
// through kafkajs's admin: a reassignment to [this node] is a no-op that succeeds, a cancellation answers
// NO_REASSIGNMENT_IN_PROGRESS, other brokers, empty lists and duplicates INVALID_REPLICA_ASSIGNMENT with Kafka
// 3.9's messages, unknown topics and partitions UNKNOWN_TOPIC_OR_PARTITION; the list is always empty.
import t from 'tap'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'

const { Kafka, logLevel } = kafkajs

type Result = { partitionIndex: number, errorCode: number, errorMessage: string | null }

async function alter (c: RawClient, topics: Array<{ name: string, partitions: Array<{ partitionIndex: number, replicas: number[] | null }> }>): Promise<Map<string, Result>> {
  const res = await c.request(45, 0, { timeoutMs: 5000, topics })
  const out = new Map<string, Result>()
  for (const topic of res.responses) for (const p of topic.partitions) out.set(`${topic.name as string}:${p.partitionIndex as number}`, p)
  return out
}

t.test('AlterPartitionReassignments v0: no-op to this node, cancel, invalid assignments, unknown partitions', async t => {
  const b = await withBroker(t, { config: { 'node.id': 7 } })
  await b.current.broker.core.topics.create('r', 3, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())

  const raw = await c.request(45, 0, { timeoutMs: 5000, topics: [{ name: 'r', partitions: [{ partitionIndex: 0, replicas: [7] }] }] })
  t.same([raw.throttleTimeMs, raw.errorCode, raw.errorMessage], [0, ErrorCode.NONE, null], 'top level: no error')

  const r = await alter(c, [
    { name: 'r', partitions: [
      { partitionIndex: 0, replicas: [7] },
      { partitionIndex: 1, replicas: null },
      { partitionIndex: 2, replicas: [7, 8] },
      { partitionIndex: 3, replicas: [7] },
      { partitionIndex: -1, replicas: [7] }
    ] },
    { name: 'missing', partitions: [{ partitionIndex: 0, replicas: [7] }, { partitionIndex: 1, replicas: null }] }
  ])
  t.same(r.get('r:0'), { partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null }, '[this node]: a no-op, NONE')
  t.same(r.get('r:1'), { partitionIndex: 1, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null }, 'cancel: NO_REASSIGNMENT_IN_PROGRESS')
  t.same(r.get('r:2'), {
    partitionIndex: 2,
    errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    errorMessage: 'The manual partition assignment includes broker 8, but no such broker is registered.'
  }, 'another broker: INVALID_REPLICA_ASSIGNMENT naming it')
  t.same(r.get('r:3'), { partitionIndex: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find partition r:3.' })
  t.same(r.get('r:-1'), { partitionIndex: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find partition r:-1.' })
  t.same(r.get('missing:0'), { partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find a topic named missing.' })
  t.equal(r.get('missing:1')!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic comes before cancel')

  const bad = await alter(c, [{ name: 'r', partitions: [
    { partitionIndex: 0, replicas: [] },
    { partitionIndex: 1, replicas: [7, 7] },
    { partitionIndex: 2, replicas: [3, 7] }
  ] }])
  t.same(bad.get('r:0'), { partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes an empty replica list.' })
  t.same(bad.get('r:1'), { partitionIndex: 1, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes the broker 7 more than once.' })
  t.equal(bad.get('r:2')!.errorMessage, 'The manual partition assignment includes broker 3, but no such broker is registered.', 'unknown broker 3')

  const empty = await c.request(45, 0, { timeoutMs: 5000, topics: [] })
  t.same([empty.errorCode, empty.responses], [ErrorCode.NONE, []], 'no topics: empty answer')
})

t.test('ListPartitionReassignments v0: nothing is ever in progress', async t => {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('l', 2, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(45, 0, { timeoutMs: 5000, topics: [{ name: 'l', partitions: [{ partitionIndex: 0, replicas: [1] }] }] })
  for (const topics of [null, [], [{ name: 'l', partitionIndexes: [0, 1] }], [{ name: 'missing', partitionIndexes: [0] }], [{ name: 'l', partitionIndexes: [9] }]]) {
    const res = await c.request(46, 0, { timeoutMs: 5000, topics })
    t.same([res.throttleTimeMs, res.errorCode, res.errorMessage, res.topics], [0, ErrorCode.NONE, null, []], `topics ${JSON.stringify(topics)}: empty list`)
  }
})

t.test('kafkajs admin.alterPartitionReassignments and listPartitionReassignments', async t => {
  const b = await withBroker(t)
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'reassign', logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(async () => await admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'ka', numPartitions: 2 }] })
  await admin.alterPartitionReassignments({ topics: [{ topic: 'ka', partitionAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [1] }] }] })
  t.pass('reassigning to the one node succeeds')
  const err = await admin.alterPartitionReassignments({ topics: [{ topic: 'ka', partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] })
    .then(() => null, (e: Error & { errors?: Array<{ type?: string, partition?: number }> }) => e)
  t.ok(err !== null, 'another broker is refused')
  t.equal(err?.errors?.[0]?.type, 'INVALID_REPLICA_ASSIGNMENT', 'as INVALID_REPLICA_ASSIGNMENT')
  // kafkajs's own spec (admin/alterPartitionReassignments): an unknown topic fails per partition, before any replica check.
  const unknown = await admin.alterPartitionReassignments({ topics: [{ topic: 'kax', partitionAssignment: [{ partition: 0, replicas: [2, 1] }] }] })
    .then(() => null, (e: Error & { errors?: Array<{ type?: string, topic?: string, partition?: number }> }) => e)
  t.match(unknown, { message: 'Errors altering partition reassignments', errors: [{ type: 'UNKNOWN_TOPIC_OR_PARTITION', topic: 'kax', partition: 0 }] }, 'unknown topic: UNKNOWN_TOPIC_OR_PARTITION')
  t.same(await admin.listPartitionReassignments({ topics: [{ topic: 'ka', partitions: [0, 1] }] }), { topics: [] }, 'named topic: none in progress')
  t.same(await admin.listPartitionReassignments({}), { topics: [] }, 'all topics: none in progress')
})
