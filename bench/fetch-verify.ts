// bench/fetch-verify.ts: what the fetch path's batch checks cost (storage/batch-checks.ts via segment.ts read):
// consume throughput of one filled partition with log.fetch.check.crcs=true (header checks + CRC32C of every
// batch served, the default) and =false (header checks only), side by side in one run, over the same log.
//
//   npm run build && npx tsx bench/fetch-verify.ts [--mib 256] [--record 1024] [--max-bytes 1048576] [--rounds 3] [--seconds 4]
//
// Setup: one broker process per measurement (`node dist/cli/main.js start --fsync never`, bench/lib/broker.js)
// over a log filled once (acks=-1, 16 KiB batches of --record byte records) and still in the page cache; one
// consumer-like connection (bench/lib/fetch.js: Fetch v12, one request at a time, max bytes per response
// --max-bytes) reads the partition from offset 0 to its end, over and over for --seconds. The two settings
// alternate, the order swapped every round, so the machine's load drifts over both alike. Each broker start
// measures the first pass over the log (every batch read for the first time since the start: with the check
// on, every CRC computed) apart from the later passes (CRCs verified once are not computed again,
// storage/corruption-marks.ts). Prints MiB/s and the broker's CPU seconds per GiB served (both threads; less
// noisy than throughput on a shared machine, where the client is often the bottleneck), then medians.
// Bounded: rounds x 2 broker starts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error: plain ES modules of the bench harness, no types
import { snapshotDist, startBroker, killAll } from './lib/broker.js'
// @ts-expect-error: as above
import { runProduce } from './lib/produce.js'
// @ts-expect-error: as above
import { runFetch } from './lib/fetch.js'
// @ts-expect-error: as above
import { WireConnection, createTopic } from './lib/wire.js'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? dflt : Number(process.argv[i + 1])
}
const MiB = 1024 * 1024
const fillMiB = arg('mib', 256)
const recordSize = arg('record', 1024)
const maxBytes = arg('max-bytes', MiB)
const rounds = arg('rounds', 3)
const seconds = arg('seconds', 4)

const work = mkdtempSync(join(tmpdir(), 'samsa-fetch-verify-'))
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

try {
  snapshotDist(work)
  const dataDir = join(work, 'data')
  let broker = await startBroker({ dataDir, fsync: 'never' })
  const c = await WireConnection.connect(broker.host, broker.port)
  await createTopic(c, 'verify', 1)
  await c.close()
  const fill = await runProduce({
    host: broker.host, port: broker.port, topic: 'verify', partitions: 1, connections: 2, inFlight: 4,
    recordSize, batchBytes: 16 * 1024, acks: -1, totalBytes: fillMiB * MiB
  })
  await broker.stop()
  if (fill.errors > 0) throw new Error(`fill failed: ${fill.firstError}`)
  process.stdout.write(`filled ${(fill.bytes / MiB).toFixed(0)} MiB, ${fill.records} records of ${recordSize} B; fetch max bytes ${maxBytes}\n`)
  type Row = { mib: number[], cpuPerGiB: number[] }
  const results: Record<string, Row> = {}
  const add = (key: string, mib: number, cpuPerGiB: number): void => {
    const r = results[key] ??= { mib: [], cpuPerGiB: [] }
    r.mib.push(mib)
    r.cpuPerGiB.push(cpuPerGiB)
  }
  for (let r = 0; r < rounds; r++) {
    for (const mode of (r % 2 === 0 ? ['true', 'false'] : ['false', 'true'])) {
      broker = await startBroker({ dataDir, fsync: 'never', extraArgs: ['--log.fetch.check.crcs', mode] })
      // pass 1: the first read of every batch since the broker started (with the check on: every CRC computed);
      // then more passes for --seconds (the CRCs verified already are not computed again)
      for (const phase of ['first pass', 'later passes']) {
        let cpu0 = 0
        let cpuSeconds = 0
        const res = await runFetch({
          host: broker.host, port: broker.port, topic: 'verify', partition: 0, version: 12, endOffset: fill.records,
          maxBytes, partitionMaxBytes: maxBytes, minSeconds: phase === 'first pass' ? 0 : seconds, maxPasses: phase === 'first pass' ? 1 : 1000,
          onMeasureStart: () => { cpu0 = broker.cpuSeconds() ?? 0 },
          onMeasureEnd: () => { cpuSeconds = (broker.cpuSeconds() ?? 0) - cpu0 }
        })
        const perGiB = cpuSeconds / (res.bytes / (1024 * MiB))
        add(`check.crcs=${mode} ${phase}`, res.mibPerSec, perGiB)
        process.stdout.write(`round ${r + 1} check.crcs=${mode.padEnd(5)} ${phase.padEnd(12)}: ${res.mibPerSec.toFixed(0).padStart(5)} MiB/s, ${Math.round(res.recordsPerSec)} rec/s, broker CPU ${perGiB.toFixed(3)} s per GiB served (${res.passes} pass(es))\n`)
      }
      await broker.stop()
    }
  }
  process.stdout.write('\nmedians:\n')
  for (const [key, r] of Object.entries(results).sort()) {
    process.stdout.write(`  ${key.padEnd(32)} ${median(r.mib).toFixed(0).padStart(5)} MiB/s, broker CPU ${median(r.cpuPerGiB).toFixed(3)} s/GiB\n`)
  }
} finally {
  await killAll()
  rmSync(work, { recursive: true, force: true })
}
