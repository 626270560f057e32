// The background scrubber (log.scrubber.*): finds a flipped byte in a closed segment nobody reads, logs it at
// ERROR once with the file and position, and marks it so that fetches reaching it answer CORRUPT_MESSAGE even
// with the fetch path's own CRC check off (log.fetch.check.crcs=false); a clean log passes with no damage.
// verifySegment (the walk the scrubber and `dump-log --verify` share) on hand-damaged copies: a flipped byte,
// an offset going backwards, a file cut in half.
import t from 'tap'
import { closeSync, openSync, readFileSync, readSync, readdirSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { withBroker, type TestBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchPartition, produce } from '../helpers/wire.js'
import { BatchCursor } from '../../src/protocol/records/batch-cursor.js'
import { verifySegment } from '../../src/storage/scrubber/verify-segment.js'

interface Line { level: number, msg: string, file?: string, position?: number, reason?: string, segments?: number, damaged?: number }

function capture (): { logger: Logger, lines: () => Line[] } {
  const out: string[] = []
  const logger = pino({ level: 'info' }, { write: (l: string) => { out.push(l) } })
  return { logger, lines: () => out.map(l => JSON.parse(l) as Line) }
}

function batchesOf (file: string): Array<[number, number, number]> {
  const c = new BatchCursor().reset(readFileSync(file))
  const out: Array<[number, number, number]> = []
  while (c.next()) out.push([c.position, c.baseOffset, c.lastOffset])
  return out
}

function flipByteIn (file: string, position: number): void {
  const fd = openSync(file, 'r+')
  try {
    const head = Buffer.alloc(200)
    readSync(fd, head, 0, head.length, position)
    writeSync(fd, Buffer.from(','), 0, 1, position + head.indexOf('....', 61))
  } finally {
    closeSync(fd)
  }
}

async function filledLog (t: { teardown: (fn: () => unknown) => void }, logger: Logger): Promise<{ b: TestBroker, dir: string, segs: string[] }> {
  const b = await withBroker(t, { logger })
  await b.current.broker.core.topics.create('s', 1, { 'segment.bytes': '3000', 'index.interval.bytes': '400' })
  const c = await RawClient.connect(b.port)
  for (let i = 0; i < 40; i++) await produce(c, 's', 0, [{ key: `k${i}`, value: `v${i}`.padEnd(120, '.') }, { value: `w${i}`.padEnd(120, '.') }])
  c.close()
  await b.current.close()
  const dir = join(b.dataDir, 's-0')
  return { b, dir, segs: readdirSync(dir).filter(f => f.endsWith('.log')).sort() }
}

const SCRUB = { 'log.scrubber.enable': 'true', 'log.scrubber.interval.ms': '50', 'log.scrubber.bytes.per.second': String(64 * 1024 * 1024) }

async function until (what: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !what(); i++) await new Promise(resolve => setTimeout(resolve, 50))
  return what()
}

t.test('the scrubber finds a flipped byte in a closed segment, logs it once, and fetches of it answer CORRUPT_MESSAGE', async t => {
  const cap = capture()
  const { b, dir, segs } = await filledLog(t, cap.logger)
  t.ok(segs.length >= 3, `${segs.length} segments`)
  const file = join(dir, segs[1]!)
  const [badPos, badBase, badLast] = batchesOf(file)[2]!
  flipByteIn(file, badPos)

  await b.restart({ logger: cap.logger, config: { ...SCRUB, 'log.fetch.check.crcs': 'false' } })
  const errors = (): Line[] => cap.lines().filter(l => l.level === 50)
  t.ok(await until(() => errors().length > 0), 'an ERROR line within 10 s')
  t.equal(errors()[0]?.file, file, 'naming the file')
  t.equal(errors()[0]?.position, badPos, 'and the position')
  t.match(errors()[0]?.reason, /CRC32C mismatch/, 'and what is wrong')
  t.ok(await until(() => (b.current.broker.core.scrubber?.passes ?? 0) >= 2), 'two passes done')
  t.equal(errors().length, 1, 'logged once, not once per pass')
  const pass = cap.lines().find(l => l.msg.startsWith('log scrubber pass'))
  t.equal(pass?.damaged, 1, 'the pass summary counts one damaged batch')

  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const p = await fetchPartition(c, 's', 0, badBase)
  t.equal(p.errorCode, 2, 'a fetch of the damaged batch answers CORRUPT_MESSAGE (the fetch path does not check CRCs here: the mark does)')
  const after = await fetchPartition(c, 's', 0, badLast + 1)
  t.equal(after.errorCode, 0, 'the offsets after it are served')
})

t.test('a clean log: passes find nothing', async t => {
  const cap = capture()
  const { b } = await filledLog(t, cap.logger)
  await b.restart({ logger: cap.logger, config: SCRUB })
  t.ok(await until(() => (b.current.broker.core.scrubber?.passes ?? 0) >= 1), 'a pass done')
  const pass = cap.lines().find(l => l.msg.startsWith('log scrubber pass'))
  t.ok((pass?.segments ?? 0) >= 2, `${pass?.segments} closed segments verified`)
  t.equal(pass?.damaged, 0)
  t.equal(cap.lines().filter(l => l.level >= 50).length, 0, 'no ERROR')
})

t.test('off by default', async t => {
  const cap = capture()
  const { b } = await filledLog(t, cap.logger)
  await b.restart({ logger: cap.logger })
  t.equal(b.current.broker.core.scrubber, null)
})

t.test('verifySegment: a flipped byte, offsets going backwards, a file cut in half', async t => {
  const { dir, segs } = await filledLog(t, capture().logger)
  const file = join(dir, segs[0]!)
  const size = readFileSync(file).length
  const base = Number(segs[0]!.slice(0, 20))
  const check = async (): Promise<Awaited<ReturnType<typeof verifySegment>>> => {
    const fd = openSync(file, 'r')
    try { return await verifySegment(fd, { baseOffset: base, size: readFileSync(file).length, upperBound: Number(segs[1]!.slice(0, 20)) }) } finally { closeSync(fd) }
  }
  let r = await check()
  t.same(r.problems, [], 'the segment as written is clean')
  t.equal(r.bytes, size)
  const batches = batchesOf(file)
  const original = readFileSync(file)

  flipByteIn(file, batches[1]![0])
  r = await check()
  t.same(r.problems.map(p => p.position), [batches[1]![0]], 'a flipped byte: that batch')
  t.match(r.problems[0]!.reason, /CRC32C mismatch/)

  writeFileSync(file, original)
  const bent = Buffer.from(original)
  bent.writeInt32BE(0, batches[2]![0] + 4) // the low half of baseOffset: outside the CRC
  writeFileSync(file, bent)
  r = await check()
  t.same(r.problems.map(p => p.position), [batches[2]![0]], 'a base offset going backwards: that batch')
  t.match(r.problems[0]!.reason, /base offset 0 does not follow/)

  writeFileSync(file, original)
  const cut = batches[Math.floor(batches.length / 2)]![0] + 30
  truncateSync(file, cut)
  r = await check()
  t.equal(r.problems.length, 1, 'a file cut in half: one problem')
  t.equal(r.problems[0]!.position, batches[Math.floor(batches.length / 2)]![0], 'at the batch cut through')
  t.match(r.problems[0]!.reason, /cannot be read as batches/)
})
