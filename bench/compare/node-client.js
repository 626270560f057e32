#!/usr/bin/env node
// One Node client workload in its own process, so every row starts from a fresh client (like Kafka's Java
// tools, which are one JVM per row) and the client's CPU can be read apart from the harness.
//   node bench/compare/node-client.js '<json job>'   -> prints one JSON result line on stdout
//
// Jobs (client: 'kafkajs' | 'platformatic', both with their default settings except where noted):
//  - produce: `inFlight` loops each await send(`perSend` records of `size` random bytes, null key) to
//    partition 0 of `topic` with `acks`, for `warmup` s unmeasured then `seconds` s measured. Records/s
//    count records whose send was acknowledged inside the measured window; MB/s = records/s x size / 2^20
//    (value bytes, the unit of Kafka's ProducerPerformance).
//  - consume: a consumer group reads `expected` records of `topic` from the earliest offset; the rate is
//    taken from the first record received to the last (group join and the first round trip excluded, close
//    to ConsumerPerformance's fetch.* columns, which exclude the join).
//  - latency: a producer sends one `size`-byte record (acks=1) every 1/`rate` s, paced against the clock
//    (a 1 ms timer sends whatever is due), each value carrying process.hrtime at the send call; a
//    consumer in this process, joined before the first send, reads them back. Latency = receive time -
//    send-call time; the first `warmup` s of sends are discarded; p50/p99/p99.9/max over the rest. Values
//    carry a random run id and the harness gives every run a fresh topic, so no earlier record is counted.
import { randomBytes } from 'node:crypto'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const job = JSON.parse(process.argv[2])
const now = () => Number(process.hrtime.bigint()) / 1e6 // ms
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function kafkajsClient () {
  const { Kafka, logLevel, Partitioners } = await import('kafkajs')
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [job.bootstrap], logLevel: logLevel.ERROR })
  return {
    async producer () {
      const p = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
      await p.connect()
      return {
        send: (messages, acks) => p.send({ topic: job.topic, acks, messages: messages.map(value => ({ value })) }),
        sendPrepared: (prepared, acks) => p.send({ topic: job.topic, acks, messages: prepared }),
        prepare: values => values.map(value => ({ value })),
        close: () => p.disconnect()
      }
    },
    async consumer (onRecords) {
      const c = kafka.consumer({ groupId: `bench-${process.pid}-${Date.now()}` })
      await c.connect()
      await c.subscribe({ topic: job.topic, fromBeginning: true })
      let joined
      const joinedP = new Promise(resolve => { joined = resolve })
      c.on(c.events.GROUP_JOIN, () => joined())
      await c.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => { onRecords(batch.messages.map(m => m.value)) }
      })
      await joinedP
      return { close: () => c.disconnect() }
    }
  }
}

async function platformaticClient () {
  const { Producer, Consumer } = await import('@platformatic/kafka')
  return {
    async producer () {
      const p = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: [job.bootstrap], autocreateTopics: false })
      return {
        sendPrepared: (prepared, acks) => p.send({ messages: prepared, acks }),
        prepare: values => values.map(value => ({ topic: job.topic, value })),
        close: () => p.close()
      }
    },
    async consumer (onRecords) {
      const c = new Consumer({ groupId: `bench-${process.pid}-${Date.now()}`, clientId: 'bench-platformatic', bootstrapBrokers: [job.bootstrap] })
      const stream = await c.consume({ topics: [job.topic], mode: 'earliest', autocommit: false })
      // deliver in small arrays, as kafkajs' eachBatch does, so both go through the same counting code
      let pending = []
      stream.on('data', m => {
        pending.push(m.value)
        if (pending.length === 1) queueMicrotask(() => { const a = pending; pending = []; onRecords(a) })
      })
      stream.on('error', err => { process.stderr.write(`consumer stream error: ${err.message}\n`) })
      return { close: async () => { await stream.close(); await c.close(true) } }
    }
  }
}

