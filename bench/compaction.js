#!/usr/bin/env node
// bench/compaction.js: the storage lifecycle's costs.
//
//   npm run build && node bench/compaction.js [options]
//
//   --quick              a ~1 minute smoke run (small fills, short phases)
//   --only LIST          throughput,latency,restart (comma-separated; default all three)
//   --mib N              MiB written before each compaction throughput run (default 256; quick 48)
//   --dir DIR            where the temporary data directories go (default: the OS temp dir)
//
// 1. throughput  Compaction of one partition: N MiB of 100-byte values, keys drawn from 100,000, batches of 100
//                records, 32 MiB segments, cleaned once by the log cleaner (piscina worker: offset map, recopy,
//                fdatasync; then the swap on the main thread). MB/s = bytes read by the cleaning / wall time from
//                the start of the cleaning to the last swap. Uncompressed, lz4 and zstd batches.
// 2. latency     Produce latency (acks=-1, fsync always, 1 KiB batches of 10 records, 4 connections x 4 requests
//                in flight, from a child process) against a broker in this process: alone, while a compaction
//                of a prefilled compacted topic runs, and while a retention pass deletes a prefilled topic's old
//                segments. Latencies are those of the requests sent while the background work ran (the baseline:
//                a window of the same load alone). Also the broker's event-loop delay in the same windows.
// 3. restart     Time from spawning `node dist/cli/main.js start` to "listening" after kill -9, against the size
//                of the active segment (what recovery walks and CRC-checks), next to a clean restart.
//
// Prints a markdown report. Single-node numbers: state the machine with them (CPUs, disk, Node version).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { API_SPECS } from '../dist/protocol/generated/api-registry.js'
import { encodeRequestHeader } from '../dist/protocol/generated/messages/request-header.js'
import { decodeResponseHeader } from '../dist/protocol/generated/messages/response-header.js'
import { Reader } from '../dist/protocol/primitives/reader.js'
import { Writer } from '../dist/protocol/primitives/writer.js'
import { buildRecordBatch } from '../dist/protocol/records/builder.js'
import { CompressionCodec } from '../dist/protocol/records/batch-header.js'
import { silentLogger } from '../dist/logger.js'
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../dist/storage/log.js'
import { Flusher } from '../dist/storage/workers/flusher.js'
import { LogCleaner } from '../dist/storage/cleaner/log-cleaner.js'
import { startBroker } from '../dist/index.js'

const SELF = fileURLToPath(import.meta.url)
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const MiB = 1024 * 1024

function arg (name, dflt) {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? dflt : process.argv[i + 1]
}
const QUICK = process.argv.includes('--quick')
const ONLY = new Set((arg('only', 'throughput,latency,restart')).split(','))
const FILL_MIB = Number(arg('mib', QUICK ? 48 : 256))
const BASE_DIR = arg('dir', os.tmpdir())

// ---- a minimal wire client (generated codecs from dist/) ----

class Client {
  static connect (port) {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' })
      s.setNoDelay(true)
      s.once('connect', () => resolve(new Client(s)))
      s.once('error', reject)
    })
  }

  constructor (socket) {
    this.socket = socket
    this.next = 1
    this.pending = new Map()
    this.buf = Buffer.alloc(0)
    socket.on('data', d => this.onData(d))
    socket.on('error', () => {})
    socket.on('close', () => { for (const p of this.pending.values()) p.reject(new Error('closed')); this.pending.clear() })
  }

  request (apiKey, version, body) {
    const spec = API_SPECS.get(apiKey)
    const correlationId = this.next++
    const header = encodeRequestHeader(spec.requestHeaderVersion(version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'bench-compaction' })
    const size = spec.sizeRequest(version, body)
    const w = new Writer(size)
    spec.writeRequest(w, version, body)
    const payload = Buffer.concat(w.finish(), size)
    const frame = Buffer.allocUnsafe(4 + header.length + payload.length)
    frame.writeInt32BE(header.length + payload.length, 0)
    header.copy(frame, 4)
    payload.copy(frame, 4 + header.length)
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, version, resolve, reject })
      this.socket.write(frame)
    })
  }

  onData (d) {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0)
      if (this.buf.length < 4 + size) return
      const frame = this.buf.subarray(4, 4 + size)
      this.buf = this.buf.subarray(4 + size)
      const id = frame.readInt32BE(0)
      const p = this.pending.get(id)
      if (p === undefined) continue
      this.pending.delete(id)
      const spec = API_SPECS.get(p.apiKey)
      const r = new Reader(frame, 0)
      decodeResponseHeader(r, spec.responseHeaderVersion(p.version))
      p.resolve(spec.decodeResponse(r, p.version))
    }
  }

  close () { this.socket.destroy() }
}

