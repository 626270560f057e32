// Test helper: the read-your-writes check with kafkajs (test/compat/kafkajs/read-your-writes.test.ts runs it on
// Samsa in both fsync modes, test/compat/interop/read-your-writes-kafka.test.ts on Apache Kafka as the control).
// After each acks=1 answer: ListOffsets latest must show the record, a Fetch (maxWait 0) at the answered offset
// must return it, and DeleteRecords to the answered end must be accepted. Counts of misses go to tap asserts.
import type { Test } from 'tap'
import { Kafka, logLevel } from 'kafkajs'
import { RawClient } from './raw-client.js'

export const TRIES = 50

export async function checkReadYourWrites (t: Test, port: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'ryw', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await admin.connect()
  await producer.connect()
  t.teardown(async () => { await producer.disconnect(); await admin.disconnect() })
  await admin.createTopics({ topics: [{ topic: 'ryw', numPartitions: 1 }, { topic: 'ryw-del', numPartitions: 1 }] })
  const raw = await RawClient.connect(port)
  t.teardown(() => raw.close())

  let staleLatest = 0
  let staleFetch = 0
  for (let i = 0; i < TRIES; i++) {
    const [meta] = await producer.send({ topic: 'ryw', acks: 1, messages: [{ value: `v${i}` }] })
    const answered = Number(meta!.baseOffset)
    const offsets = await admin.fetchTopicOffsets('ryw')
    if (Number(offsets[0]!.high) !== answered + 1) staleLatest++
    // the next record, fetched at once (maxWait 0) right after its answer
    const [meta2] = await producer.send({ topic: 'ryw', acks: 1, messages: [{ value: `w${i}` }] })
    const res = await raw.request(1, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'ryw', topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(meta2!.baseOffset ?? -1), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [], rackId: ''
    })
    const p = res.responses[0].partitions[0]
    if (p.errorCode !== 0 || (p.records?.length ?? 0) === 0) staleFetch++
  }
  t.equal(staleLatest, 0, `ListOffsets latest after an acks=1 answer: stale ${staleLatest} of ${TRIES} times`)
  t.equal(staleFetch, 0, `Fetch (maxWait 0) at the answered offset: empty ${staleFetch} of ${TRIES} times`)

  // kafkajs's deleteTopicRecords finds the leaders in the admin's metadata cache (KafkaJSBrokerNotFound otherwise)
  await admin.fetchTopicMetadata({ topics: ['ryw-del'] })
  let refused = 0
  for (let i = 0; i < TRIES; i++) {
    const [meta] = await producer.send({ topic: 'ryw-del', acks: 1, messages: [{ value: `d${i}` }] })
    const end = Number(meta!.baseOffset) + 1
    try {
      await admin.deleteTopicRecords({ topic: 'ryw-del', partitions: [{ partition: 0, offset: String(end) }] })
    } catch (err) { refused++; t.comment(`try ${i}: ${(err as Error).message} ${JSON.stringify((err as { partitions?: unknown }).partitions)}`) }
  }
  t.equal(refused, 0, `DeleteRecords to the answered end: refused ${refused} of ${TRIES} times`)
  const offsets = await admin.fetchTopicOffsets('ryw-del')
  t.equal(offsets[0]!.low, String(TRIES), 'every record up to the last answered one deleted')
}
