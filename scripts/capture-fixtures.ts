// Captures real client wire bytes as decode fixtures: test/fixtures/wire/<client>/<api>_<request|response>_v<N>_<n>.json.
//
//   npx tsx scripts/capture-fixtures.ts            (needs kcat on PATH for the librdkafka fixtures)
//
// A Samsa broker runs in this process (port 0, temporary data directory, fsync never) behind a recording TCP
// proxy on another loopback port. The broker advertises the proxy's address (advertised.listeners), so every
// connection a client opens after bootstrap also goes through the proxy. The proxy forwards bytes unchanged
// in both directions (one exception: see widenApiVersions) and splits each direction into int32
// size-prefixed frames: a request frame is keyed by its correlation id (per connection), and the response
// frame carrying that id is recorded with the request's api key and version (a response header has neither).
//
// Clients driven through the proxy:
//   kafkajs 2.2.4: admin (createTopics, listTopics, fetchTopicOffsets, fetchTopicOffsetsByTimestamp,
//     describeConfigs, createPartitions, deleteTopics), producer (none and gzip, keys, headers, acks -1 and 1),
//     Fetch through its cluster/broker objects (the consumer's fetch path, no group needed), and a group
//     consumer when the broker serves the group APIs (FindCoordinator, JoinGroup, SyncGroup, ...).
//   kcat (librdkafka): -P with every codec (twice: see widenApiVersions) and acks=1, -C -o beginning -e,
//     -L with and without a topic, and -G when the group APIs are served.
// The client of each exchange is told apart by the request header's client id.
//
// Fixture file: { client, apiKey, apiVersion, direction, hex } where hex is the frame without its 4-byte size
// prefix (header + body). Exchanges whose request and response are identical to an earlier one but for the
// correlation id are dropped; at most a few exchanges are kept per client, api and version (request n and
// response n are always the same exchange); frames over MAX_FRAME bytes are skipped, never truncated.
import net from 'node:net'
import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import kafkajs from 'kafkajs'
import { startBroker } from '../src/index.js'
import { API_SPECS } from '../src/protocol/generated/api-registry.js'
import { Reader } from '../src/protocol/primitives/reader.js'
import { Writer } from '../src/protocol/primitives/writer.js'
import { EAGER_HANDLERS, LAZY_HANDLERS } from '../src/kafka/handlers/index.js'

const { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } = kafkajs

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const OUT = path.join(ROOT, 'test', 'fixtures', 'wire')
const MAX_FRAME = 32 * 1024
const DEFAULT_CAP = 3
/** Kept exchanges per (client, api, version); more where the variants are the point. */
const CAP: Record<string, number> = { Produce: 16, Fetch: 4, Metadata: 4 }
const KAFKAJS_CLIENT_ID = 'samsa-capture-kafkajs'

// ---------------------------------------------------------------------------------------------
// recording proxy

interface Exchange {
  client: string
  apiKey: number
  apiVersion: number
  request: Buffer
  response: Buffer | null
}

const exchanges: Exchange[] = []

/** Splits a byte stream into size-prefixed frames (without the prefix). */
function frameSplitter (onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0)
  return chunk => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0)
      if (pending.length < 4 + size) break
      onFrame(Buffer.from(pending.subarray(4, 4 + size)))
      pending = pending.subarray(4 + size)
    }
  }
}

/** Client label from the request header's client id (v1+ headers: int16 length + bytes at offset 8). */
function clientOf (frame: Buffer): string {
  if (frame.length < 10) return 'unknown'
  const len = frame.readInt16BE(8)
  const id = len < 0 ? '' : frame.subarray(10, 10 + len).toString('utf8')
  if (id === KAFKAJS_CLIENT_ID) return 'kafkajs'
  if (id.startsWith('rdkafka') || id.startsWith('kcat')) return 'kcat'
  return 'unknown'
}

/**
 * librdkafka up to 2.8 enables gzip and snappy only when the broker's Produce and Fetch ranges include v2, and
 * lz4 only with FindCoordinator v0 (confluentinc/librdkafka#4956); Samsa starts Produce at v3 and Fetch at v4,
 * so `kcat -z gzip|snappy` silently sends uncompressed batches. To capture librdkafka's compressed batches as
 * well, one kcat phase sees an ApiVersions answer whose Produce and Fetch ranges start at 0 (it still picks
 * Produce v7 and Fetch v11). Only what the client receives is changed: the recorded response is the broker's.
 */
const proxyMode = { widenProduceFetch: false }

