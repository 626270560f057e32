// FileBatches: the batch cursor over a file region through positional reads. The same batches as the buffer
// cursor across window (chunk) boundaries, async and sync, with views that outlive later reads when asked;
// stops at a truncated tail, a batchLength below the minimum and a bad CRC at the right file position.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { BatchCursor, CursorState } from '../../src/protocol/records/batch-cursor.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { FileBatches, type FileBatchesOptions } from '../../src/storage/file-batches.js'
import { pooledFreeBytes } from '../../src/storage/read-buffers.js'

interface Seen { position: number; size: number; baseOffset: number; lastOffset: number; maxTimestamp: number; bytes: string }

/** 40 batches of 1-5 records of varied sizes, offsets back to back. */
function batches (): Buffer {
  const out: Buffer[] = []
  let offset = 0
  for (let i = 0; i < 40; i++) {
    const n = 1 + (i % 5)
    out.push(buildRecordBatch(Array.from({ length: n }, (_, j) => ({ value: 'v'.repeat(10 + ((i * 37 + j * 11) % 300)), timestamp: 1000 + i * 10 + j })), { baseOffset: offset }))
    offset += n
  }
  return Buffer.concat(out)
}

function fileWith (t: any, bytes: Buffer): { fd: number; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-batches-'))
  const file = path.join(dir, '00000000000000000000.log')
  fs.writeFileSync(file, bytes)
  const fd = fs.openSync(file, 'r')
  t.teardown(() => { fs.closeSync(fd); fs.rmSync(dir, { recursive: true, force: true }) })
  return { fd, file }
}

function seen (c: BatchCursor, whole: boolean): Seen {
  return { position: c.position, size: c.size, baseOffset: c.baseOffset, lastOffset: c.lastOffset, maxTimestamp: c.maxTimestamp, bytes: whole ? c.batch().toString('hex') : '' }
}

function bufferWalk (buf: Buffer, whole: boolean, start = 0): { seen: Seen[]; state: CursorState; position: number } {
  const c = new BatchCursor({ checkCrc: true }).reset(buf, start)
  const out: Seen[] = []
  while (c.next()) out.push(seen(c, whole))
  return { seen: out, state: c.state, position: c.position }
}

async function fileWalk (fd: number, from: number, end: number, opts: FileBatchesOptions, whole: boolean): Promise<{ seen: Seen[]; state: CursorState; position: number; w: FileBatches }> {
  const w = new FileBatches(fd, opts).open(from, end)
  const out: Seen[] = []
  if (opts.sync === true) {
    while (w.next()) out.push(seen(w, whole))
  } else {
    while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) {
      if (whole && !w.hasWholeBatch) t.ok(await w.loadBatch(), 'loadBatch brings the whole batch')
      out.push(seen(w, whole))
    }
  }
  return { seen: out, state: w.state, position: w.position, w }
}

t.test('a file region walks the same batches as the buffer, across chunk boundaries, async and sync', async t => {
  const buf = batches()
  const { fd } = fileWith(t, buf)
  const expected = bufferWalk(buf, true)
  t.equal(expected.seen.length, 40)
  t.equal(expected.state, CursorState.End)
  // windows smaller than a batch, smaller than a header, and straddling batches at odd places
  for (const windowBytes of [7, 61, 100, 333, 4096, 1 << 20]) {
    for (const sync of [false, true]) {
      const opts = { windowBytes, sync, checkCrc: true }
      const r = await fileWalk(fd, 0, buf.length, opts, true)
      t.same(r.seen, expected.seen, `window ${windowBytes}${sync ? ' sync' : ''}`)
      t.equal(r.state, CursorState.End)
      t.equal(r.position, buf.length)
      r.w.release()
    }
  }
  // headers only, and whole batches without CRC checks
  const headersOnly = await fileWalk(fd, 0, buf.length, { windowBytes: 100 }, false)
  t.same(headersOnly.seen, bufferWalk(buf, false).seen)
  const whole = await fileWalk(fd, 0, buf.length, { windowBytes: 100, wholeBatches: true, sync: true }, true)
  t.same(whole.seen, expected.seen)
  // a region starting at a batch boundary in the middle of the file
  const from = expected.seen[17]!.position
  const mid = await fileWalk(fd, from, buf.length, { windowBytes: 500 }, false)
  t.same(mid.seen.map(s => s.baseOffset), expected.seen.slice(17).map(s => s.baseOffset))
})