async function produce (client) {
  const p = await client.producer()
  const values = Array.from({ length: job.perSend }, () => randomBytes(job.size))
  const prepared = p.prepare(values)
  const t0 = now()
  const mStart = t0 + job.warmup * 1000
  const mEnd = mStart + job.seconds * 1000
  let records = 0
  let errors = 0
  let firstError = null
  const sendLatencies = []
  async function loop () {
    while (now() < mEnd) {
      const s = now()
      try {
        await p.sendPrepared(prepared, job.acks)
      } catch (err) {
        errors++
        firstError ??= err.message
        await sleep(10)
        continue
      }
      const e = now()
      if (e >= mStart && e < mEnd) { records += job.perSend; sendLatencies.push(e - s) }
    }
  }
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: job.inFlight }, loop))
  const cpu = process.cpuUsage(cpu0)
  await p.close()
  const secs = job.seconds
  sendLatencies.sort((a, b) => a - b)
  return {
    records,
    recordsPerSec: records / secs,
    mbPerSec: (records * job.size) / 2 ** 20 / secs,
    sendP50Ms: sendLatencies[Math.floor(sendLatencies.length / 2)] ?? null,
    errors,
    firstError,
    clientCpuPct: (100 * (cpu.user + cpu.system) / 1000) / (now() - t0)
  }
}

async function consume (client) {
  let n = 0
  let bytes = 0
  let first = null
  let last = null
  let done
  const finished = new Promise(resolve => { done = resolve })
  const cpu0 = process.cpuUsage()
  const t0 = now()
  const c = await client.consumer(values => {
    const t = now()
    if (first === null) first = t
    n += values.length
    for (const v of values) bytes += v === null ? 0 : v.length
    if (n >= job.expected && last === null) { last = t; done() }
  })
  const timeout = setTimeout(done, job.timeoutMs ?? 120000)
  await finished
  clearTimeout(timeout)
  const cpu = process.cpuUsage(cpu0)
  const wall = now() - t0
  await c.close()
  const secs = last !== null && first !== null ? (last - first) / 1000 : null
  return {
    records: n,
    complete: n >= job.expected,
    seconds: secs,
    recordsPerSec: secs ? n / secs : null,
    mbPerSec: secs ? bytes / 2 ** 20 / secs : null,
    totalSeconds: wall / 1000,
    clientCpuPct: (100 * (cpu.user + cpu.system) / 1000) / wall
  }
}

async function latency (client) {
  const samples = []
  const total = Math.round(job.rate * (job.warmup + job.seconds))
  const skip = Math.round(job.rate * job.warmup)
  const runId = randomBytes(4).readUInt32BE(0)
  let received = 0
  let done
  const finished = new Promise(resolve => { done = resolve })
  const c = await client.consumer(values => {
    const t = process.hrtime.bigint()
    for (const v of values) {
      if (v === null || v.length < 16 || v.readUInt32BE(12) !== runId) continue // not this run's record
      const seq = v.readUInt32BE(8)
      if (seq >= skip) samples.push(Number(t - v.readBigUInt64BE(0)) / 1e6)
      received++
    }
    if (received >= total) done()
  })
  await sleep(500) // let the consumer's first (empty) fetch reach the broker and wait there
  const p = await client.producer()
  let sent = 0
  let errors = 0
  const start = now()
  await new Promise(resolve => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * job.rate))
      while (sent < due) {
        const v = Buffer.alloc(job.size)
        v.writeUInt32BE(sent, 8)
        v.writeUInt32BE(runId, 12)
        v.writeBigUInt64BE(process.hrtime.bigint(), 0)
        sent++
        p.sendPrepared(p.prepare([v]), 1).catch(() => { errors++ })
      }
      if (sent >= total) { clearInterval(timer); resolve() }
    }, 1)
  })
  const sendSeconds = (now() - start) / 1000
  const timeout = setTimeout(done, 5000)
  await finished
  clearTimeout(timeout)
  await p.close()
  await c.close()
  samples.sort((a, b) => a - b)
  const at = q => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))] ?? null
  return {
    sent,
    received,
    measured: samples.length,
    achievedRate: sent / sendSeconds,
    errors,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: samples[samples.length - 1] ?? null
  }
}

const client = job.client === 'kafkajs' ? await kafkajsClient() : await platformaticClient()
const result = await ({ produce, consume, latency })[job.kind](client)
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
