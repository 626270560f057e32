// A segment cut in half while the broker was stopped: reported at start (ERROR naming the file and the offsets
// lost), and the lost offsets are never assigned again. A closed segment cut short: later offsets keep their
// numbers, a fetch into the hole moves on to the next segment, appends continue at the old log end. The last
// segment cut short: the log end offset stays where the indexes say it was, so the next append does not reuse
// an offset a consumer may already have seen.
import t from 'tap'
import { readFileSync, readdirSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { withBroker, type TestBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchPartition, produce } from '../helpers/wire.js'
import { BatchCursor } from '../../src/protocol/records/batch-cursor.js'
import { iterateBatches, iterateRecords } from '../../src/protocol/records/record.js'

const T0 = 1_700_000_000_000

interface Line { level: number, msg: string, file?: string, lostFrom?: number, lostTo?: number }

function capture (): { logger: Logger, lines: () => Line[] } {
  const out: string[] = []
  const logger = pino({ level: 'warn' }, { write: (l: string) => { out.push(l) } })
  return { logger, lines: () => out.map(l => JSON.parse(l) as Line) }
}

function batchesOf (file: string): Array<[number, number, number]> {
  const c = new BatchCursor().reset(readFileSync(file))
  const out: Array<[number, number, number]> = []
  while (c.next()) out.push([c.position, c.baseOffset, c.lastOffset])
  return out
}

function recordsIn (records: Buffer | Buffer[] | null): Array<[number, string]> {
  const bufs = records === null ? [] : Array.isArray(records) ? records : [records]
  const out: Array<[number, string]> = []
  for (const buf of bufs) for (const b of iterateBatches(buf)) for (const r of iterateRecords(buf, b.pos)) out.push([r.offset, r.value?.toString() ?? ''])
  return out
}

/** 40 batches of 2 records (offsets 0-79), ~270 bytes each, 3000-byte segments, increasing timestamps. */
async function filled (t: { teardown: (fn: () => unknown) => void }, logger: Logger): Promise<{ b: TestBroker, dir: string, segs: string[] }> {
  const b = await withBroker(t, { logger })
  await b.current.broker.core.topics.create('c', 1, { 'segment.bytes': '3000', 'index.interval.bytes': '400' })
  const c = await RawClient.connect(b.port)
  for (let i = 0; i < 40; i++) {
    await produce(c, 'c', 0, [{ key: `k${i}`, value: `v${2 * i}`.padEnd(100, '.'), timestamp: T0 + i * 1000 }, { value: `v${2 * i + 1}`.padEnd(100, '.'), timestamp: T0 + i * 1000 + 1 }])
  }
  c.close()
  await b.current.close()
  const dir = join(b.dataDir, 'c-0')
  return { b, dir, segs: readdirSync(dir).filter(f => f.endsWith('.log')).sort() }
}

t.test('a closed segment cut in half: ERROR naming the file and the offsets lost; later offsets keep their numbers', async t => {
  const cap = capture()
  const { b, dir, segs } = await filled(t, cap.logger)
  t.ok(segs.length >= 4, `${segs.length} segments`)
  const file = join(dir, segs[1]!)
  const batches = batchesOf(file)
  const [cutPos, lostFrom] = batches[Math.floor(batches.length / 2)]!
  const nextBase = Number(segs[2]!.slice(0, 20))
  truncateSync(file, cutPos + 40) // through the middle of a batch

  await b.restart({ logger: cap.logger })
  const errors = cap.lines().filter(l => l.level === 50)
  t.equal(errors.length, 1, 'one ERROR at start')
  t.equal(errors[0]?.file, file, 'naming the file')
  t.same([errors[0]?.lostFrom, errors[0]?.lostTo], [lostFrom, nextBase - 1], 'and the offsets lost')
  t.match(errors[0]?.msg, new RegExp(`offsets ${lostFrom} to ${nextBase - 1} are lost`))

  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const intoHole = await fetchPartition(c, 'c', 0, lostFrom)
  t.equal(intoHole.errorCode, 0, 'a fetch into the lost offsets is answered')
  t.equal(recordsIn(intoHole.records)[0]?.[0], nextBase, 'with the next batch that exists')
  t.same(recordsIn(intoHole.records)[0], [nextBase, `v${nextBase}`.padEnd(100, '.')], 'later offsets keep their numbers and values')
  const before = await fetchPartition(c, 'c', 0, 0)
  t.equal(recordsIn(before.records)[0]?.[0], 0, 'the first segment reads as before')
  t.equal(Number((await fetchPartition(c, 'c', 0, 0)).highWatermark), 80, 'the log end is unchanged')
  t.equal((await produce(c, 'c', 0, [{ value: 'next' }])).baseOffset, 80n, 'appends continue at the old log end')
})

t.test('the last segment cut in half: ERROR, and the log end offset does not go back (no offset reused)', async t => {
  const cap = capture()
  const { b, dir, segs } = await filled(t, cap.logger)
  const file = join(dir, segs[segs.length - 1]!)
  const batches = batchesOf(file)
  t.ok(batches.length >= 4, `${batches.length} batches in the last segment`)
  const [cutPos, lostFrom] = batches[Math.floor(batches.length / 2)]!
  truncateSync(file, cutPos + 40)

  await b.restart({ logger: cap.logger })
  const errors = cap.lines().filter(l => l.level === 50)
  t.equal(errors.length, 1, 'one ERROR at start')
  t.equal(errors[0]?.file, file, 'naming the file')
  t.same([errors[0]?.lostFrom, errors[0]?.lostTo], [lostFrom, 79], 'and the offsets lost')

  const c = await RawClient.connect(b.port)
  const p = await produce(c, 'c', 0, [{ value: 'after the damage' }])
  t.equal(p.baseOffset, 80n, 'the next append gets offset 80, not a lost offset again')
  const intoHole = await fetchPartition(c, 'c', 0, lostFrom)
  t.same(recordsIn(intoHole.records), [[80, 'after the damage']], 'a fetch into the lost offsets moves on to the next batch')
  c.close()
  await b.restart({ logger: cap.logger })
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  t.equal(Number((await fetchPartition(c2, 'c', 0, 0)).highWatermark), 81, 'after another restart the log end is 81')
})
