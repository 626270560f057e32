// Produce load generator. Everything is encoded before the clock starts: RecordBatch v2 batches built with
// the broker's own builder, wrapped in Produce v9 requests by the generated codecs. The hot loop only
// rewrites a correlation id and writes a ready buffer, so the client stays far from being the bottleneck.
//
// Pipelining: each connection keeps `inFlight` requests outstanding. It owns `inFlight` distinct frames and
// request n always uses frame n % inFlight: that frame's previous request (n - inFlight) has been answered,
// so its bytes have left the socket and rewriting its correlation id cannot corrupt a pending write.
import { randomBytes } from 'node:crypto'
import { buildRecordBatch } from '../../dist/protocol/records/builder.js'
import { encodeProduceRequest } from '../../dist/protocol/generated/messages/produce-request.js'
import { encodeRequestHeader } from '../../dist/protocol/generated/messages/request-header.js'
import { CLIENT_ID, CORRELATION_ID_OFFSET, WireConnection, decodeResponse, frameOf } from './wire.js'
import { latencySummary, MiB } from './stats.js'

const PRODUCE_VERSION = 9 // flexible: request header v2, response header v1
const BATCH_HEADER_BYTES = 61

/** Records per batch so that a batch of `recordSize`-byte values (null keys) stays within batchBytes. */
export function recordsPerBatch (recordSize, batchBytes) {
  // per record: length varint, attributes, timestamp delta, offset delta (<=2), null key, value length varint, header count
  const perRecord = recordSize + 8 + (recordSize >= 64 ? 1 : 0)
  return Math.max(1, Math.floor((batchBytes - BATCH_HEADER_BYTES) / perRecord))
}

/**
 * `count` distinct pre-encoded Produce frames (size prefix included) for one partition; each holds one batch
 * of random values, so nothing in the path can profit from repeated content.
 */
export function buildProduceFrames ({ topic, partition, recordSize, batchBytes, acks, count, timeoutMs = 30000, timestamp = Date.now() }) {
  const n = recordsPerBatch(recordSize, batchBytes)
  const pool = randomBytes(recordSize * n + 4096)
  const frames = []
  const batches = []
  for (let i = 0; i < count; i++) {
    const shift = (i * 131) % 4096
    const records = []
    for (let r = 0; r < n; r++) records.push({ value: pool.subarray(shift + r * recordSize, shift + (r + 1) * recordSize) })
    const batch = buildRecordBatch(records, { timestamp })
    const body = encodeProduceRequest(PRODUCE_VERSION, {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }]
    })
    const header = encodeRequestHeader(2, { requestApiKey: 0, requestApiVersion: PRODUCE_VERSION, correlationId: 0, clientId: CLIENT_ID })
    frames.push(frameOf(header, body))
    batches.push(batch)
  }
  return { frames, batches, recordsPerBatch: n, batchSize: batches[0].length }
}

/**
 * Runs pipelined produce load against host:port.
 * opts: topic, partitions, connections, inFlight (per connection), recordSize, batchBytes, acks,
 *   warmupMs + durationMs (timed run), or totalBytes (fill: stop after that many batch bytes, no warm-up);
 *   onMeasureStart / onMeasureEnd callbacks (e.g. to sample broker CPU and RSS over the same window).
 * Returns throughput over the measured window, per-request latency (send -> response), error counts.
 */
