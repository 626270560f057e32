// kill -9 while appending with fsync 'always': every acknowledged (durable) offset survives, recovery truncates
// any torn tail, and the log takes appends again. The file runs itself as the child process (SAMSA_CRASH_CHILD).
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../../src/logger.js'
import { computeCrc, crc, lastOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../src/storage/log.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

const CONFIG = { ...DEFAULT_LOG_CONFIG, fsync: 'always' as const, segmentBytes: 256 * 1024, indexIntervalBytes: 1024 }

async function child (dir: string): Promise<void> {
  const flusher = new Flusher({ mode: 'always', logger: silentLogger })
  const log = await PartitionLog.open({ dir, topic: 'c', partition: 0, config: CONFIG, flusher, logger: silentLogger, cleanShutdown: false })
  process.stdout.write('ready\n')
  for (let i = 0; ; i++) {
    const rs = []
    for (let k = 0; k < 8; k++) rs.push(log.append([buildRecordBatch(Array.from({ length: 10 }, (_, j) => ({ value: `r${i}-${k}-${j}`.padEnd(50, '.') })))], Date.now()))
    const last = rs[rs.length - 1]!
    void last.durable.then(() => process.stdout.write(`durable ${last.lastOffset}\n`))
    await rs[0]!.written
  }
}

if (process.env.SAMSA_CRASH_CHILD !== undefined) {
  await child(process.env.SAMSA_CRASH_CHILD)
} else {
  t.test('kill -9 during appends loses no acknowledged record', async t => {
    const root = mkdtempSync(join(tmpdir(), 'samsa-crash-'))
    t.teardown(() => rmSync(root, { recursive: true, force: true }))
    const dir = join(root, 'c-0')
    let acked = -1
    for (let round = 0; round < 2; round++) {
      const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, SAMSA_CRASH_CHILD: dir }, stdio: ['ignore', 'pipe', 'inherit']
      })
      const exited = new Promise<void>((resolve, reject) => { proc.on('exit', () => resolve()); proc.on('error', reject) })
      let buf = ''
      let roundAcked = -1
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString()
        const lines = buf.split('\n')
        buf = lines.pop()!
        for (const l of lines) {
          if (l.startsWith('durable ')) roundAcked = Math.max(roundAcked, Number(l.slice(8)))
          if (roundAcked >= acked + 500 && !proc.killed) proc.kill('SIGKILL')
        }
      })
      await exited
      t.ok(roundAcked > acked, `round ${round}: child acknowledged up to ${roundAcked}`)
      acked = roundAcked
      const log = await PartitionLog.open({ dir, topic: 'c', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: false })
      t.ok(log.logEndOffset > acked, `round ${round}: LEO ${log.logEndOffset} covers every acknowledged offset (${acked})`)
      let next = 0
      let bad = 0
      while (next < log.logEndOffset) {
        const r = await log.read(next, 1 << 20, { minOneBatch: true, maxOffset: log.logEndOffset })
        for (const b of r.batches) if (crc(b) !== computeCrc(b)) bad++
        next = lastOffset(r.batches[r.batches.length - 1]!) + 1
      }
      t.equal(bad, 0, `round ${round}: every batch passes its CRC`)
      await log.close()
    }
  })
}
