// Two clients that hold a connection and never complete anything, the kind a broker must bound:
//  - a stalled reader: pipelines Fetch requests (v4, max bytes 64 MiB, 16 MiB per partition, from offset 0
//    of every partition of the soak topics) one every intervalMs and never reads its socket (paused from
//    the start), so every response the broker produces for it stays with the broker once the socket
//    buffers are full. It stops writing while its own unsent bytes pass 256 KiB (the broker stopped
//    reading it): its side stays bounded.
//  - the trickler: announces a 48 MiB Produce request (size prefix and request header) and then sends one
//    byte every tricklePeriodMs, never finishing it.
// Either reconnects (after 2 s) when the broker closes it, and counts that.
import net from 'node:net'
import type { Stopper } from './stopper.js'
import { fetchBody, frame } from './wire.js'

export interface SlowStats { stalledRequests: number, stalledConnects: number, stalledClosedByBroker: number, trickleBytes: number, trickleConnects: number, trickleClosedByBroker: number }

async function connect (host: string, port: number): Promise<net.Socket | null> {
  return await new Promise(resolve => {
    const s = net.connect({ host, port })
    s.once('connect', () => { s.removeAllListeners('error'); s.on('error', () => {}); resolve(s) })
    s.once('error', () => resolve(null))
  })
}

export async function runStalledReader (host: string, port: number, partitions: Array<{ topic: string, partition: number }>, intervalMs: number, stats: SlowStats, stop: Stopper): Promise<void> {
  let correlationId = 1
  while (!stop.done) {
    const s = await connect(host, port)
    if (s === null) {
      await stop.sleep(2000)
      continue
    }
    stats.stalledConnects++
    s.pause()
    let closed = false
    const done = new Promise<void>(resolve => s.once('close', () => { closed = true; resolve() }))
    while (!stop.done && !closed) {
      if (s.writableLength < 256 * 1024) {
        s.write(frame(1, 4, fetchBody(partitions.map(p => ({ ...p, offset: 0 })), 64 << 20, 16 << 20), correlationId++, 'soak-stalled'))
        stats.stalledRequests++
      }
      await stop.sleep(intervalMs)
    }
    if (closed) stats.stalledClosedByBroker++
    s.destroy()
    await done
    await stop.sleep(2000)
  }
}

export async function runTrickler (host: string, port: number, tricklePeriodMs: number, stats: SlowStats, stop: Stopper): Promise<void> {
  const announced = 48 << 20
  const head = frame(0, 3, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [] }, 1, 'soak-trickle')
  // keep the real header, announce a body far larger than what follows
  head.writeInt32BE(announced, 0)
  while (!stop.done) {
    const s = await connect(host, port)
    if (s === null) {
      await stop.sleep(2000)
      continue
    }
    stats.trickleConnects++
    s.resume()
    let closed = false
    const done = new Promise<void>(resolve => s.once('close', () => { closed = true; resolve() }))
    s.write(head)
    let sent = head.length
    while (!stop.done && !closed && sent < announced) {
      await stop.sleep(tricklePeriodMs)
      if (closed) break
      s.write(Buffer.from([0]))
      sent++
      stats.trickleBytes++
    }
    if (closed) stats.trickleClosedByBroker++
    s.destroy()
    await done
    await stop.sleep(2000)
  }
}
