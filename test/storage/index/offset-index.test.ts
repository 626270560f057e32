import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OffsetIndex } from '../../../src/storage/index/offset-index.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-oidx-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function rand (n: number): number { return Math.floor(Math.random() * n) }

t.test('lookups agree with an in-memory model on random data', async t => {
  for (let round = 0; round < 20; round++) {
    const base = rand(1000) * 1000
    const idx = new OffsetIndex('/nonexistent/x.index', base, 10 * 1024 * 1024)
    const model: Array<[number, number]> = []
    let off = base
    let pos = 0
    const n = rand(500)
    for (let i = 0; i < n; i++) {
      off += 1 + rand(50)
      pos += rand(5000)
      idx.append(off, pos)
      model.push([off, pos])
    }
    for (let q = 0; q < 300; q++) {
      const target = base - 10 + rand(off - base + 100)
      let expect = { offset: base, position: 0 }
      for (const [o, p] of model) if (o <= target) expect = { offset: o, position: p }
      const got = idx.lookup(target)
      if (got.offset !== expect.offset || got.position !== expect.position) {
        t.fail(`lookup(${target}) = ${JSON.stringify(got)}, model says ${JSON.stringify(expect)}`)
        return
      }
    }
  }
  t.pass('6000 random lookups match the model')
})

t.test('entries are 8 bytes big-endian and survive write + load', async t => {
  const dir = tmp(t)
  const file = join(dir, '00000000000000000100.index')
  const idx = new OffsetIndex(file, 100, 1024)
  idx.append(105, 4200)
  idx.append(110, 9000)
  await idx.writeTo()
  t.equal(statSync(file).size, 16, 'trimmed to the entry count')
  const raw = readFileSync(file)
  t.same([raw.readInt32BE(0), raw.readInt32BE(4), raw.readInt32BE(8), raw.readInt32BE(12)], [5, 4200, 10, 9000])
  const again = new OffsetIndex(file, 100, 1024)
  t.equal(await again.load(), null)
  t.equal(again.entries, 2)
  t.same(again.lookup(107), { offset: 105, position: 4200 })
  t.same(again.lookup(99), { offset: 100, position: 0 })
  t.same(again.lastEntry(), { offset: 110, position: 9000 })
})

t.test('append refuses out-of-order entries and a full index', async t => {
  const idx = new OffsetIndex('/x/0.index', 0, 16)
  idx.append(5, 100)
  t.throws(() => idx.append(5, 200), /must be larger than the last entry's 5/)
  t.throws(() => idx.append(6, 50), /position 50 must be >= the last entry's 100/)
  idx.append(6, 100)
  t.ok(idx.isFull())
  t.throws(() => idx.append(7, 300), /is full/)
  t.throws(() => new OffsetIndex('/x/0.index', 10, 16).append(5, 0), /outside/)
})

t.test('truncateTo removes entries at or past an offset', async t => {
  const idx = new OffsetIndex('/x/0.index', 0, 1024)
  for (let i = 1; i <= 10; i++) idx.append(i * 10, i * 100)
  idx.truncateTo(55)
  t.equal(idx.entries, 5)
  t.same(idx.lastEntry(), { offset: 50, position: 500 })
  idx.truncateTo(50)
  t.equal(idx.entries, 4)
  idx.truncateToPosition(300)
  t.same(idx.lastEntry(), { offset: 20, position: 200 })
})

t.test('corrupt files are reported', async t => {
  const dir = tmp(t)
  const file = join(dir, '0.index')
  writeFileSync(file, Buffer.alloc(12))
  t.match(await new OffsetIndex(file, 0, 1024).load(), /not a multiple of the entry size 8/)
  const bad = Buffer.alloc(16)
  bad.writeInt32BE(10, 0); bad.writeInt32BE(5, 8)
  writeFileSync(file, bad)
  t.match(await new OffsetIndex(file, 0, 1024).load(), /relative offset 5, expected > 10/)
  t.match(await new OffsetIndex(join(dir, 'missing.index'), 0, 1024).load(), /missing/)
})
