// @platformatic/kafka 1.35 (the client that speaks only flexible versions: Produce v9-11, Fetch v12-17,
// Metadata v9-12, JoinGroup v6-9 ...) against Samsa: admin, an idempotent acks=all producer with keys and
// headers, a consumer group reading from the earliest offset with autocommit, committed offsets after it; a
// consumer starting at an offset (manual mode); transactions read back with read_committed and read_uncommitted.
// Skips when the package is not installed (it is a devDependency).
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { fetchRecords } from '../../helpers/fetch-records.js'

let plt: typeof import('@platformatic/kafka') | null = null
try {
  plt = await import('@platformatic/kafka')
} catch {
  plt = null
}
const skip = plt === null ? '@platformatic/kafka is not installed (npm install)' : false

t.test('admin, idempotent producer, consumer group with commits', { skip }, async t => {
  const { Admin, Producer, Consumer, stringSerializers, stringDeserializers, ProduceAcks } = plt as typeof import('@platformatic/kafka')
  const b = await withBroker(t, { fsync: 'always' })
  const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: b.brokers })
  t.teardown(async () => await admin.close())
  await admin.createTopics({ topics: ['plt'], partitions: 3, replicas: 1 })
  t.ok((await admin.listTopics()).includes('plt'), 'created and listed')

  const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers: b.brokers, serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL })
  t.teardown(async () => await producer.close())
  for (let i = 0; i < 10; i++) {
    await producer.send({ messages: Array.from({ length: 10 }, (_, j) => ({ topic: 'plt', key: `k${i * 10 + j}`, value: `v${i * 10 + j}`, headers: { n: String(i * 10 + j) } })) })
  }
  let stored = 0
  for (let p = 0; p < 3; p++) {
    const f = await fetchRecords(b.port, 'plt', p)
    stored += f.records.length
    t.ok(f.batches.every(x => x.readBigInt64BE(43) >= 0n), `partition ${p}: idempotent batches (producer id set)`)
    t.ok(f.records.every(r => r.headers[0]?.key === 'n' && r.headers[0]?.value?.toString() === r.valueString?.slice(1)), `partition ${p}: headers kept`)
  }
  t.equal(stored, 100, 'every record stored once')

  const consumer = new Consumer({ groupId: 'plt-group', clientId: 'plt-consumer', bootstrapBrokers: b.brokers, deserializers: stringDeserializers, maxWaitTime: 500 })
  t.teardown(async () => await consumer.close(true))
  const stream = await consumer.consume({ autocommit: true, topics: ['plt'], sessionTimeout: 10000, heartbeatInterval: 500, mode: 'earliest' })
  const seen = new Set<string>()
  const deadline = Date.now() + 30_000
  for await (const m of stream) {
    seen.add(String(m.value))
    if (seen.size >= 100 || Date.now() > deadline) break
  }
  t.equal(seen.size, 100, 'the group member read all 100 records')
  await stream.close()
  // Autocommit runs after each fetch; leaving the loop destroys the stream without waiting for the last one.
  let total = 0n
  let partitions: Array<{ committedOffset: bigint }> = []
  for (let i = 0; i < 50 && total < 100n; i++) {
    const committed = await admin.listConsumerGroupOffsets({ groups: ['plt-group'] })
    partitions = committed[0]?.topics.find(x => x.name === 'plt')?.partitions ?? []
    total = partitions.reduce((sum, p) => sum + (p.committedOffset > 0n ? p.committedOffset : 0n), 0n)
    if (total < 100n) await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(partitions.length, 3, 'OffsetFetch answers every partition of the group')
  t.equal(total, 100n, `autocommitted offsets add up to the 100 records: ${partitions.map(p => String(p.committedOffset)).join(', ')}`)
})

t.test('consumer from an offset (manual mode); transactions: commit, abort, read_committed', { skip }, async t => {
  const { Admin, Producer, Consumer, stringSerializers, stringDeserializers } = plt as typeof import('@platformatic/kafka')
  const b = await withBroker(t)
  const admin = new Admin({ clientId: 'plt-admin2', bootstrapBrokers: b.brokers })
  t.teardown(async () => await admin.close())
  await admin.createTopics({ topics: ['plt-offset', 'plt-txn'], partitions: 1, replicas: 1 })

  const plain = new Producer({ clientId: 'plt-plain', bootstrapBrokers: b.brokers, serializers: stringSerializers })
  t.teardown(async () => await plain.close())
  await plain.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic: 'plt-offset', value: `o${i}` })) })
  const reader = new Consumer({ groupId: 'plt-offset-reader', clientId: 'plt-offset-reader', bootstrapBrokers: b.brokers, deserializers: stringDeserializers, maxWaitTime: 200 })
  t.teardown(async () => await reader.close(true))
  const fromOffset = await reader.consume({ topics: ['plt-offset'], mode: 'manual', offsets: [{ topic: 'plt-offset', partition: 0, offset: 13n }], autocommit: false })
  const tail: Array<[bigint, string]> = []
  const stopAt = Date.now() + 20_000
  for await (const m of fromOffset) {
    tail.push([m.offset, String(m.value)])
    if (tail.length >= 7 || Date.now() > stopAt) break
  }
  await fromOffset.close()
  t.same(tail, [13n, 14n, 15n, 16n, 17n, 18n, 19n].map(o => [o, `o${o}`]), 'manual mode from offset 13 reads 13..19')

  const producer = new Producer({ clientId: 'plt-txn', bootstrapBrokers: b.brokers, serializers: stringSerializers, idempotent: true, transactionalId: 'plt-tx' })
  t.teardown(async () => await producer.close())
  const tx1 = await producer.beginTransaction()
  await tx1.send({ messages: [{ topic: 'plt-txn', value: 'committed-1' }, { topic: 'plt-txn', value: 'committed-2' }] })
  await tx1.commit()
  const tx2 = await producer.beginTransaction()
  await tx2.send({ messages: [{ topic: 'plt-txn', value: 'aborted-1' }] })
  await tx2.abort()
  const tx3 = await producer.beginTransaction()
  await tx3.send({ messages: [{ topic: 'plt-txn', value: 'committed-3' }] })
  await tx3.commit()

  const read = async (isolationLevel: number, want: number): Promise<string[]> => {
    const c = new Consumer({ groupId: `plt-txn-reader-${isolationLevel}`, clientId: 'plt-txn-reader', bootstrapBrokers: b.brokers, deserializers: stringDeserializers, maxWaitTime: 200, isolationLevel })
    try {
      const s = await c.consume({ topics: ['plt-txn'], mode: 'earliest', autocommit: false })
      const got: string[] = []
      const until = Date.now() + 10_000
      const timer = setTimeout(() => { void s.close() }, 10_000)
      for await (const m of s) {
        got.push(String(m.value))
        if (got.length >= want || Date.now() > until) break
      }
      clearTimeout(timer)
      await s.close()
      return got
    } finally {
      await c.close(true)
    }
  }
  t.same(await read(1, 3), ['committed-1', 'committed-2', 'committed-3'], 'read_committed: the committed records only')
  const all = await read(0, 4)
  t.same([...all].sort(), ['aborted-1', 'committed-1', 'committed-2', 'committed-3'], 'read_uncommitted: the aborted record too')
})
