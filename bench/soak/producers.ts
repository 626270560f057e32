// The soak's producers: kafkajs and @platformatic/kafka, each with acks=-1 and with acks=1, one send at a time
// (awaited, so a send's latency is its own), one send every intervalMs at most. A send carries 1-10 records of
// mixed sizes (payload.ts) to one of the soak topics (picked in proportion to its partitions, so every
// partition grows at about the same rate), keyed so they spread over its partitions; kafkajs gzips
// one send in five. Latency = send() call to its acknowledgement, in ms, counted only for acknowledged sends;
// a failed send counts an error by kind and the producer backs off a second.
import { CompressionTypes, Kafka, logLevel, type Producer as KjsProducer } from 'kafkajs'
import { Producer as PltProducer } from '@platformatic/kafka'
import type { Metrics } from './metrics.js'
import { makeValue, recordSize } from './payload.js'
import { randInt, type Stopper } from './stopper.js'

export interface ProducerSpec { client: 'kafkajs' | 'platformatic', acks: -1 | 1 }

interface Sender {
  send: (topic: string, messages: Array<{ key: Buffer, value: Buffer }>, gzip: boolean) => Promise<void>
  close: () => Promise<void>
}

async function kafkajsSender (bootstrap: string, name: string, acks: number): Promise<Sender> {
  const kafka = new Kafka({ clientId: name, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } })
  const p: KjsProducer = kafka.producer({ allowAutoTopicCreation: false })
  await p.connect()
  return {
    send: async (topic, messages, gzip) => {
      await p.send({ topic, acks, messages, compression: gzip ? CompressionTypes.GZIP : CompressionTypes.None })
    },
    close: async () => await p.disconnect()
  }
}

async function platformaticSender (bootstrap: string, name: string, acks: number): Promise<Sender> {
  const p = new PltProducer({ clientId: name, bootstrapBrokers: [bootstrap], acks, idempotent: false, autocreateTopics: false, retries: 3 })
  return {
    send: async (topic, messages) => {
      await p.send({ messages: messages.map(m => ({ topic, key: m.key, value: m.value })) })
    },
    close: async () => await p.close()
  }
}

/** Runs one producer until stop; resolves when it has closed. */
export async function runProducer (spec: ProducerSpec, bootstrap: string, topics: Array<{ topic: string, partitions: number }>, intervalMs: number, metrics: Metrics, stop: Stopper): Promise<void> {
  const slots = topics.flatMap(t => Array.from({ length: t.partitions }, () => t.topic))
  const name = `${spec.client === 'kafkajs' ? 'kjs' : 'plt'}-acks${spec.acks === -1 ? 'all' : '1'}`
  let sender: Sender
  try {
    sender = spec.client === 'kafkajs' ? await kafkajsSender(bootstrap, name, spec.acks) : await platformaticSender(bootstrap, name, spec.acks)
  } catch (err) {
    metrics.error(`producer ${name} connect`, err)
    return
  }
  let seq = 0
  while (!stop.done) {
    const topic = slots[randInt(0, slots.length - 1)]
    const n = randInt(1, 10)
    const messages: Array<{ key: Buffer, value: Buffer }> = []
    for (let i = 0; i < n; i++, seq++) messages.push({ key: Buffer.from(`k${seq % 97}`), value: makeValue(name, seq, recordSize()) })
    const t0 = performance.now()
    try {
      await sender.send(topic, messages, spec.client === 'kafkajs' && seq % 5 === 0)
      const ms = performance.now() - t0
      metrics.send(ms, n)
      await stop.sleep(intervalMs - ms)
    } catch (err) {
      metrics.error(`producer ${name}`, err)
      await stop.sleep(1000)
    }
  }
  try {
    await sender.close()
  } catch (err) {
    metrics.error(`producer ${name} close`, err)
  }
}
