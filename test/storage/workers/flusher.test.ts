import t from 'tap'
import { openSync, writeSync, closeSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Flusher } from '../../../src/storage/workers/flusher.js'
import { silentLogger } from '../../../src/logger.js'

t.test('sync runs fdatasync in the worker pool', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-flusher-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fd = openSync(join(dir, 'f'), 'w')
  writeSync(fd, Buffer.from('hello'))
  const f = new Flusher({ mode: 'always', logger: silentLogger })
  await f.sync(fd)
  t.equal(f.syncCount, 1)
  await f.close()
  closeSync(fd)
})

t.test('group commit: callers arriving during a sync share the next one', async t => {
  const gates: Array<() => void> = []
  const f = new Flusher({ mode: 'always', logger: silentLogger, syncImpl: async () => { await new Promise<void>(resolve => gates.push(resolve)) } })
  const first = f.sync(3)
  t.equal(f.syncCount, 1)
  const waiting = Array.from({ length: 10 }, () => f.sync(3))
  t.equal(f.syncCount, 1, 'no new fdatasync while one runs')
  let settled = 0
  for (const w of waiting) void w.then(() => settled++)
  gates.shift()!()
  await first
  await new Promise(resolve => setImmediate(resolve))
  t.equal(settled, 0, 'the later callers are not covered by the sync that started before them')
  t.equal(f.syncCount, 2, 'one more fdatasync for all ten')
  gates.shift()!()
  await Promise.all(waiting)
  t.equal(settled, 10)
  // different fds sync independently
  const a = f.sync(4)
  const b = f.sync(5)
  t.equal(f.syncCount, 4)
  gates.shift()!(); gates.shift()!()
  await Promise.all([a, b])
  await f.close()
})

t.test('a failed fdatasync rejects every caller of that round', async t => {
  const f = new Flusher({ mode: 'always', logger: silentLogger, syncImpl: async () => { throw new Error('EIO') } })
  await t.rejects(Promise.all([f.sync(7), f.sync(7)]), /EIO/)
  await f.close()
  await t.rejects(f.sync(7), /flusher closed/)
})

t.test("mode 'never' resolves at once without threads", async t => {
  const f = new Flusher({ mode: 'never', logger: silentLogger })
  await f.sync(123456)
  t.equal(f.syncCount, 0)
  await f.close()
})
