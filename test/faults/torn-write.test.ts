// A torn write (half a batch) and random garbage appended to the active segment: at the next start the segment
// is truncated to its last valid batch, with a WARN naming the file, the position and the bytes removed; every
// record written before is read back and appends continue at the next offset. After a crash (no clean-shutdown
// marker) and after a clean stop alike.
import t from 'tap'
import { appendFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { CLEAN_SHUTDOWN_FILE } from '../../src/storage/log-file-names.js'
import { produce } from '../helpers/wire.js'

function capture (): { logger: Logger, lines: () => Array<Record<string, any>> } {
  const out: string[] = []
  const logger = pino({ level: 'warn' }, { write: (l: string) => { out.push(l) } })
  return { logger, lines: () => out.map(l => JSON.parse(l) as Record<string, any>) }
}

function activeSegment (dir: string): string {
  const logs = readdirSync(dir).filter(f => f.endsWith('.log')).sort()
  return join(dir, logs[logs.length - 1]!)
}

const damages: Array<[string, () => Buffer]> = [
  ['a torn write (the first 40 bytes of a batch)', () => buildRecordBatch([{ key: 'torn', value: 'x'.repeat(300) }]).subarray(0, 40)],
  ['a torn write (a batch missing its last byte)', () => { const b = buildRecordBatch([{ key: 'torn', value: 'x'.repeat(300) }]); return b.subarray(0, b.length - 1) }],
  ['random garbage (4 KiB)', () => randomBytes(4096)],
  ['a whole batch with a bad CRC', () => { const b = buildRecordBatch([{ key: 'bad', value: 'y'.repeat(100) }]); b[b.length - 1] ^= 0xff; return b }]
]

for (const crashed of [true, false]) {
  for (const [what, make] of damages) {
    t.test(`${what} appended to the active segment, ${crashed ? 'after a crash' : 'after a clean stop'}: truncated to the last valid batch`, async t => {
      const cap = capture()
      const b = await withBroker(t, { logger: cap.logger })
      await b.current.broker.core.topics.create('t', 1, { 'segment.bytes': '4096' })
      const c = await RawClient.connect(b.port)
      const written: string[] = []
      for (let i = 0; i < 30; i++) {
        const r = await produce(c, 't', 0, [{ key: `k${i}`, value: `v${i}`.padEnd(100, '.') }])
        t.equal(r.errorCode, 0) || t.bailout()
        written.push(`v${i}`.padEnd(100, '.'))
      }
      c.close()
      await b.current.close()
      const dir = join(b.dataDir, 't-0')
      const file = activeSegment(dir)
      const sizeBefore = statSync(file).size
      if (crashed) rmSync(join(b.dataDir, CLEAN_SHUTDOWN_FILE))
      appendFileSync(file, make())
      await b.restart({ logger: cap.logger })
      t.equal(statSync(file).size, sizeBefore, `${file.split('/').pop()!} is back to its ${sizeBefore} valid bytes`)
      const warn = cap.lines().find(l => l.level === 40 && typeof l.msg === 'string' && l.msg.startsWith('truncating'))
      t.ok(warn !== undefined, 'a WARN says so')
      t.match(warn, { file, position: sizeBefore }, 'naming the file and the position')
      t.ok(warn!.bytesRemoved > 0, `and the bytes removed (${warn!.bytesRemoved as number})`)
      t.same((await fetchRecords(b.port, 't', 0, 0)).records.map(r => r.valueString), written, 'every record written before is read back')
      const c2 = await RawClient.connect(b.port)
      t.teardown(() => c2.close())
      const r = await produce(c2, 't', 0, [{ key: 'after', value: 'after' }])
      t.same([r.errorCode, r.baseOffset], [0, 30n], 'appends continue at the next offset')
      t.ok(existsSync(file))
    })
  }
}