function widenApiVersions (frame: Buffer, version: number): Buffer {
  const spec = API_SPECS.get(18)
  if (spec === undefined) return frame
  const r = new Reader(frame, 4) // ApiVersions responses always use header v0: correlation id only
  const body = spec.decodeResponse(r, version)
  if (body.errorCode !== 0) return frame
  for (const k of body.apiKeys) if (k.apiKey === 0 || k.apiKey === 1) k.minVersion = 0
  const w = new Writer(spec.sizeResponse(version, body))
  spec.writeResponse(w, version, body)
  return Buffer.concat([frame.subarray(0, 4), ...w.finish()])
}

function startProxy (target: () => number): Promise<net.Server> {
  const server = net.createServer(downstream => {
    downstream.setNoDelay(true)
    const upstream = net.connect(target(), '127.0.0.1')
    upstream.setNoDelay(true)
    const inFlight = new Map<number, Exchange>()
    const onRequest = frameSplitter(frame => {
      const ex: Exchange = {
        client: clientOf(frame),
        apiKey: frame.readInt16BE(0),
        apiVersion: frame.readInt16BE(2),
        request: frame,
        response: null
      }
      exchanges.push(ex)
      inFlight.set(frame.readInt32BE(4), ex)
    })
    const onResponse = frameSplitter(frame => {
      const id = frame.readInt32BE(0)
      const ex = inFlight.get(id)
      if (ex === undefined) console.warn(`proxy: response with unknown correlation id ${id}`)
      else {
        inFlight.delete(id)
        ex.response = frame
      }
      const out = ex !== undefined && ex.apiKey === 18 && proxyMode.widenProduceFetch ? widenApiVersions(frame, ex.apiVersion) : frame
      const size = Buffer.alloc(4)
      size.writeInt32BE(out.length)
      downstream.write(Buffer.concat([size, out]))
    })
    downstream.on('data', (chunk: Buffer) => { onRequest(chunk); upstream.write(chunk) })
    upstream.on('data', (chunk: Buffer) => onResponse(chunk))
    downstream.on('end', () => upstream.end())
    upstream.on('end', () => downstream.end())
    downstream.on('error', () => upstream.destroy())
    upstream.on('error', () => downstream.destroy())
    downstream.on('close', () => upstream.destroy())
    upstream.on('close', () => downstream.destroy())
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

// ---------------------------------------------------------------------------------------------
// clients

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

async function driveKafkajs (address: string, groups: boolean): Promise<string[]> {
  const notes: string[] = []
  const kafka = new Kafka({ brokers: [address], clientId: KAFKAJS_CLIENT_ID, logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    topics: [
      { topic: 'kafkajs-events', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      { topic: 'kafkajs-doomed' }
    ]
  })
  await admin.listTopics()

  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  let n = 0
  for (const acks of [-1, 1]) {
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
      const messages = Array.from({ length: 3 }, () => {
        const i = n++
        return { key: `key-${i}`, value: `value-${i}`, headers: { trace: `t-${i}` } }
      })
      await producer.send({ topic: 'kafkajs-events', acks, compression, messages })
    }
  }
  await producer.send({ topic: 'kafkajs-events', acks: -1, messages: [{ value: 'no key, no headers' }] })
  await producer.disconnect()

  await admin.fetchTopicOffsets('kafkajs-events')
  await admin.fetchTopicOffsetsByTimestamp('kafkajs-events', Date.now() - 60_000)
  await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kafkajs-events' }], includeSynonyms: false })
  const cluster = await admin.describeCluster()
  await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: String(cluster.controller ?? cluster.brokers[0].nodeId) }], includeSynonyms: false })
  await admin.createPartitions({ topicPartitions: [{ topic: 'kafkajs-events', count: 3 }] })
  await admin.deleteTopics({ topics: ['kafkajs-doomed'] })

  const highs = new Map((await admin.fetchTopicOffsets('kafkajs-events')).map(o => [o.partition, o.high]))
  notes.push(...await kafkajsFetch(kafka, 'kafkajs-events', highs))

  if (groups) {
    const consumer = kafka.consumer({ groupId: 'kafkajs-capture-group', heartbeatInterval: 500, sessionTimeout: 10_000, maxWaitTimeInMs: 300 })
    await consumer.connect()
    await consumer.subscribe({ topic: 'kafkajs-events', fromBeginning: true })
    let seen = 0
    await consumer.run({ eachMessage: async () => { seen++ } })
    for (let i = 0; i < 200 && seen < n + 1; i++) await sleep(50)
    await sleep(2000) // heartbeats (between short long polls) and an offset commit
    await consumer.disconnect()
    notes.push(`kafkajs consumer read ${seen} of ${n + 1} records`)
  } else {
    notes.push('kafkajs consumer skipped: the broker does not serve the group APIs yet')
  }
  await admin.disconnect()
  return notes
}

