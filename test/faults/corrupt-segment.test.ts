// Damage inside a closed segment, found by the fetch path: a flipped byte in a record is never served. A raw
// Fetch of that partition gets CORRUPT_MESSAGE (the other partition of the same request is served), a fetch
// from before the damaged batch gets the good batches up to it, a kafkajs consumer gets the error and never
// the altered record, and the damage is logged at ERROR once (file and position), not once per fetch.
import t from 'tap'
import { closeSync, openSync, readFileSync, readdirSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { Kafka, logLevel } from 'kafkajs'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { ZERO_UUID, produce } from '../helpers/wire.js'
import { BatchCursor } from '../../src/protocol/records/batch-cursor.js'
import { iterateBatches, iterateRecords } from '../../src/protocol/records/record.js'

interface Line { level: number, msg: string, file?: string, position?: number, reason?: string }

function capture (): { logger: Logger, lines: () => Line[] } {
  const out: string[] = []
  const logger = pino({ level: 'warn' }, { write: (l: string) => { out.push(l) } })
  return { logger, lines: () => out.map(l => JSON.parse(l) as Line) }
}

/** A record value: `v<i>` padded with dots; the damage turns one dot into a comma. */
const value = (i: number): string => `v${i}`.padEnd(120, '.')

/** Batches of a segment file: [position, base offset, last offset]. */
function batchesOf (file: string): Array<[number, number, number]> {
  const c = new BatchCursor().reset(readFileSync(file))
  const out: Array<[number, number, number]> = []
  while (c.next()) out.push([c.position, c.baseOffset, c.lastOffset])
  return out
}

/** Flips one padding dot of the batch at `position` into a comma (inside a record value: covered by the CRC only). */
function flipByteIn (file: string, position: number): number {
  const fd = openSync(file, 'r+')
  try {
    const head = Buffer.alloc(200)
    readSync(fd, head, 0, head.length, position)
    const at = position + head.indexOf('....', 61)
    writeSync(fd, Buffer.from(','), 0, 1, at)
    return at
  } finally {
    closeSync(fd)
  }
}

function fetchBody (parts: Array<[string, number, number]>, maxBytes = 1024 * 1024): any {
  const topics = new Map<string, any[]>()
  for (const [topic, partition, offset] of parts) {
    if (!topics.has(topic)) topics.set(topic, [])
    topics.get(topic)!.push({ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes })
  }
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 64 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [...topics].map(([topic, partitions]) => ({ topic, topicId: ZERO_UUID, partitions })), forgottenTopicsData: [], rackId: ''
  }
}

function valuesIn (records: Buffer | Buffer[] | null): string[] {
  const bufs = records === null ? [] : Array.isArray(records) ? records : [records]
  const out: string[] = []
  for (const buf of bufs) {
    for (const b of iterateBatches(buf)) for (const r of iterateRecords(buf, b.pos)) out.push(r.value?.toString() ?? '')
  }
  return out
}

t.test('a flipped byte in a closed segment is never served: CORRUPT_MESSAGE for that partition, logged once', async t => {
  const cap = capture()
  const b = await withBroker(t, { logger: cap.logger })
  await b.current.broker.core.topics.create('t', 2, { 'segment.bytes': '3000', 'index.interval.bytes': '400' })
  const c = await RawClient.connect(b.port)
  for (let i = 0; i < 60; i++) {
    const r = await produce(c, 't', 0, [{ key: `k${i}`, value: value(2 * i) }, { key: `k${i}b`, value: value(2 * i + 1) }])
    if (r.errorCode !== 0) t.fail('produce failed')
  }
  for (let i = 0; i < 5; i++) await produce(c, 't', 1, [{ value: `p1-${i}` }])
  c.close()
  await b.current.close()
  const dir = join(b.dataDir, 't-0')
  const segs = readdirSync(dir).filter(f => f.endsWith('.log')).sort()
  t.ok(segs.length >= 3, `${segs.length} segments`)
  const file = join(dir, segs[1]!)
  const batches = batchesOf(file)
  const [badPos, badBase, badLast] = batches[3]!
  flipByteIn(file, badPos)

  await b.restart({ logger: cap.logger })
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())

  // the damaged batch's own offsets: that partition answers CORRUPT_MESSAGE, the other partition is served
  let res = await c2.request(1, 11, fetchBody([['t', 0, badBase + 1], ['t', 1, 0]]))
  const [p0, p1] = res.responses[0].partitions
  t.equal(p0.errorCode, 2, 'CORRUPT_MESSAGE for the damaged partition')
  t.same(valuesIn(p0.records), [], 'no bytes of it')
  t.equal(p1.errorCode, 0, 'the other partition of the same request is served')
  t.same(valuesIn(p1.records), ['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4'])

  // from the start of the segment: the good batches before the damaged one, then nothing
  res = await c2.request(1, 11, fetchBody([['t', 0, batches[0]![1]]]))
  const before = res.responses[0].partitions[0]
  t.equal(before.errorCode, 0, 'a fetch before the damage is answered')
  const got = valuesIn(before.records)
  t.same(got, Array.from({ length: badBase - batches[0]![1] }, (_, i) => value(batches[0]![1] + i)), 'exactly the records before the damaged batch')
  t.notOk(got.some(v => v.includes(',')), 'the altered record is not among them')

  // later offsets (the index skips the damaged batch) are served as before
  res = await c2.request(1, 11, fetchBody([['t', 0, badLast + 1]]))
  t.equal(res.responses[0].partitions[0].errorCode, 0)
  t.equal(valuesIn(res.responses[0].partitions[0].records)[0], value(badLast + 1), 'the batch after the damaged one reads')

  for (let i = 0; i < 3; i++) await c2.request(1, 4, fetchBody([['t', 0, badBase]]))
  const errors = cap.lines().filter(l => l.level === 50)
  t.equal(errors.length, 1, 'one ERROR line for any number of fetches')
  t.equal(errors[0]?.file, file, 'it names the file')
  t.equal(errors[0]?.position, badPos, 'and the position')
  t.match(errors[0]?.reason, /CRC32C mismatch/, 'and what is wrong')

  // kafkajs: consumes up to the damaged batch, then fails with CORRUPT_MESSAGE; never sees the altered record
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'corrupt-test', logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } })
  const consumer = kafka.consumer({ groupId: 'g', maxWaitTimeInMs: 100, retry: { retries: 1, initialRetryTime: 50 } })
  await consumer.connect()
  t.teardown(() => consumer.disconnect())
  await consumer.subscribe({ topic: 't', fromBeginning: true })
  const seen: string[] = []
  const crashed = new Promise<any>(resolve => consumer.on(consumer.events.CRASH, e => resolve(e.payload.error)))
  await consumer.run({ eachMessage: async ({ partition, message }) => { if (partition === 0) seen.push(String(message.value)) } })
  const err = await Promise.race([crashed, new Promise(resolve => setTimeout(() => resolve(null), 30_000))])
  t.ok(err !== null, 'the consumer fails')
  t.match(String(err), /failed its CRC checksum/, 'with CORRUPT_MESSAGE (kafkajs\' text for error code 2)')
  t.notOk(seen.some(v => v.includes(',')), 'it never received the altered record')
  t.ok(seen.every(v => Number(v.slice(1, v.indexOf('.'))) < badBase), 'nor anything at or past the damaged batch')
})