function produceBody (topic, partition, records, acks) {
  return { transactionalId: null, acks, timeoutMs: 30000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }
}

async function createTopic (c, name, partitions, configs = {}) {
  const r = await c.request(19, 4, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
    timeoutMs: 10000, validateOnly: false
  })
  if (r.topics[0].errorCode !== 0) throw new Error(`create ${name}: error ${r.topics[0].errorCode} ${r.topics[0].errorMessage}`)
}

function pct (sorted, p) { return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] }
const f1 = x => Number.isFinite(x) ? x.toFixed(1) : '-'
const f2 = x => Number.isFinite(x) ? x.toFixed(2) : '-'

// ---- shared fill: keyed batches appended straight to a PartitionLog ----

/** A pool of pre-built batches of 100 records (100-byte values, keys among `keys`), copied per append. */
function batchPool (keys, codec, count = 1000) {
  const pool = []
  let seed = 42
  const random = () => { // mulberry32
    seed = (seed + 0x6D2B79F5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  for (let b = 0; b < count; b++) {
    const records = []
    for (let i = 0; i < 100; i++) {
      records.push({ key: `key-${Math.floor(random() * keys).toString().padStart(6, '0')}`, value: `v${b}-${i}-`.padEnd(100, 'x') })
    }
    pool.push(buildRecordBatch(records, { compression: codec }))
  }
  return pool
}

async function fillLog (log, mib, pool, timestamp) {
  let bytes = 0
  let i = 0
  let last
  while (bytes < mib * MiB) {
    const b = Buffer.from(pool[i++ % pool.length])
    if (timestamp !== undefined) { b.writeBigInt64BE(BigInt(timestamp), 27); b.writeBigInt64BE(BigInt(timestamp), 35); fixCrc(b) }
    last = log.append([b], Date.now())
    bytes += b.length
    if (i % 256 === 0) await last.written
  }
  await last.durable
  return bytes
}

import { computeCrc, CRC_OFFSET } from '../dist/protocol/records/batch-header.js'
function fixCrc (b) { b.writeUInt32BE(computeCrc(b), CRC_OFFSET) }

// ---- 1. compaction throughput ----

async function throughput () {
  const rows = []
  for (const [name, codec] of [['none', CompressionCodec.None], ['lz4', CompressionCodec.Lz4], ['zstd', CompressionCodec.Zstd]]) {
    const dataDir = mkdtempSync(join(BASE_DIR, 'samsa-bench-compact-'))
    try {
      const log = await PartitionLog.open({
        dir: join(dataDir, 'c-0'), topic: 'c', partition: 0,
        config: { ...DEFAULT_LOG_CONFIG, fsync: 'never', segmentBytes: 32 * MiB, cleanupPolicy: 'compact', minCleanableDirtyRatio: 0 },
        flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: true
      })
      const written = await fillLog(log, FILL_MIB, batchPool(100_000, codec))
      const cleaner = new LogCleaner({ dataDir, logger: silentLogger, logs: () => [log], backoffMs: 0 })
      await cleaner.start()
      const t0 = performance.now()
      const r = await cleaner.cleanOnce()
      const wall = (performance.now() - t0) / 1000
      const st = r.result.stats
      const worker = (st.mapMs + st.copyMs) / 1000
      rows.push({ name, written, read: st.bytesRead, out: st.bytesWritten, records: st.recordsRead, retained: st.recordsRetained, wall, worker, mapS: st.mapMs / 1000, groups: r.result.groups.length })
      await cleaner.close()
      await log.close()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  let out = `### Compaction throughput (${FILL_MIB} MiB per run, 100,000 keys, 100-byte values, 100 records per batch, 32 MiB segments)\n\n`
  out += '| batches | MB read | MB written | records read -> kept | wall s | MB/s (read / wall) | records/s | map s | worker s | swap s |\n|---|---|---|---|---|---|---|---|---|---|\n'
  for (const r of rows) {
    out += `| ${r.name} | ${f1(r.read / 1e6)} | ${f1(r.out / 1e6)} | ${r.records} -> ${r.retained} | ${f2(r.wall)} | ${f1(r.read / 1e6 / r.wall)} | ${(r.records / r.wall / 1e6).toFixed(2)} M | ${f2(r.mapS)} | ${f2(r.worker)} | ${f2(r.wall - r.worker)} |\n`
  }
  return out
}

// ---- 2. produce latency with and without a compaction / retention pass ----

async function loadChild (port, seconds) {
  // runs in the child process: 4 connections x 4 in flight, acks=-1 1 KiB batches to 'load'
  const lat = []
  const end = Date.now() + seconds * 1000
  const conns = await Promise.all([0, 1, 2, 3].map(() => Client.connect(port)))
  const template = buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(90) })))
  let errors = 0
  await Promise.all(conns.flatMap((c, ci) => [0, 1, 2, 3].map(async () => {
    while (Date.now() < end) {
      const sent = Date.now()
      const t0 = performance.now()
      let r
      try {
        r = await c.request(0, 9, produceBody('load', ci, Buffer.from(template), -1))
      } catch {
        errors++
        return
      }
      lat.push(sent, performance.now() - t0)
      if (r.responses[0].partitionResponses[0].errorCode !== 0) errors++
    }
  })))
  for (const c of conns) c.close()
  await new Promise(resolve => process.stdout.write(JSON.stringify({ errors, samples: lat }) + '\n', resolve))
}

