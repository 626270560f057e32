// The control for test/compat/kafkajs/read-your-writes.test.ts: the same kafkajs check (an acks=1 answer is
// seen by the next ListOffsets, Fetch with maxWait 0 and DeleteRecords) against Apache Kafka 3.9.1 and against
// Samsa in its default mode (fsync always), side by side, so a failure tells the broker's fault from the test's.
// Skips when Java, Maven or Maven Central are unavailable.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { checkReadYourWrites } from '../../helpers/read-your-writes.js'
import { ensureKafka, startKafka } from './lib/common.js'

t.setTimeout(10 * 60_000)

const kafka = await ensureKafka()
if (kafka.error !== undefined) t.fail(kafka.error)
const skip = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

t.test('Apache Kafka 3.9.1', { skip }, async t => {
  const k = await startKafka(t)
  await checkReadYourWrites(t, k.port)
})

t.test('Samsa, fsync always', async t => {
  const b = await withBroker(t, { fsync: 'always' })
  await checkReadYourWrites(t, b.port)
})
