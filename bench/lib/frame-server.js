// Baseline server for the fetch benchmark: a separate Node process that answers every request frame with a
// ready-made response frame of the size the request asks for (no protocol, no disk). Read through the same
// client code as the broker's Fetch responses, it measures what one loopback TCP connection between two
// Node processes carries here, one request at a time: the ceiling for a sequential consumer.
//
// Run as a child: node bench/lib/frame-server.js  -> prints `listening on 127.0.0.1:PORT`.
// Request frame: int32 size (4), int32 correlation id, int32 wanted response bytes.
// Response frame: int32 size, int32 correlation id, then (wanted - 4) bytes.
import net from 'node:net'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { WireConnection } from './wire.js'
import { latencySummary, MiB } from './stats.js'

const SELF = fileURLToPath(import.meta.url)

if (process.argv[1] === SELF) {
  const payloads = new Map()
  const server = net.createServer(socket => {
    socket.setNoDelay(true)
    let buffered = Buffer.alloc(0)
    socket.on('data', chunk => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      while (buffered.length >= 12) {
        const correlationId = buffered.readInt32BE(4)
        const wanted = buffered.readInt32BE(8)
        buffered = buffered.subarray(12)
        let p = payloads.get(wanted)
        if (p === undefined) {
          p = Buffer.alloc(4 + wanted, 7)
          p.writeInt32BE(wanted, 0)
          payloads.set(wanted, p)
        }
        p.writeInt32BE(correlationId, 4) // one request at a time: the previous write of p has completed
        socket.write(p)
      }
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`))
  process.on('SIGTERM', () => process.exit(0))
}

/** Sequential request/response of `responseBytes` frames for at least minSeconds; MiB/s of payload. */
export async function runFrameBaseline ({ responseBytes, minSeconds }) {
  const child = spawn(process.execPath, [SELF], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', s => { out += s; const m = /listening on \S+:(\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    child.once('exit', code => reject(new Error(`frame server exited (${code})`)))
  })
  process.once('exit', () => child.kill('SIGKILL'))
  const conn = await WireConnection.connect('127.0.0.1', port)
  conn.reuseFrameBuffer = true
  let waiting = null
  conn.onFrame = frame => { const w = waiting; waiting = null; w?.resolve(frame) }
  conn.closed.then(() => { const w = waiting; waiting = null; w?.reject(new Error('loopback baseline: connection closed')) })
  const req = Buffer.alloc(12)
  req.writeInt32BE(8, 0)
  req.writeInt32BE(responseBytes, 8)
  const latencies = []
  let bytes = 0
  let requests = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  while (performance.now() - t0 < minSeconds * 1000) {
    const sent = performance.now()
    const frame = await new Promise((resolve, reject) => {
      waiting = { resolve, reject }
      req.writeInt32BE(requests, 4)
      conn.socket.write(Buffer.from(req))
    })
    latencies.push(performance.now() - sent)
    bytes += frame.length
    requests++
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await conn.close()
  child.kill('SIGTERM')
  return { seconds, requests, bytes, mibPerSec: bytes / MiB / seconds, latencyMs: latencySummary(latencies), clientCpu: (cpu.user + cpu.system) / 1e6 / seconds }
}