function runLoad (port, seconds) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SELF, '--child-load', String(port), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', d => { out += d })
    p.on('close', code => code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load child exited ${code}`)))
  })
}

/** Latency percentiles of the samples ([sent epoch ms, latency ms] pairs) sent within [from, to). */
function window (samples, from, to) {
  const lat = []
  for (let i = 0; i < samples.length; i += 2) if (samples[i] >= from && samples[i] < to) lat.push(samples[i + 1])
  lat.sort((a, b) => a - b)
  return { count: lat.length, p50: pct(lat, 0.5), p99: pct(lat, 0.99), p999: pct(lat, 0.999), max: lat[lat.length - 1] }
}

async function latency () {
  const dataDir = mkdtempSync(join(BASE_DIR, 'samsa-bench-latency-'))
  const seconds = QUICK ? 5 : 10
  const b = await startBroker({ port: 0, dataDir, fsync: 'always', logLevel: 'silent' })
  const rows = []
  try {
    const c = await Client.connect(b.port)
    await createTopic(c, 'load', 4)
    await createTopic(c, 'compacted', 1, { 'cleanup.policy': 'compact', 'segment.bytes': String(32 * MiB), 'min.cleanable.dirty.ratio': '0.01' })
    await createTopic(c, 'old', 1, { 'retention.ms': '3600000', 'segment.bytes': String(32 * MiB), 'file.delete.delay.ms': '0' })
    c.close()
    const logs = b.broker.topics.logs
    const h = monitorEventLoopDelay({ resolution: 1 })
    // the load runs `seconds`; the background work starts after 1 s; latencies are taken over the samples sent
    // while it ran (baseline: the same middle window), the event-loop delay over the same window
    const phase = async (name, during) => {
      const load = runLoad(b.port, seconds)
      await new Promise(resolve => setTimeout(resolve, 1000))
      h.reset()
      h.enable()
      const from = Date.now()
      const t0 = performance.now()
      let note = ''
      if (during === null) await new Promise(resolve => setTimeout(resolve, (seconds - 2) * 1000))
      else note = await during()
      const took = (performance.now() - t0) / 1000
      const to = Date.now()
      h.disable()
      const r = await load
      rows.push({ name, ...window(r.samples, from, to), errors: r.errors, window: took, note, loopP99: h.percentile(99) / 1e6, loopMax: h.max / 1e6 })
    }
    await phase('produce alone', null)
    const fill = QUICK ? 96 : 512
    await fillLog(logs.log('compacted', 0), fill, batchPool(100_000, CompressionCodec.None))
    await phase(`+ compaction of ${fill} MiB`, async () => {
      const r = await logs.cleaner.cleanLog(logs.log('compacted', 0))
      return `${f1(r.result.stats.bytesRead / 1e6)} MB cleaned`
    })
    await fillLog(logs.log('old', 0), fill, batchPool(1000, CompressionCodec.None), Date.now() - 7_200_000)
    const segs = logs.log('old', 0).segmentList().length
    await phase('produce alone (again)', null)
    await phase(`+ retention deleting ${fill} MiB`, async () => {
      const n = await logs.runRetention(Date.now())
      return `${n} of ${segs} segments deleted`
    })
  } finally {
    await b.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  let out = `### Produce latency while the background work runs (acks=-1, fsync always, 1 KiB batches, 4 connections x 4 in flight)\n\n`
  out += '| phase | window s | requests/s | p50 ms | p99 ms | p99.9 ms | max ms | event-loop p99 / max ms | background work |\n|---|---|---|---|---|---|---|---|---|\n'
  for (const r of rows) {
    out += `| ${r.name} | ${f2(r.window)} | ${Math.round(r.count / r.window)} | ${f2(r.p50)} | ${f2(r.p99)} | ${f2(r.p999)} | ${f1(r.max)} | ${f1(r.loopP99)} / ${f1(r.loopMax)} | ${r.note}${r.errors > 0 ? `, ${r.errors} errors` : ''} |\n`
  }
  return out
}

