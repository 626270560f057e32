// Missing or corrupt .index / .timeindex files: rebuilt from the log at the next start (with a WARN), byte for
// byte what they were, and every read, offset lookup and timestamp lookup answers as before. Clean and unclean
// starts alike.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { CLEAN_SHUTDOWN_FILE } from '../../src/storage/log-file-names.js'
import { fetchPartition, listOffsetsBody, produce } from '../helpers/wire.js'

const T0 = 1_700_000_000_000

function capture (): { logger: Logger, warnings: () => string[] } {
  const out: string[] = []
  const logger = pino({ level: 'warn' }, { write: (l: string) => { out.push(l) } })
  return { logger, warnings: () => out.map(l => (JSON.parse(l) as { msg: string }).msg) }
}

type Damage = (dir: string, segs: string[]) => string

const damages: Array<[string, Damage]> = [
  ['missing .index and .timeindex', (dir, segs) => { rmSync(join(dir, `${segs[0]}.index`)); rmSync(join(dir, `${segs[1]}.timeindex`)); return segs[0]! }],
  ['an .index of a size that is not a multiple of 8', (dir, segs) => { truncateSync(join(dir, `${segs[1]}.index`), 13); return segs[1]! }],
  ['random bytes in an .index', (dir, segs) => { const f = join(dir, `${segs[2]}.index`); writeFileSync(f, randomBytes(readFileSync(f).length)); return segs[2]! }],
  ['random bytes in a .timeindex', (dir, segs) => { const f = join(dir, `${segs[2]}.timeindex`); writeFileSync(f, randomBytes(readFileSync(f).length)); return segs[2]! }],
  ['an .index entry pointing past the end of the log', (dir, segs) => {
    const f = join(dir, `${segs[1]}.index`)
    const b = readFileSync(f)
    b.writeInt32BE(0x7ffffff0, b.length - 4)
    writeFileSync(f, b)
    return segs[1]!
  }],
  ['an empty .timeindex for a large segment', (dir, segs) => { writeFileSync(join(dir, `${segs[0]}.timeindex`), Buffer.alloc(0)); return segs[0]! }]
]

for (const crashed of [false, true]) {
  for (const [what, damage] of damages) {
    t.test(`${what} (${crashed ? 'unclean' : 'clean'} start): rebuilt from the log, reads unchanged`, async t => {
      const cap = capture()
      const b = await withBroker(t, { logger: cap.logger })
      await b.current.broker.core.topics.create('t', 1, { 'segment.bytes': '6000', 'index.interval.bytes': '500' })
      const c = await RawClient.connect(b.port)
      for (let i = 0; i < 120; i++) {
        const r = await produce(c, 't', 0, [{ key: `k${i}`, value: `v${i}`.padEnd(150, '.'), timestamp: T0 + i * 1000 }, { key: `j${i}`, value: 'x', timestamp: T0 + i * 1000 + 500 }])
        if (r.errorCode !== 0) t.fail('produce failed')
      }
      c.close()
      const dir = join(b.dataDir, 't-0')
      const before = await fetchRecords(b.port, 't', 0, 0)
      await b.current.close()
      const files = readdirSync(dir).filter(f => f.endsWith('index')).sort()
      const saved = new Map(files.map(f => [f, readFileSync(join(dir, f))]))
      const segs = readdirSync(dir).filter(f => f.endsWith('.log')).sort().map(f => f.slice(0, 20))
      t.ok(segs.length >= 4, `${segs.length} segments`)
      const damaged = damage(dir, segs)
      if (crashed) rmSync(join(b.dataDir, CLEAN_SHUTDOWN_FILE))
      await b.restart({ logger: cap.logger })
      t.ok(cap.warnings().some(w => w.startsWith('rebuilding indexes of') && w.includes(damaged)), `a WARN names the rebuilt segment ${damaged}`)
      for (const f of files) {
        // the active segment's index on disk may lag its in-memory one until the next roll or close
        if (f.startsWith(segs[segs.length - 1]!)) continue
        t.ok(readFileSync(join(dir, f)).equals(saved.get(f)!), `${f} rebuilt byte for byte`)
      }
      const after = await fetchRecords(b.port, 't', 0, 0)
      t.same(after.records.map(r => [r.offset, r.valueString]), before.records.map(r => [r.offset, r.valueString]), 'every record reads back')
      const c2 = await RawClient.connect(b.port)
      t.teardown(() => c2.close())
      for (const offset of [0, 37, 101, 150, 239]) {
        const f = await fetchPartition(c2, 't', 0, offset, { partitionMaxBytes: 1 })
        const first = [...after.batches].find(x => x.readBigInt64BE(0) <= BigInt(offset) && x.readBigInt64BE(0) + BigInt(x.readInt32BE(23)) >= BigInt(offset))
        t.ok(Buffer.isBuffer(f.records) ? f.records.subarray(0, 8).equals(first!.subarray(0, 8)) : f.records[0].subarray(0, 8).equals(first!.subarray(0, 8)), `fetch at ${offset} starts with the batch holding it`)
      }
      for (const [ts, offset] of [[T0, 0], [T0 + 500, 1], [T0 + 45_000, 90], [T0 + 45_001, 91], [T0 + 200_000, -1]] as const) {
        const l = (await c2.request(2, 7, listOffsetsBody('t', 0, ts))).topics[0].partitions[0]
        t.equal(Number(l.offset), offset, `ListOffsets by time ${ts - T0} -> ${offset}`)
      }
      t.equal((await produce(c2, 't', 0, [{ key: 'n', value: 'next' }])).baseOffset, 240n, 'appends continue')
    })
  }
}