t.test('keepViews: views of earlier batches stay valid after later reads; release() returns the buffers', async t => {
  const one = batches()
  const buf = Buffer.concat([one, one, one, one, one, one]) // > 2 windows: pooled reads (offsets repeat, which the walk ignores)
  const { fd } = fileWith(t, buf)
  const w = new FileBatches(fd, { windowBytes: 64 * 1024, keepViews: true, wholeBatches: true }).open(0, buf.length)
  const views: Buffer[] = []
  while (w.next() || (w.state === CursorState.NeedsRead && await w.read())) views.push(w.batch())
  t.equal(Buffer.concat(views).compare(buf), 0, 'every view still holds its batch')
  const before = pooledFreeBytes()
  w.release()
  t.ok(pooledFreeBytes() > before, 'the pooled buffers went back to the pool')
  // without keepViews one buffer is reused: a small window over a long region still walks it all
  const r = await fileWalk(fd, 0, buf.length, { windowBytes: 64 * 1024 }, false)
  t.equal(r.seen.length, 240)
  r.w.release()
})

t.test('a truncated tail in a file stops at the partial batch, whatever the window', async t => {
  const buf = batches()
  const expected = bufferWalk(buf, false)
  const last = expected.seen[39]!
  for (const [cut, state] of [[3, CursorState.TruncatedBatch], [last.size - 30, CursorState.TruncatedHeader], [last.size - 5, CursorState.TruncatedHeader]] as const) {
    const { fd } = fileWith(t, buf.subarray(0, buf.length - cut))
    for (const windowBytes of [50, 4096]) {
      const r = await fileWalk(fd, 0, buf.length - cut, { windowBytes, checkCrc: true }, false)
      t.equal(r.seen.length, 39, `cut ${cut}, window ${windowBytes}`)
      t.equal(r.state, state)
      t.equal(r.position, last.position)
    }
  }
  // the file shorter than the region said (it was cut under the walk): it ends where the bytes do
  const { fd } = fileWith(t, buf.subarray(0, buf.length - 3))
  const r = await fileWalk(fd, 0, buf.length, { windowBytes: 4096, wholeBatches: true }, false)
  t.equal(r.seen.length, 39)
  t.equal(r.state, CursorState.TruncatedBatch)
  t.equal(r.position, last.position)
  // headers only: the last header is whole, the batch is found short when loaded
  const h = new FileBatches(fd, { windowBytes: 61 }).open(last.position, buf.length)
  t.ok(h.next() || (h.state === CursorState.NeedsRead && await h.read()))
  t.equal(h.hasWholeBatch, false)
  t.equal(await h.loadBatch(), false, 'loadBatch says the file ends first')
})

t.test('a batchLength below the minimum and a bad CRC stop the file walk at their positions', async t => {
  const buf = batches()
  const expected = bufferWalk(buf, false)
  const at = expected.seen[25]!.position
  const small = Buffer.from(buf)
  small.writeInt32BE(20, at + 8)
  let { fd } = fileWith(t, small)
  let r = await fileWalk(fd, 0, buf.length, { windowBytes: 100, sync: true }, false)
  t.equal(r.seen.length, 25)
  t.equal(r.state, CursorState.SizeBelowMinimum)
  t.equal(r.position, at)
  t.equal(r.w.batchLength, 20)

  const bad = Buffer.from(buf)
  bad[at + 70] ^= 0x01 // a byte of the records
  ;({ fd } = fileWith(t, bad))
  for (const windowBytes of [61, 1000]) {
    r = await fileWalk(fd, 0, buf.length, { windowBytes, checkCrc: true }, false)
    t.equal(r.seen.length, 25, `window ${windowBytes}`)
    t.equal(r.state, CursorState.BadCrc)
    t.equal(r.position, at)
    t.not(r.w.computedCrc, r.w.crc)
  }
  r = await fileWalk(fd, 0, buf.length, { windowBytes: 1000 }, false)
  t.equal(r.seen.length, 40, 'headers only: the CRC is not checked')
})
