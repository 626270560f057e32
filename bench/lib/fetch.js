// Fetch benchmark: one consumer-like connection reads a filled partition from offset 0 to its end, one
// request at a time (a consumer's next fetch offset depends on the previous answer), with large max bytes.
// Responses are decoded by the generated codec (zero-copy records view) and only batch headers are walked
// to count records and find the next offset, as a consumer that skips the record bodies would.
import { WireConnection, encodeRequest, decodeResponse } from './wire.js'
import { latencySummary, MiB } from './stats.js'

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

function fetchBody (version, topic, partition, offset, maxBytes, partitionMaxBytes) {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{
      topic,
      topicId: ZERO_UUID,
      partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes }]
    }],
    forgottenTopicsData: [],
    rackId: ''
  }
}

/**
 * Reads topic-partition from 0 to endOffset, repeatedly until minSeconds have passed (at least one pass).
 * Returns bytes (whole batches as served) and records per second over all passes, request latency.
 */
export async function runFetch ({ host, port, topic, partition = 0, version, endOffset, maxBytes, partitionMaxBytes, minSeconds, maxPasses = 1000, onMeasureStart, onMeasureEnd }) {
  const conn = await WireConnection.connect(host, port)
  conn.reuseFrameBuffer = true
  let waiting = null
  conn.onFrame = frame => { const w = waiting; waiting = null; w?.resolve(frame) }
  conn.closed.then(() => { const w = waiting; waiting = null; w?.reject(new Error(`fetch: connection closed by the broker${conn.error ? `: ${conn.error.message}` : ''}`)) })
  const request = (correlationId, body) => new Promise((resolve, reject) => {
    waiting = { resolve, reject }
    conn.socket.write(encodeRequest(1, version, body, correlationId))
  })
  const latencies = []
  const perPassMiB = []
  let bytes = 0
  let records = 0
  let requests = 0
  let passes = 0
  let correlationId = 1
  onMeasureStart?.()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  try {
    while (passes < maxPasses && (passes === 0 || performance.now() - t0 < minSeconds * 1000)) {
      const passStart = performance.now()
      const passBytes = bytes
      let offset = 0
      while (offset < endOffset) {
        const sent = performance.now()
        const frame = await request(correlationId++, fetchBody(version, topic, partition, offset, maxBytes, partitionMaxBytes))
        latencies.push(performance.now() - sent)
        requests++
        const { body } = decodeResponse(1, version, frame)
        if (body.errorCode !== 0) throw new Error(`fetch: top-level error ${body.errorCode}`)
        const p = body.responses[0].partitions[0]
        if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${offset}: error ${p.errorCode}`)
        const data = p.records
        if (data === null || data.length === 0) {
          if (Number(p.highWatermark) <= offset) throw new Error(`fetch ${topic}-${partition}@${offset}: high watermark ${p.highWatermark} below the expected end ${endOffset}`)
          continue
        }
        let pos = 0
        while (pos + 61 <= data.length) {
          const size = data.readInt32BE(pos + 8) + 12
          if (pos + size > data.length) break // a partial trailing batch (Kafka may send one): fetch it again
          const base = Number(data.readBigInt64BE(pos))
          const last = base + data.readInt32BE(pos + 23)
          if (last >= offset) {
            records += data.readInt32BE(pos + 57) - Math.max(0, offset - base)
            offset = last + 1
          }
          bytes += size
          pos += size
        }
      }
      passes++
      perPassMiB.push((bytes - passBytes) / MiB / ((performance.now() - passStart) / 1000))
    }
  } finally {
    onMeasureEnd?.()
    await conn.close()
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return {
    seconds,
    passes,
    requests,
    bytes,
    records,
    mibPerSec: bytes / MiB / seconds,
    recordsPerSec: records / seconds,
    avgResponseMiB: bytes / MiB / requests,
    perPassMiB,
    latencyMs: latencySummary(latencies),
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds
  }
}
