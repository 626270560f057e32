// A crash at each step of the compaction swap (.cleaned -> .swap -> .log) leaves a log that opens and reads:
// every offset at most once, in order, each record the one originally written at that offset, the last value
// of every key unchanged, every batch passing its CRC. The crash is simulated by the log's swap fault hook
// (throwing right after a step, then abandoning the PartitionLog as a killed process would) and, before the
// first step, by a `.cleaned` file left behind.
import t from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runCleanTask } from '../../../src/storage/cleaner/clean-task.js'
import type { SwapStep } from '../../../src/storage/log.js'
import { appendAll, badCrcs, cleanerFor, lastPerKey, openLog, readAll, tmp, type Seen } from './helpers.js'

class Crash extends Error {}

async function fill (dir: string): Promise<Seen[]> {
  const log = await openLog(dir)
  const batches = []
  for (let i = 0; i < 150; i++) batches.push({ records: [{ key: `k${i % 9}`, value: `v${i}`.padEnd(40, '.') }, { key: `j${i % 4}`, value: i % 10 === 0 ? null : `w${i}` }] })
  await appendAll(log, batches)
  const { records } = await readAll(log)
  await log.close()
  return records
}

function sorted (m: Map<string, Seen>): Array<[string, Seen]> { return [...m].sort((a, b) => a[0].localeCompare(b[0])) }

async function checkReadable (t: any, dir: string, original: Seen[], label: string): Promise<void> {
  for (const clean of [false, true]) {
    const log = await openLog(dir, {}, { cleanShutdown: clean })
    const { records, batches } = await readAll(log)
    const offsets = records.map(r => r.offset)
    t.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!), `${label} (${clean ? 'clean' : 'unclean'} open): offsets strictly increase, none twice`)
    const byOffset = new Map(original.map(r => [r.offset, JSON.stringify(r)]))
    t.ok(records.every(r => byOffset.get(r.offset) === JSON.stringify(r)), `${label}: every record is the one written at its offset`)
    t.same(sorted(lastPerKey(records)), sorted(lastPerKey(original)), `${label}: the last value of every key is unchanged`)
    t.equal(badCrcs(batches), 0, `${label}: every batch passes its CRC`)
    t.equal(log.logEndOffset, original.length, `${label}: log end offset unchanged`)
    t.same(readdirSync(join(dir, 'k-0')).filter(f => /\.(cleaned|swap|deleted|tmp)$/.test(f)), [], `${label}: no transient file left after the open`)
    await log.close()
  }
}

const STEPS: SwapStep[] = ['swap-created', 'old-segments-renamed', 'old-indexes-removed', 'swap-renamed']

for (const step of STEPS) {
  t.test(`a crash right after '${step}' leaves a readable log, and the next cleaning completes`, async t => {
    const dir = tmp(t)
    const original = await fill(dir)
    // written in 2000-byte segments, cleaned with segment.bytes 20000: groups of several segments per swap
    const log = await openLog(dir, { segmentBytes: 20_000 }, { swapFaultHook: s => { if (s === step) throw new Crash(`crash after ${s}`) } })
    t.ok(log.segmentList().length > 4, `${log.segmentList().length} segments`)
    const cleaner = cleanerFor(dir, [log], { inline: true })
    await cleaner.start()
    const r = await cleaner.cleanOnce()
    t.ok(r?.aborted === true && /crash after/.test(r.reason ?? ''), `the swap stopped at '${step}'`)
    t.ok(r!.result!.groups[0]!.bases.length > 1, `the interrupted swap replaces ${r!.result!.groups[0]!.bases.length} segments`)
    // the PartitionLog is abandoned here, as a killed process would leave it
    await checkReadable(t, dir, original, step)
    const again = await openLog(dir)
    const c2 = cleanerFor(dir, [again], { inline: true })
    await c2.start()
    await c2.cleanUntilDone()
    const { records } = await readAll(again)
    t.same(sorted(lastPerKey(records)), sorted(lastPerKey(original)), 'cleaned again after the restart: same last values')
    const below = records.filter(x => x.offset < again.activeSegment.baseOffset)
    t.equal(new Set(below.map(x => x.key)).size, below.length, 'one record per key below the active segment')
    await again.close()
  })
}

t.test('a crash before the swap (only .cleaned files written) leaves the log as it was', async t => {
  const dir = tmp(t)
  const original = await fill(dir)
  const log = await openLog(dir)
  const segs = log.segmentList().slice(0, -1)
  const result = runCleanTask({
    name: 'k-0',
    segments: segs.map(s => ({ baseOffset: s.baseOffset, file: s.logFile, size: s.writtenSize, nextOffset: s.nextOffset, offsetIndexBytes: s.offsetIndex.sizeInBytes, timeIndexBytes: s.timeIndex.sizeInBytes })),
    firstDirtyOffset: 0,
    firstUncleanableOffset: log.activeSegment.baseOffset,
    now: Date.now(),
    deleteRetentionMs: 1000,
    segmentBytes: 2000,
    segmentIndexBytes: 10 * 1024 * 1024,
    maxMapEntries: 1000
  })
  t.ok(result.groups.length > 0 && result.groups.every(g => existsSync(g.cleanedFile)), `${result.groups.length} .cleaned files written`)
  await checkReadable(t, dir, original, 'cleaned files only')
  t.notOk(result.groups.some(g => existsSync(g.cleanedFile)), 'the open removed them')
  await log.close().catch(() => {})
})