/**
 * Fetch through kafkajs's own cluster and broker objects, the path its consumer takes (same arguments as
 * ConsumerGroup.fetch: read-committed, 1 MiB per partition), so kafkajs Fetch bytes are captured even while
 * the broker serves no group APIs. kafkajs keeps its cluster factory behind a private symbol.
 */
async function kafkajsFetch (kafka: InstanceType<typeof Kafka>, topic: string, highs: Map<number, string>): Promise<string[]> {
  const sym = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  if (sym === undefined) return ['kafkajs fetch skipped: kafkajs cluster factory not found']
  const cluster = (kafka as any)[sym]({ isolationLevel: 1 })
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    const partitions: number[] = cluster.findTopicPartitionMetadata(topic).map((p: any) => p.partitionId)
    const byLeader: Record<string, number[]> = cluster.findLeaderForPartitions(topic, partitions)
    let records = 0
    for (const [nodeId, ps] of Object.entries(byLeader)) {
      const broker = await cluster.findBroker({ nodeId })
      // from the start, then at the high watermark (an empty long poll)
      for (const at of ['start', 'end']) {
        const fetchOffset = (partition: number): string => at === 'start' ? '0' : highs.get(partition) ?? '0'
        const { responses } = await broker.fetch({
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 10485760,
          isolationLevel: 1,
          topics: [{ topic, partitions: ps.map(partition => ({ partition, fetchOffset: fetchOffset(partition), maxBytes: 1048576 })) }],
          rackId: ''
        })
        for (const r of responses) for (const p of r.partitions) records += p.messages.length
      }
    }
    return [`kafkajs fetch (consumer's path, no group) read ${records} records`]
  } finally {
    await cluster.disconnect()
  }
}

