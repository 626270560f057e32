// Fetch read-ahead (src/core/fetch-readahead.ts): a sequential consumer's next stretch is read while it works
// through the previous one. The answers must be exactly what fetches without read-ahead return: every record
// once and in order, and a fetch that does not continue where the last one ended (another offset, another
// budget, a lower bound such as a read_committed LSO) is served by its own read.
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchPartition, produce } from '../helpers/wire.js'
import { iterateBatches, iterateRecords } from '../../src/protocol/records/record.js'

const BUDGET = 512 * 1024

function values (records: Buffer[] | Buffer | null): Array<[number, string]> {
  const out: Array<[number, string]> = []
  const chunks = records === null ? [] : Array.isArray(records) ? records : [records]
  for (const chunk of chunks) {
    for (const b of iterateBatches(chunk)) {
      for (const r of iterateRecords(chunk, b.pos)) out.push([r.offset, r.value!.toString()])
    }
  }
  return out
}

async function fill (c: RawClient, topic: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    await produce(c, topic, 0, Array.from({ length: 100 }, (_, j) => ({ value: `v${i + j}-${'x'.repeat(1000)}` })))
  }
}

t.test('a sequential reader gets every record once, in order, mostly from read-ahead', async t => {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('ra', 1, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await fill(c, 'ra', 4000)
  const ahead = b.current.broker.core.readAhead
  const got: Array<[number, string]> = []
  let offset = 0
  let fetches = 0
  while (offset < 4000 && fetches < 100) {
    const p = await fetchPartition(c, 'ra', 0, offset, { partitionMaxBytes: BUDGET, maxBytes: 64 * 1024 * 1024 })
    const vs = values(p.records)
    t.ok(vs.length > 0, `fetch ${fetches} from ${offset} returns records`)
    got.push(...vs.filter(([o]) => o >= offset))
    offset = vs[vs.length - 1]![0] + 1
    fetches++
  }
  t.equal(got.length, 4000, 'all 4000 records')
  t.ok(got.every(([o, v], i) => o === i && v.startsWith(`v${i}-`)), 'each once, in offset order, with its value')
  t.ok(ahead.taken >= fetches - 2, `read-ahead served ${ahead.taken} of ${fetches} fetches (${ahead.started} started)`)
})

t.test('fetches that do not continue the last one are answered by their own read', async t => {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('rb', 1, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await fill(c, 'rb', 2000)
  const first = values((await fetchPartition(c, 'rb', 0, 0, { partitionMaxBytes: BUDGET })).records)
  const next = first[first.length - 1]![0] + 1
  const before = b.current.broker.core.readAhead.taken
  // a seek back to 7, then the continuation with another budget: neither may take the read-ahead
  const seek = values((await fetchPartition(c, 'rb', 0, 7, { partitionMaxBytes: BUDGET })).records).filter(([o]) => o >= 7)
  t.equal(seek[0]![0], 7, 'a seek back is answered from offset 7')
  const other = values((await fetchPartition(c, 'rb', 0, next, { partitionMaxBytes: BUDGET * 2 })).records).filter(([o]) => o >= next)
  t.equal(other[0]![0], next, `a different budget is answered from ${next}`)
  t.ok(other.length > seek.length, 'with its own (larger) budget')
  t.equal(b.current.broker.core.readAhead.taken, before, 'no read-ahead was taken by a non-matching fetch')
})

t.test('a read_committed fetch whose LSO is below the read-ahead bound does not take it', async t => {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('rc', 1, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await fill(c, 'rc', 2000)
  const log = b.current.broker.core.topics.log('rc', 0)!
  const first = values((await fetchPartition(c, 'rc', 0, 0, { partitionMaxBytes: BUDGET })).records)
  const next = first[first.length - 1]![0] + 1
  // pretend a transaction opened right after `next`: the LSO drops below the HW the read-ahead read to
  Object.defineProperty(log, 'lastStableOffset', { configurable: true, get: () => next + 200 })
  t.teardown(() => { Reflect.deleteProperty(log, 'lastStableOffset') })
  const before = b.current.broker.core.readAhead.taken
  const rc = values((await fetchPartition(c, 'rc', 0, next, { partitionMaxBytes: BUDGET, isolationLevel: 1 })).records)
  t.equal(b.current.broker.core.readAhead.taken, before, 'not taken')
  t.same(rc.map(([o]) => o), Array.from({ length: 200 }, (_, i) => next + i), `read_committed returns exactly the two batches below the LSO ${next + 200}`)
})