export async function runProduce (opts) {
  const { host, port, topic, partitions, connections, inFlight, recordSize, batchBytes, acks } = opts
  const fill = opts.totalBytes !== undefined
  const warmupMs = fill ? 0 : opts.warmupMs
  const conns = []
  for (let c = 0; c < connections; c++) {
    const built = buildProduceFrames({ topic, partition: c % partitions, recordSize, batchBytes, acks, count: inFlight })
    conns.push({ conn: await WireConnection.connect(host, port), ...built })
  }
  const { batchSize, recordsPerBatch: perBatch } = conns[0]
  const latencies = []
  let perSecond = []
  let measuring = warmupMs === 0
  let stopping = false
  let measured = { requests: 0, bytes: 0, records: 0 }
  let sentBytes = 0
  let errors = 0
  let firstError = null
  let t0 = performance.now()
  let t1 = null
  let cpu0 = process.cpuUsage()
  let cpu = null
  if (measuring) opts.onMeasureStart?.()

  let outstanding = 0
  let resolveDrained
  const drained = new Promise(resolve => { resolveDrained = resolve })

  function stop () {
    if (stopping) return
    stopping = true
    if (measuring) {
      t1 = performance.now()
      cpu = process.cpuUsage(cpu0)
      measuring = false
      opts.onMeasureEnd?.()
    }
    if (outstanding === 0) resolveDrained()
  }

  for (const c of conns) {
    const sendTimes = new Float64Array(inFlight)
    let nextId = 0
    const send = c.send = () => {
      const id = nextId++
      const slot = id % inFlight
      const frame = c.frames[slot]
      frame.writeInt32BE(id, CORRELATION_ID_OFFSET)
      sendTimes[slot] = performance.now()
      outstanding++
      sentBytes += batchSize
      c.conn.socket.write(frame)
    }
    c.conn.onFrame = frame => {
      const now = performance.now()
      outstanding--
      const id = frame.readInt32BE(0)
      let ok = true
      try {
        const { body } = decodeResponse(0, PRODUCE_VERSION, frame)
        for (const t of body.responses) {
          for (const p of t.partitionResponses) {
            if (p.errorCode !== 0) {
              ok = false
              errors++
              firstError ??= `${t.name}-${p.index}: error ${p.errorCode} ${p.errorMessage ?? ''}`
            }
          }
        }
      } catch (err) {
        ok = false
        errors++
        firstError ??= `undecodable produce response: ${err.message}`
      }
      if (measuring && ok) {
        measured.requests++
        measured.bytes += batchSize
        measured.records += perBatch
        latencies.push(now - sendTimes[id % inFlight])
        const second = Math.floor((now - t0) / 1000)
        perSecond[second] = (perSecond[second] ?? 0) + batchSize
      }
      if (!stopping && (!fill || sentBytes < opts.totalBytes)) send()
      else if (fill && !stopping && outstanding === 0) stop()
      if (stopping && outstanding === 0) resolveDrained()
    }
    c.conn.socket.once('close', () => {
      if (!stopping) {
        errors++
        firstError ??= `connection closed by the broker${c.conn.error ? `: ${c.conn.error.message}` : ''}`
        stop()
      }
      resolveDrained()
    })
  }

  const timers = []
  if (!fill) {
    timers.push(setTimeout(() => {
      measuring = true
      measured = { requests: 0, bytes: 0, records: 0 }
      latencies.length = 0
      perSecond = []
      t0 = performance.now()
      cpu0 = process.cpuUsage()
      opts.onMeasureStart?.()
    }, warmupMs))
    timers.push(setTimeout(stop, warmupMs + opts.durationMs))
  }
  // first round: every slot of every connection; from then on each response sends the next request
  for (const c of conns) {
    c.conn.socket.cork()
    for (let i = 0; i < inFlight && !(fill && sentBytes >= opts.totalBytes); i++) c.send()
    c.conn.socket.uncork()
  }
  const drainTimeout = setTimeout(() => resolveDrained(), 60000)
  await drained
  clearTimeout(drainTimeout)
  for (const t of timers) clearTimeout(t)
  for (const c of conns) await c.conn.close()
  if (t1 === null) { t1 = performance.now(); cpu ??= process.cpuUsage(cpu0) }
  const seconds = (t1 - t0) / 1000
  return {
    seconds,
    requests: measured.requests,
    bytes: measured.bytes,
    records: measured.records,
    mibPerSec: measured.bytes / MiB / seconds,
    // throughput of each whole second of the measured window: the spread shows how steady the run was
    perSecondMiB: Array.from({ length: Math.floor(seconds) }, (_, i) => (perSecond[i] ?? 0) / MiB),
    recordsPerSec: measured.records / seconds,
    latencyMs: latencySummary(latencies),
    errors,
    firstError,
    batchSize,
    recordsPerBatch: perBatch,
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds
  }
}
