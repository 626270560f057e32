// open-files.ts: the LRU of segment fds. Idle files are closed least recently used first once more than the
// limit are open; a file in use (acquired) is never closed under its user; an evicted file reopens on demand
// and reads the same bytes; close() waits for the users and always releases the fd; a renamed file reopens
// under its new name.
import t from 'tap'
import { mkdtempSync, readSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OpenFiles, SegmentFile, effectiveOpenFilesLimit } from '../../src/storage/open-files.js'

function files (t: { teardown: (fn: () => void) => void }, n: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-open-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return Array.from({ length: n }, (_, i) => {
    const p = join(dir, `${i}.log`)
    writeFileSync(p, `file ${i}`)
    return p
  })
}

function fdsOn (path: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try { if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++ } catch {}
  }
  return n
}

function readAll (fd: number): string {
  const b = Buffer.alloc(64)
  return b.subarray(0, readSync(fd, b, 0, 64, 0)).toString()
}

t.test('idle files beyond the limit are closed least recently used first, and reopen on demand', async t => {
  const paths = files(t, 5)
  const cache = new OpenFiles(2)
  const segs = paths.map(p => new SegmentFile(p, -1, cache))
  for (const s of segs) {
    const fd = await s.acquire()
    t.match(readAll(fd), /^file \d$/)
    s.release()
  }
  t.equal(cache.openCount, 2, 'two fds kept')
  t.same(segs.map(s => s.isOpen), [false, false, false, true, true], 'the most recently used ones')
  t.same(paths.map(fdsOn), [0, 0, 0, 1, 1], 'and the process holds exactly those')
  const fd = await segs[0]!.acquire()
  t.equal(readAll(fd), 'file 0', 'an evicted file reopens with the same bytes')
  segs[0]!.release()
  t.same(segs.map(s => s.isOpen), [true, false, false, false, true], 'the least recently used (3) made room')
})

t.test('a file in use is never evicted; the cache shrinks back as users leave', async t => {
  const paths = files(t, 3)
  const cache = new OpenFiles(1)
  const segs = paths.map(p => new SegmentFile(p, -1, cache))
  const fds = await Promise.all(segs.map(async s => await s.acquire()))
  t.equal(cache.openCount, 3, 'over the limit while all three are in use')
  t.same(fds.map(readAll), ['file 0', 'file 1', 'file 2'], 'each fd still reads its own file')
  segs[0]!.release()
  segs[1]!.release()
  t.equal(cache.openCount, 1, 'idle ones closed at once')
  t.ok(segs[2]!.isOpen, 'the busy one kept')
  segs[2]!.release()
  t.equal(cache.openCount, 1)
})

t.test('concurrent acquires of a closed file share one open', async t => {
  const [p] = files(t, 1)
  const cache = new OpenFiles(4)
  const s = new SegmentFile(p!, -1, cache)
  const [a, b] = await Promise.all([s.acquire(), s.acquire()])
  t.equal(a, b)
  t.equal(cache.opens, 1)
  t.equal(fdsOn(p!), 1)
  s.release()
  s.release()
})

t.test('close waits for users, releases the fd, refuses later acquires; a rename moves later opens', async t => {
  const [p, q] = files(t, 2)
  const cache = new OpenFiles(4)
  const s = new SegmentFile(p!, -1, cache)
  await s.acquire()
  let closed = false
  const closing = s.close().then(() => { closed = true })
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(closed, 'close waits for the user')
  s.release()
  await closing
  t.equal(fdsOn(p!), 0, 'fd closed')
  t.equal(cache.openCount, 0)
  await t.rejects(s.acquire(), /is closed/)

  const r = new SegmentFile(q!, -1, cache)
  await r.acquire()
  renameSync(q!, q! + '.deleted')
  r.rename(q! + '.deleted')
  r.release()
  cache.limit = 0
  cache.trim()
  t.notOk(r.isOpen, 'evicted')
  t.equal(readAll(await r.acquire()), 'file 1', 'reopened under the new name')
  r.release()
  await r.close()
})

t.test('a failed open is reported with the path and leaves nothing counted', async t => {
  const [p] = files(t, 1)
  const cache = new OpenFiles(4)
  const s = new SegmentFile(p! + '.missing', -1, cache)
  await t.rejects(s.acquire(), { code: 'ENOENT', message: /opening segment file .*\.missing failed/ })
  t.equal(s.users, 0)
  t.equal(cache.openCount, 0)
  await s.close()
})

t.test('the limit is lowered to half of the process fd limit', async t => {
  const share = effectiveOpenFilesLimit(Number.MAX_SAFE_INTEGER)
  t.ok(share > 0 && share < Number.MAX_SAFE_INTEGER, `half of ulimit -n: ${share}`)
  t.equal(effectiveOpenFilesLimit(7), 7, 'a smaller configured value is kept')
})
