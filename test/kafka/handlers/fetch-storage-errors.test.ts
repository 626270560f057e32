// A storage error while a Fetch reads a partition answers that partition with Kafka's code (CORRUPT_MESSAGE for a
// corrupt batch in the segment, KAFKA_STORAGE_ERROR for an I/O error such as EIO) and unknown offsets (-1), as
// Kafka's ReplicaManager.readFromLocalLog does; the other partitions of the request are answered with their
// records and the connection stays open for the next request.
import t from 'tap'
import { openSync, writeSync, closeSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { iterateBatches } from '../../../src/protocol/records/record.js'
import { BATCH_LENGTH_OFFSET } from '../../../src/protocol/records/batch-header.js'
import { fetchBody, metadataBody, produce } from '../../helpers/wire.js'

/** A Fetch of partitions 0 and 1 of `topic` from offset 0. */
function fetchBoth (topic: string): any {
  const body = fetchBody(topic, 0, 0)
  const p0 = body.topics[0].partitions[0]
  body.topics[0].partitions.push({ ...p0, partition: 1 })
  return body
}

function offsetsOf (records: Buffer | Buffer[] | null): number[] {
  const out: number[] = []
  for (const buf of records === null ? [] : Array.isArray(records) ? records : [records]) {
    for (const b of iterateBatches(buf)) out.push(Number(b.header.baseOffset))
  }
  return out
}

/** A broker with topic t (2 partitions, 3 batches each), the client used to fill it. */
async function filled (t: any): Promise<{ b: TestBroker, c: RawClient }> {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('t', 2, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  for (let i = 0; i < 3; i++) {
    for (const p of [0, 1]) {
      const r = await produce(c, 't', p, [{ key: `k${i}`, value: `v${i}` }])
      if (r.errorCode !== 0) throw new Error(`produce to t-${p} failed: ${r.errorCode as number}`)
    }
  }
  return { b, c }
}

for (const version of [4, 11, 12]) {
  t.test(`Fetch v${version}: a corrupt batch answers its partition with CORRUPT_MESSAGE, the others with records, the connection stays open`, async t => {
    const { b, c } = await filled(t)
    // batchLength 0 in the first batch of t-0's segment file, under the running broker: not a batch where one
    // is expected (reads go to the file, so the next Fetch meets it)
    const dir = join(b.dataDir, 't-0')
    const segment = readdirSync(dir).filter(f => f.endsWith('.log')).sort()[0]!
    const fd = openSync(join(dir, segment), 'r+')
    writeSync(fd, Buffer.alloc(4), 0, 4, BATCH_LENGTH_OFFSET)
    closeSync(fd)

    const res = await c.request(1, version, fetchBoth('t'))
    t.equal(res.errorCode, ErrorCode.NONE, 'the request itself succeeds')
    const [p0, p1] = res.responses[0].partitions
    t.equal(p0.partitionIndex, 0, 'partition 0 first')
    t.equal(p0.errorCode, ErrorCode.CORRUPT_MESSAGE, 't-0: CORRUPT_MESSAGE')
    t.equal(p0.highWatermark, -1n, 't-0: high watermark unknown, as Kafka')
    t.same(offsetsOf(p0.records), [], 't-0: no records')
    t.equal(p1.errorCode, ErrorCode.NONE, 't-1: answered')
    t.same(offsetsOf(p1.records), [0, 1, 2], 't-1: its records')

    const again = await c.request(3, 9, metadataBody(['t']))
    t.equal(again.topics[0].errorCode, ErrorCode.NONE, 'the same connection answers the next request')
    const fetched = await c.request(1, version, fetchBoth('t'))
    t.same(offsetsOf(fetched.responses[0].partitions[1].records), [0, 1, 2], 'and the next Fetch')
  })
}

t.test('an I/O error (EIO) while reading answers KAFKA_STORAGE_ERROR for that partition only; the connection stays open', async t => {
  const { b, c } = await filled(t)
  const log = b.current.broker.core.topics.log('t', 1)!
  const read = log.read.bind(log)
  let failing = true
  log.read = async (...args) => {
    if (failing) throw Object.assign(new Error(`EIO: i/o error, read ${log.name}`), { errno: -5, code: 'EIO', syscall: 'read' })
    return await read(...args)
  }
  const res = await c.request(1, 11, fetchBoth('t'))
  const [p0, p1] = res.responses[0].partitions
  t.equal(p0.errorCode, ErrorCode.NONE, 't-0: answered')
  t.same(offsetsOf(p0.records), [0, 1, 2], 't-0: its records')
  t.equal(p1.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 't-1: KAFKA_STORAGE_ERROR')
  t.equal(p1.highWatermark, -1n, 't-1: high watermark unknown')
  t.equal(p1.logStartOffset, -1n, 't-1: log start offset unknown')
  failing = false
  const next = await c.request(1, 11, fetchBoth('t'))
  t.same(next.responses[0].partitions.map((p: any) => [p.errorCode, offsetsOf(p.records)]), [[0, [0, 1, 2]], [0, [0, 1, 2]]],
    'the same connection reads both partitions once the disk answers again')
})
