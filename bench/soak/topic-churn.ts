// Topic create/delete churn: every periodMs a new topic `soak-churn-<n>` (2 partitions) is created, gets a
// few small records, and is deleted periodMs later, so at most two churn topics exist at a time. What the
// broker must show for it: partition directories and descriptors of deleted topics go away (flat fd line).
// Each topic gets a producer of its own (connected, used, disconnected): a kafkajs producer keeps every topic it
// ever sent to in its metadata requests, and fails them all once one of those topics is deleted.
import { Kafka, logLevel } from 'kafkajs'
import type { Metrics } from './metrics.js'
import type { Stopper } from './stopper.js'

export interface ChurnStats { created: number, deleted: number }

export async function runTopicChurn (bootstrap: string, periodMs: number, metrics: Metrics, stats: ChurnStats, stop: Stopper): Promise<void> {
  const kafka = new Kafka({ clientId: 'soak-churn', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const admin = kafka.admin()
  try {
    await admin.connect()
  } catch (err) {
    metrics.error('topic churn connect', err)
    return
  }
  let previous: string | null = null
  for (let n = 0; !stop.done; n++) {
    const topic = `soak-churn-${n}`
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
      stats.created++
      const producer = kafka.producer({ allowAutoTopicCreation: false })
      await producer.connect()
      try {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: `churn ${n} ${i}` })) })
      } finally {
        await producer.disconnect()
      }
    } catch (err) {
      metrics.error('topic churn create/produce', err)
    }
    if (previous !== null) await deleteTopic(admin, previous, metrics, stats)
    previous = topic
    await stop.sleep(periodMs)
  }
  if (previous !== null) await deleteTopic(admin, previous, metrics, stats)
  try {
    await admin.disconnect()
  } catch (err) {
    metrics.error('topic churn close', err)
  }
}

async function deleteTopic (admin: ReturnType<Kafka['admin']>, topic: string, metrics: Metrics, stats: ChurnStats): Promise<void> {
  try {
    await admin.deleteTopics({ topics: [topic] })
    stats.deleted++
  } catch (err) {
    metrics.error('topic churn delete', err)
  }
}
