import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { baseOffset, lastOffset } from '../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { logFileName } from '../../src/storage/log-file-names.js'
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../src/storage/log.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

const CONFIG = { ...DEFAULT_LOG_CONFIG, fsync: 'never' as const, segmentBytes: 1500, indexIntervalBytes: 200 }
const open = (dir: string, cleanShutdown: boolean): Promise<PartitionLog> =>
  PartitionLog.open({ dir, topic: 'k', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown })

async function keysAndOffsets (log: PartitionLog): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = []
  let next = log.logStartOffset
  while (next < log.highWatermark) {
    const r = await log.read(next, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) for (const rec of iterateRecords(b)) out.push([rec.offset, rec.key!.toString()])
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return out
}

t.test('a cleaned segment replaces the segments it covers, live and after restarts', async t => {
  const root = mkdtempSync(join(tmpdir(), 'samsa-swap-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const dir = join(root, 'k-0')
  const log = await open(dir, true)
  let last
  // one record per batch, keys cycling over 5 values: compaction keeps the last batch of each key
  for (let i = 0; i < 60; i++) last = log.append([buildRecordBatch([{ key: `key${i % 5}`, value: `v${i}`.padEnd(40, '.') }])], 1)
  await last!.durable
  const segs = log.segmentList()
  t.ok(segs.length >= 4, `${segs.length} segments`)
  const old = segs.slice(0, -1)
  const end = old[old.length - 1]!.nextOffset
  // the "cleaner": keep, per key, the last batch below `end`
  const all = (await log.read(0, 1 << 22, { minOneBatch: true, maxOffset: end })).batches
  const lastOfKey = new Map<string, number>()
  all.forEach((b, i) => lastOfKey.set([...iterateRecords(b)][0]!.key!.toString(), i))
  const kept = all.filter((_, i) => [...lastOfKey.values()].includes(i))
  const cleaned = logFileName(dir, 0, '.cleaned')
  writeFileSync(cleaned, Buffer.concat(kept))
  const before = await keysAndOffsets(log)
  // a read in flight on an old segment while the swap happens
  const inflight = log.read(1, 1 << 20, { minOneBatch: true, maxOffset: 60 })
  const seg = await log.replaceSegments(old, cleaned)
  t.equal(baseOffset((await inflight).batches[0]!), 1, 'the in-flight read finished on the old file')
  t.equal(seg.baseOffset, 0)
  t.equal(log.segmentList().length, 2)
  t.same(readdirSync(dir).filter(f => f.endsWith('.deleted') || f.endsWith('.swap') || f.endsWith('.cleaned')), [], 'no transient files left')
  const after = await keysAndOffsets(log)
  const expected = before.filter(([o]) => o >= end || kept.some(b => baseOffset(b) === o))
  t.same(after, expected, 'compacted offsets keep their numbers, later data untouched')
  t.equal(log.logEndOffset, 60)
  // fetch at an offset compacted away returns the next surviving batch
  const gap = after.find(([o], i) => i > 0 && o - after[i - 1]![0] > 1)![0]
  const firstMissing = after[after.findIndex(([o]) => o === gap) - 1]![0] + 1
  t.equal(baseOffset((await log.read(firstMissing, 100, { minOneBatch: true, maxOffset: 60 })).batches[0]!), gap)
  await t.rejects(log.replaceSegments([log.activeSegment], cleaned), /active segment/)
  await log.close()
  for (const clean of [true, false]) {
    const again = await open(dir, clean)
    t.same(await keysAndOffsets(again), expected, `restart (${clean ? 'clean' : 'unclean'}) keeps the compacted log`)
    await again.close()
  }
  t.notOk(existsSync(logFileName(dir, old[1]!.baseOffset)))
})
