import t from 'tap'
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TimeIndex } from '../../../src/storage/index/time-index.js'

function rand (n: number): number { return Math.floor(Math.random() * n) }

t.test('lookups agree with an in-memory model on random data', async t => {
  for (let round = 0; round < 20; round++) {
    const base = rand(1000)
    const idx = new TimeIndex('/x/0.timeindex', base, 10 * 1024 * 1024)
    const model: Array<[number, number]> = []
    let off = base
    let ts = 1_700_000_000_000 + rand(1000)
    for (let i = 0; i < rand(400); i++) {
      off += rand(20)
      ts += rand(3) === 0 ? 0 : rand(1000) // equal timestamps are skipped by maybeAppend
      idx.maybeAppend(ts, off)
      const last = model[model.length - 1]
      if (last === undefined || ts > last[0]) model.push([ts, off])
    }
    t.equal(idx.entries, model.length, 'appended only when the timestamp grew')
    for (let q = 0; q < 200; q++) {
      const target = 1_700_000_000_000 - 10 + rand(ts - 1_700_000_000_000 + 2000)
      let expect = { timestamp: -1, offset: base }
      for (const [tt, o] of model) if (tt <= target) expect = { timestamp: tt, offset: o }
      const got = idx.lookup(target)
      if (got.timestamp !== expect.timestamp || got.offset !== expect.offset) {
        t.fail(`lookup(${target}) = ${JSON.stringify(got)}, model says ${JSON.stringify(expect)}`)
        return
      }
    }
  }
})

t.test('entries are 12 bytes (int64 timestamp, int32 relative offset) and round-trip through the file', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tidx-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, '00000000000000000050.timeindex')
  const idx = new TimeIndex(file, 50, 1024)
  idx.maybeAppend(1000, 55)
  idx.maybeAppend(999, 56) // smaller timestamp: ignored
  idx.maybeAppend(2000, 60)
  await idx.writeTo()
  t.equal(statSync(file).size, 24)
  const raw = readFileSync(file)
  t.same([Number(raw.readBigInt64BE(0)), raw.readInt32BE(8), Number(raw.readBigInt64BE(12)), raw.readInt32BE(20)], [1000, 5, 2000, 10])
  const again = new TimeIndex(file, 50, 1024)
  t.equal(await again.load(), null)
  t.same(again.lookup(1500), { timestamp: 1000, offset: 55 })
  t.same(again.lookup(5), { timestamp: -1, offset: 50 })
  t.same(again.lastEntry(), { timestamp: 2000, offset: 60 })
  t.throws(() => again.maybeAppend(3000, 59), /below the last entry's 60/)
  again.truncateTo(60)
  t.same(again.lastEntry(), { timestamp: 1000, offset: 55 })
})

t.test('full index refuses appends unless skipFullCheck', async t => {
  const idx = new TimeIndex('/x/0.timeindex', 0, 24)
  idx.maybeAppend(1, 1)
  idx.maybeAppend(2, 2)
  t.ok(idx.isFull())
  t.throws(() => idx.maybeAppend(3, 3), /full/)
  idx.maybeAppend(3, 3, true)
  t.equal(idx.entries, 3)
})
