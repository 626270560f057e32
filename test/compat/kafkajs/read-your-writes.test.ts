// Read-your-writes with kafkajs (issue 14's correctness bug): with `fsync always` an acks=1 answer goes out once
// the batch is in the file, before its fdatasync, while the high watermark follows the fdatasync. A client that
// got the answer must still see the write in its next request: ListOffsets latest, DeleteRecords to the end
// (-1) and a Fetch with maxWait 0 at the answered offset wait for the group commit already under way (one
// fdatasync at most; src/storage/log.ts "Read-your-writes"). Before, 7 to 32 of 50 tries saw a stale end offset.
// Both modes are checked; `fsync never` answers after the write as before. 50 tries per check (kafkajs's own
// deleteTopicRecords.spec.js and fetchTopicsOffset.spec.js do the same produce-then-ask).
import t from 'tap'
import { Kafka, logLevel } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

const TRIES = 50

for (const fsync of ['always', 'never'] as const) {
  t.test(`fsync ${fsync}: an acks=1 answer is seen by the next request`, async t => {
    const b = await withBroker(t, { fsync })
    const kafka = new Kafka({ clientId: 'ryw', brokers: b.brokers, logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await admin.connect()
    await producer.connect()
    t.teardown(async () => { await producer.disconnect(); await admin.disconnect() })
    await admin.createTopics({ topics: [{ topic: 'ryw', numPartitions: 1 }, { topic: 'ryw-del', numPartitions: 1 }] })
    const raw = await RawClient.connect(b.port)
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
        topics: [{ topic: 'ryw', topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(meta2!.baseOffset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
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
  })
}
