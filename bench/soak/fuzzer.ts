// A fuzzing client: one connection at a time sending at most `ratePerSec` frames a second, each one of
//  - a valid corpus frame (wire.ts fuzzCorpus) as is (25 %),
//  - a mutated corpus frame (55 %): 1-8 random bytes overwritten, truncated or extended (size prefix fixed up
//    or left stale), api key or version replaced, or its correlation id, client id length or an inner
//    length set to an extreme,
//  - random bytes behind a size prefix that matches them (20 %).
// Responses are read and dropped. The broker may close the connection (a malformed frame); the fuzzer then
// reconnects after 100 ms. It also hangs up by itself every 100-300 frames, so a frame whose size prefix
// announces more than follows never parks the fuzzer for long. Bounded: rate, and the run's stop signal.
import net from 'node:net'
import { randInt, type Stopper } from './stopper.js'
import { fuzzCorpus } from './wire.js'

export interface FuzzStats { frames: number, connections: number, closedByBroker: number, connectErrors: number, bytesIn: number }

function mutate (src: Buffer): Buffer {
  const f = Buffer.from(src)
  const body = f.length - 4
  switch (randInt(0, 6)) {
    case 0: { // overwrite bytes
      const n = randInt(1, 8)
      for (let i = 0; i < n; i++) f[randInt(4, f.length - 1)] = randInt(0, 255)
      return f
    }
    case 1: { // truncate, size prefix fixed up or stale
      const cut = randInt(8, Math.max(8, body - 1))
      const t = f.subarray(0, 4 + cut)
      if (Math.random() < 0.7) t.writeInt32BE(cut, 0)
      return Buffer.from(t)
    }
    case 2: { // extend with junk, size prefix fixed up
      const extra = Buffer.alloc(randInt(1, 64))
      for (let i = 0; i < extra.length; i++) extra[i] = randInt(0, 255)
      const e = Buffer.concat([f, extra])
      e.writeInt32BE(e.length - 4, 0)
      return e
    }
    case 3: // another api key
      f.writeInt16BE(randInt(-2, 90), 4)
      return f
    case 4: // another version
      f.writeInt16BE(randInt(-1, 30), 6)
      return f
    case 5: { // an int16 or int32 somewhere after the header set to an extreme (a length, a count)
      const extremes = [-1, 0, 0x7fff, -0x8000]
      const at = randInt(8, f.length - 2)
      f.writeInt16BE(extremes[randInt(0, extremes.length - 1)], at)
      if (Math.random() < 0.5 && at + 4 <= f.length) f.writeInt32BE(Math.random() < 0.5 ? 0x7fffffff : -2, at)
      return f
    }
    default: // the client id length beyond the frame
      if (f.length >= 14) f.writeInt16BE(randInt(body, 0x7fff), 12)
      return f
  }
}

function randomFrame (): Buffer {
  const n = randInt(0, 200)
  const f = Buffer.alloc(4 + n)
  f.writeInt32BE(n, 0)
  for (let i = 4; i < f.length; i++) f[i] = randInt(0, 255)
  return f
}

export async function runFuzzer (host: string, port: number, topic: string, group: string, ratePerSec: number, stats: FuzzStats, stop: Stopper): Promise<void> {
  const corpus = fuzzCorpus(topic, group)
  const gapMs = 1000 / ratePerSec
  while (!stop.done) {
    const socket = net.connect({ host, port })
    let closed = false
    let connected = false
    socket.on('data', d => { stats.bytesIn += d.length })
    socket.on('error', () => {})
    const done = new Promise<void>(resolve => socket.once('close', () => { closed = true; resolve() }))
    socket.once('connect', () => { connected = true; stats.connections++ })
    const frames = randInt(100, 300)
    for (let i = 0; i < frames && !stop.done && !closed; i++) {
      await stop.sleep(gapMs)
      if (!connected || closed) continue
      const r = Math.random()
      const f = r < 0.25 ? corpus[randInt(0, corpus.length - 1)] : r < 0.8 ? mutate(corpus[randInt(0, corpus.length - 1)]) : randomFrame()
      // correlation ids vary so responses are not all alike
      if (f.length >= 12 && r < 0.8) f.writeInt32BE(randInt(0, 0x7fffffff), 8)
      if (socket.writableLength < 1 << 20) socket.write(f)
      stats.frames++
    }
    if (closed) {
      if (connected) stats.closedByBroker++
      else stats.connectErrors++
    }
    socket.destroy()
    await done
    await stop.sleep(100)
  }
}
