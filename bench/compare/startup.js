// Start time, side by side: process spawn -> first accepted TCP connection, and spawn -> first answered
// request (an ApiVersions v0 sent on that connection), polled from this process every 2 ms.
//  - Samsa: `node dist/cli/main.js start --port P` on an empty data dir (Samsa needs no format step).
//  - Kafka: `kafka.sh start --port P --dir D` (bash, then the JVM) on a dir whose KRaft storage was formatted
//    beforehand, untimed (kafka-storage format is a one-time install step, not part of a start). The
//    wrapper adds about 0.1 s (bash, one `node` call picking the controller port) to Kafka's figure.
// A Kafka broker's listen socket is bound before it processes requests, so the kernel accepts connections
// early; the answered request is the fairer "ready" figure and both are reported.
// Starts alternate Samsa, Kafka, Samsa, ... so machine noise hits both. With --baseline the two sides are two
// builds of Samsa, started the same way from their own copies of dist/.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { KAFKA_SH, freePort, startKafka, startSamsa } from './brokers.js'
import { execFileSync } from 'node:child_process'
import { median } from '../lib/stats.js'

const API_VERSIONS_V0 = (() => {
  const clientId = Buffer.from('bench-start')
  const b = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length)
  b.writeInt32BE(b.length - 4, 0)
  b.writeInt16BE(18, 4) // ApiVersions
  b.writeInt16BE(0, 6)
  b.writeInt32BE(1, 8)
  b.writeInt16BE(clientId.length, 12)
  clientId.copy(b, 14)
  return b
})()

/** Polls host:port from t0 (hrtime ns) until an ApiVersions request is answered: { acceptMs, answerMs }. */
function pollReady (port, t0, timeoutMs = 120000) {
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6
  return new Promise((resolve, reject) => {
    let acceptMs = null
    const attempt = () => {
      if (ms() > timeoutMs) { reject(new Error(`port ${port} not ready after ${timeoutMs} ms`)); return }
      const s = net.connect({ host: '127.0.0.1', port })
      let got = Buffer.alloc(0)
      let done = false
      s.once('connect', () => { acceptMs ??= ms(); s.write(API_VERSIONS_V0) })
      s.on('data', d => {
        got = Buffer.concat([got, d])
        if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) { done = true; const answerMs = ms(); s.destroy(); resolve({ acceptMs, answerMs }) }
      })
      s.once('error', () => {})
      s.once('close', () => { if (!done) setTimeout(attempt, 2) })
    }
    attempt()
  })
}

function formatKafkaStorage (dir) {
  mkdirSync(dir, { recursive: true })
  const props = join(dir, 'format.properties')
  writeFileSync(props, [
    'process.roles=broker,controller', 'node.id=1', 'controller.quorum.voters=1@127.0.0.1:9',
    'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:9', 'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT', `log.dirs=${join(dir, 'data')}`, ''
  ].join('\n'))
  // a cluster id starting with '-' would be read as an option (Kafka's own Uuid.randomUuid never makes one)
  let id = '-'
  while (id.startsWith('-')) id = randomBytes(16).toString('base64url')
  execFileSync(KAFKA_SH, ['storage', 'format', '-t', id, '-c', props], { stdio: 'ignore' })
}

async function oneStart (side, baseDir, fsync) {
  const dir = mkdtempSync(join(baseDir, `start-${side.key}-`))
  if (side.kind === 'kafka') formatKafkaStorage(dir)
  const port = await freePort()
  const t0 = process.hrtime.bigint()
  const starting = side.kind === 'samsa' ? startSamsa({ dataDir: dir, fsync, port, cli: side.cli }) : startKafka({ dir, port })
  const ready = await pollReady(port, t0)
  const broker = await starting
  await broker.stop()
  rmSync(dir, { recursive: true, force: true })
  return ready
}

/**
 * sides: [{ key, kind: 'samsa' | 'kafka', cli (samsa: another build's dist/cli/main.js), starts }], started
 * alternately in that order, or in the order A B B A A B ... with abba (two builds, whose start i of each
 * is compared as a pair). Resolves { [key]: { n, acceptMs, answerMs (medians), all } }.
 */
export async function runStartTimes ({ baseDir, sides, fsync, log, abba = false }) {
  const res = Object.fromEntries(sides.map(side => [side.key, []]))
  for (let i = 0; i < Math.max(...sides.map(side => side.starts)); i++) {
    for (const side of abba && i % 2 === 1 ? [...sides].reverse() : sides) {
      if (res[side.key].length >= side.starts) continue
      const r = await oneStart(side, baseDir, fsync)
      log(`start ${side.key}: accept ${r.acceptMs.toFixed(0)} ms, answer ${r.answerMs.toFixed(0)} ms`)
      res[side.key].push(r)
    }
  }
  const sum = list => ({
    n: list.length,
    acceptMs: median(list.map(r => r.acceptMs)),
    answerMs: median(list.map(r => r.answerMs)),
    all: list
  })
  return Object.fromEntries(sides.map(side => [side.key, sum(res[side.key])]))
}