async function run (cmd: string, args: string[], input: string | null, timeoutMs = 20_000): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`${cmd} ${args.join(' ')}: timed out\n${err}`)) }, timeoutMs)
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', e => { clearTimeout(timer); reject(e) })
    child.on('close', code => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${String(code)}\n${err}`))
    })
    child.stdin.end(input ?? '')
  })
}

async function driveKcat (address: string, groups: boolean): Promise<string[]> {
  const notes: string[] = []
  const base = ['-b', address, '-X', 'client.id=rdkafka-capture', '-q']
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const lines = Array.from({ length: 4 }, (_, i) => `k${i}:${codec} value ${i} ${'x'.repeat(40)}`).join('\n') + '\n'
    await run('kcat', [...base, '-P', '-t', 'kcat-events', '-z', codec, '-K', ':', '-H', `codec=${codec}`, '-X', 'linger.ms=5'], lines)
  }
  // the same codecs again, seeing Produce/Fetch ranges from v0 (see widenApiVersions): compressed batches
  proxyMode.widenProduceFetch = true
  try {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 4 }, (_, i) => `k${i}:${codec} value ${i} ${'x'.repeat(40)}`).join('\n') + '\n'
      await run('kcat', [...base, '-P', '-t', 'kcat-events', '-z', codec, '-K', ':', '-H', `codec=${codec}`, '-X', 'linger.ms=5'], lines)
    }
  } finally {
    proxyMode.widenProduceFetch = false
  }
  // acks=1 (librdkafka's default is all)
  await run('kcat', [...base, '-P', '-t', 'kcat-events', '-X', 'acks=1'], 'acks one\n')
  const consumed = await run('kcat', [...base, '-C', '-t', 'kcat-events', '-o', 'beginning', '-e'], null)
  notes.push(`kcat -C read ${consumed.trim().split('\n').length} records`)
  await run('kcat', [...base, '-L'], null)
  await run('kcat', [...base, '-L', '-t', 'kcat-events'], null)
  if (groups) {
    await run('kcat', [...base, '-G', 'kcat-capture-group', '-o', 'beginning', '-e', 'kcat-events'], null, 60_000)
    notes.push('kcat -G consumer captured')
  } else {
    notes.push('kcat -G consumer skipped: the broker does not serve the group APIs yet')
  }
  return notes
}

// ---------------------------------------------------------------------------------------------
// fixtures

function snake (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

/** Frame with its correlation id zeroed, for comparing exchanges. */
function masked (frame: Buffer, at: number): string {
  const copy = Buffer.from(frame)
  copy.writeInt32BE(0, at)
  return copy.toString('hex')
}

/**
 * Picks the exchanges to keep: per (client, api, version), first every exchange with a request not seen
 * before (correlation id aside), then ones whose response differs, up to the cap; numbered in capture order.
 */
function selectExchanges (): Array<{ ex: Exchange, api: string, n: number }> {
  const skipped = new Set<string>()
  const groups = new Map<string, Array<{ ex: Exchange, api: string, req: string, sig: string }>>()
  for (const ex of exchanges) {
    const spec = API_SPECS.get(ex.apiKey)
    if (spec === undefined || ex.client === 'unknown') {
      skipped.add(`${ex.client} api ${ex.apiKey} v${ex.apiVersion}: unknown api or client`)
      continue
    }
    const api = snake(spec.name)
    if (ex.request.length > MAX_FRAME || (ex.response !== null && ex.response.length > MAX_FRAME)) {
      skipped.add(`${ex.client} ${api} v${ex.apiVersion}: frame over ${MAX_FRAME} bytes`)
      continue
    }
    const key = `${ex.client}/${api}/${ex.apiVersion}`
    const req = masked(ex.request, 4)
    const sig = `${req} ${ex.response === null ? '-' : masked(ex.response, 0)}`
    const list = groups.get(key) ?? []
    if (!list.some(e => e.sig === sig)) list.push({ ex, api, req, sig })
    groups.set(key, list)
  }
  for (const s of skipped) console.log(`skipped: ${s}`)
  const out: Array<{ ex: Exchange, api: string, n: number }> = []
  for (const list of groups.values()) {
    const cap = CAP[API_SPECS.get(list[0].ex.apiKey)?.name ?? ''] ?? DEFAULT_CAP
    const keep = new Set<number>()
    const reqs = new Set<string>()
    list.forEach((e, i) => {
      if (keep.size < cap && !reqs.has(e.req)) { keep.add(i); reqs.add(e.req) }
    })
    list.forEach((_, i) => { if (keep.size < cap) keep.add(i) })
    let n = 0
    list.forEach((e, i) => { if (keep.has(i)) out.push({ ex: e.ex, api: e.api, n: ++n }) })
  }
  return out
}

function writeFixtures (): { files: number, bytes: number } {
  fs.rmSync(OUT, { recursive: true, force: true })
  let files = 0
  let bytes = 0
  for (const { ex, api, n } of selectExchanges()) {
    const dir = path.join(OUT, ex.client)
    fs.mkdirSync(dir, { recursive: true })
    for (const [direction, frame] of [['request', ex.request], ['response', ex.response]] as const) {
      if (frame === null) continue
      const file = path.join(dir, `${api}_${direction}_v${ex.apiVersion}_${n}.json`)
      const body = JSON.stringify({ client: ex.client, apiKey: ex.apiKey, apiVersion: ex.apiVersion, direction, hex: frame.toString('hex') }, null, 2) + '\n'
      fs.writeFileSync(file, body)
      files++
      bytes += body.length
    }
  }
  return { files, bytes }
}

async function main (): Promise<void> {
  const groupKeys = [10, 11, 12, 13, 14] // FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup
  const served = new Set([...EAGER_HANDLERS, ...LAZY_HANDLERS].map(h => h.apiKey))
  const groups = groupKeys.every(k => served.has(k))

  let brokerPort = 0
  const proxy = await startProxy(() => brokerPort)
  const proxyPort = (proxy.address() as net.AddressInfo).port
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-capture-'))
  const broker = await startBroker({
    port: 0,
    dataDir,
    fsync: 'never',
    logLevel: 'warn',
    config: { 'advertised.listeners': `127.0.0.1:${proxyPort}` }
  })
  brokerPort = broker.port
  const address = `127.0.0.1:${proxyPort}`
  console.log(`broker on 127.0.0.1:${broker.port}, recording proxy on ${address}; group APIs served: ${groups}`)

  const notes: string[] = []
  try {
    notes.push(...await driveKafkajs(address, groups))
    notes.push(...await driveKcat(address, groups))
    await sleep(200)
  } finally {
    await broker.close()
    proxy.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }

  const unanswered = exchanges.filter(e => e.response === null)
  for (const e of unanswered) console.log(`no response: ${e.client} ${API_SPECS.get(e.apiKey)?.name ?? e.apiKey} v${e.apiVersion}`)
  const { files, bytes } = writeFixtures()
  const summary = new Map<string, Set<number>>()
  for (const ex of exchanges) {
    const k = `${ex.client} ${API_SPECS.get(ex.apiKey)?.name ?? ex.apiKey}`
    summary.set(k, (summary.get(k) ?? new Set()).add(ex.apiVersion))
  }
  for (const [k, vs] of [...summary].sort()) console.log(`  ${k}: v${[...vs].sort((a, b) => a - b).join(', v')}`)
  for (const note of notes) console.log(`note: ${note}`)
  console.log(`${exchanges.length} exchanges (${unanswered.length} without a response: in flight when a client exited), ${files} fixture files, ${bytes} bytes, in ${path.relative(ROOT, OUT)}`)
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