// ---- 3. restart time after kill -9 against the recovered tail ----

function spawnBroker (dataDir, extra = []) {
  const t0 = performance.now()
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'error', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise(resolve => proc.on('exit', resolve))
  const ready = new Promise((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', d => {
      out += d
      const m = /listening on [^:\s]+:(\d+)/.exec(out)
      if (m !== null) resolve({ port: Number(m[1]), ms: performance.now() - t0 })
    })
    exited.then(code => reject(new Error(`broker exited ${code}`)))
  })
  return { proc, exited, ready }
}

function check (res) {
  const p = res.responses[0].partitionResponses[0]
  if (p.errorCode !== 0) throw new Error(`produce failed: ${p.errorCode} ${p.errorMessage}`)
}

async function restart () {
  const sizes = QUICK ? [0, 16, 64] : [0, 64, 256, 960] // below segment.bytes (1 GiB): all in the active segment
  const rows = []
  for (const fsync of ['never', 'always']) {
    for (const mib of sizes) {
      const dataDir = mkdtempSync(join(BASE_DIR, 'samsa-bench-restart-'))
      try {
        let b = spawnBroker(dataDir, ['--fsync', fsync])
        const { port } = await b.ready
        const c = await Client.connect(port)
        await createTopic(c, 'r', 1)
        const template = buildRecordBatch(Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(1000) })))
        let bytes = 0
        const inflight = []
        while (bytes < mib * MiB) {
          inflight.push(c.request(0, 9, produceBody('r', 0, Buffer.from(template), 1)))
          bytes += template.length
          if (inflight.length >= 16) check(await inflight.shift())
        }
        for (const r of await Promise.all(inflight)) check(r)
        c.close()
        // three starts after kill -9 (each killed again once listening: the marker is gone, so every start is
        // unclean and recovers the same active segment), then three clean restarts; medians
        const crashedRuns = []
        for (let i = 0; i < 3; i++) {
          b.proc.kill('SIGKILL')
          await b.exited
          b = spawnBroker(dataDir, ['--fsync', fsync])
          crashedRuns.push((await b.ready).ms)
        }
        const cleanRuns = []
        for (let i = 0; i < 3; i++) {
          b.proc.kill('SIGTERM')
          await b.exited
          b = spawnBroker(dataDir, ['--fsync', fsync])
          cleanRuns.push((await b.ready).ms)
        }
        b.proc.kill('SIGTERM')
        await b.exited
        const median = xs => xs.sort((x, y) => x - y)[1]
        const crashed = median(crashedRuns)
        const clean = median(cleanRuns)
        rows.push({ fsync, mib, crashed, clean })
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    }
  }
  let out = '### Restart after kill -9 (spawn to "listening", median of 3; one partition, 1 GiB segments, so all the data is in the active segment)\n\n'
  out += '| fsync | active segment at the kill | start after kill -9 ms | clean restart ms | recovery cost ms |\n|---|---|---|---|---|\n'
  for (const r of rows) out += `| ${r.fsync} | ${r.mib} MiB | ${Math.round(r.crashed)} | ${Math.round(r.clean)} | ${Math.round(r.crashed - r.clean)} |\n`
  return out
}

// ---- main ----

if (process.argv[2] === '--child-load') {
  await loadChild(Number(process.argv[3]), Number(process.argv[4]))
  process.exit(0)
}

console.log(`## Samsa storage lifecycle benchmark\n\n${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, data in ${BASE_DIR}${QUICK ? ' (quick run)' : ''}\n`)
if (ONLY.has('throughput')) console.log(await throughput())
if (ONLY.has('latency')) console.log(await latency())
if (ONLY.has('restart')) console.log(await restart())
