// Transaction index (.txnindex, Kafka's TransactionIndex / AbortedTxn): byte layout, file life cycle, collect()
// semantics, and the PartitionLog / LogSegment / log-loader paths that keep it in step with its segment.
import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../../src/logger.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { buildControlBatch } from '../../../src/protocol/records/control.js'
import { iterateBatches } from '../../../src/protocol/records/record.js'
import {
  TXN_INDEX_ENTRY_SIZE, TxnIndex, decodeAbortedTxns, encodeAbortedTxns, type AbortedTxn
} from '../../../src/storage/index/txn-index.js'
import { logFileName, txnIndexFileName } from '../../../src/storage/log-file-names.js'
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig, type SwapStep } from '../../../src/storage/log.js'
import { Flusher } from '../../../src/storage/workers/flusher.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-txnidx-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const txn = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn =>
  ({ producerId, firstOffset, lastOffset, lastStableOffset })

/** Kafka's AbortedTxn.toByteBuffer, written out field by field (version int16, then four int64). */
function kafkaBytes (e: AbortedTxn, version = 0): Buffer {
  const b = Buffer.alloc(34)
  b.writeInt16BE(version, 0)
  b.writeBigInt64BE(BigInt(e.producerId), 2)
  b.writeBigInt64BE(BigInt(e.firstOffset), 10)
  b.writeBigInt64BE(BigInt(e.lastOffset), 18)
  b.writeBigInt64BE(BigInt(e.lastStableOffset), 26)
  return b
}

// ---- format ----

t.test('encodeAbortedTxns writes Kafka AbortedTxn entries: 34 bytes, version int16 0 then producerId, firstOffset, lastOffset, lastStableOffset as int64', async t => {
  t.equal(TXN_INDEX_ENTRY_SIZE, 34)
  const a = txn(2 ** 40 + 7, 100, 250, 251)
  const b = txn(3, 2 ** 45, 2 ** 45 + 9, 2 ** 44)
  const buf = encodeAbortedTxns([a, b])
  t.equal(buf.length, 68)
  t.same(buf.subarray(0, 34), kafkaBytes(a))
  t.same(buf.subarray(34), kafkaBytes(b))
  t.equal(buf.readInt16BE(0), 0, 'version 0')
  t.equal(buf.readBigInt64BE(2), BigInt(2 ** 40 + 7), 'producerId at byte 2')
  t.equal(buf.readBigInt64BE(10), 100n, 'firstOffset at byte 10')
  t.equal(buf.readBigInt64BE(18), 250n, 'lastOffset at byte 18')
  t.equal(buf.readBigInt64BE(26), 251n, 'lastStableOffset at byte 26')
  t.equal(encodeAbortedTxns([]).length, 0)
})

t.test('decodeAbortedTxns reads what Kafka writes, and round-trips', async t => {
  const entries = [txn(1, 0, 5, 6), txn(9, 3, 12, 3), txn(2 ** 50, 2 ** 49, 2 ** 50, 2 ** 50 + 1)]
  t.same(decodeAbortedTxns(Buffer.concat(entries.map(e => kafkaBytes(e)))), entries)
  t.same(decodeAbortedTxns(encodeAbortedTxns(entries)), entries)
  t.same(decodeAbortedTxns(Buffer.alloc(0)), [])
})

t.test('a partial trailing entry is ignored, as Kafka (it iterates while 34 bytes remain)', async t => {
  const whole = encodeAbortedTxns([txn(1, 0, 5, 6), txn(2, 7, 9, 10)])
  for (const cut of [1, 10, 33]) {
    t.same(decodeAbortedTxns(whole.subarray(0, 34 + cut)), [txn(1, 0, 5, 6)], `34 + ${cut} bytes -> one entry`)
  }
  t.same(decodeAbortedTxns(whole.subarray(0, 20)), [], 'less than one entry -> none')
})

t.test('an entry with another version is reported naming the file and the entry', async t => {
  const buf = Buffer.concat([kafkaBytes(txn(1, 0, 5, 6)), kafkaBytes(txn(2, 7, 9, 10), 1)])
  t.throws(() => decodeAbortedTxns(buf, '/x/00000000000000000000.txnindex'), /\/x\/00000000000000000000\.txnindex: entry 1 has version 1, expected 0/)
})

// ---- TxnIndex file ----

t.test('TxnIndex: no file until the first append; append adds 34 bytes each, fsynced, in lastOffset order', async t => {
  const file = join(tmp(t), '00000000000000000000.txnindex')
  const idx = new TxnIndex(file)
  t.equal(idx.load(), null, 'a missing file is not a problem')
  t.same(idx.entries, [])
  t.notOk(existsSync(file))
  idx.append(txn(1, 0, 4, 5))
  t.same(readFileSync(file), kafkaBytes(txn(1, 0, 4, 5)))
  idx.append(txn(2, 2, 8, 9))
  t.equal(statSync(file).size, 68)
  t.throws(() => idx.append(txn(3, 5, 8, 9)), /not after the last entry \(8\)/, 'same lastOffset refused (Kafka: must increase)')
  t.throws(() => idx.append(txn(3, 5, 7, 9)), /not after the last entry/, 'smaller lastOffset refused')
  t.equal(statSync(file).size, 68, 'a refused entry writes nothing')
  const again = new TxnIndex(file)
  t.equal(again.load(), null)
  t.same(again.entries, [txn(1, 0, 4, 5), txn(2, 2, 8, 9)])
})

t.test('TxnIndex.truncateTo drops entries whose marker is at or past the offset; the file follows (removed when empty)', async t => {
  const file = join(tmp(t), '00000000000000000000.txnindex')
  const idx = new TxnIndex(file)
  for (const e of [txn(1, 0, 4, 5), txn(2, 2, 8, 9), txn(3, 9, 12, 13)]) idx.append(e)
  idx.truncateTo(13)
  t.equal(idx.entries.length, 3, 'nothing at or past 13')
  idx.truncateTo(12)
  t.same(idx.entries, [txn(1, 0, 4, 5), txn(2, 2, 8, 9)], 'the entry whose marker is at 12 goes')
  t.same(readFileSync(file), encodeAbortedTxns(idx.entries))
  t.notOk(existsSync(file + '.tmp'), 'no temporary file left')
  idx.append(txn(4, 10, 11, 12))
  t.same(readFileSync(file), encodeAbortedTxns([txn(1, 0, 4, 5), txn(2, 2, 8, 9), txn(4, 10, 11, 12)]), 'appends continue after a rewrite')
  idx.truncateTo(4)
  t.same(idx.entries, [])
  t.notOk(existsSync(file), 'an empty index has no file')
})

t.test('TxnIndex.replaceAll sorts by lastOffset and rewrites the file; an empty list removes it', async t => {
  const file = join(tmp(t), '00000000000000000000.txnindex')
  const idx = new TxnIndex(file)
  idx.append(txn(1, 0, 4, 5))
  idx.replaceAll([txn(3, 9, 20, 21), txn(1, 0, 4, 5), txn(2, 6, 10, 11)])
  t.same(idx.entries.map(e => e.lastOffset), [4, 10, 20])
  t.same(decodeAbortedTxns(readFileSync(file)), idx.entries)
  idx.replaceAll([])
  t.notOk(existsSync(file))
})

t.test('TxnIndex.load of a file with a bad entry reports it, keeps the entries before it and rewrites the file with them', async t => {
  const file = join(tmp(t), '00000000000000000000.txnindex')
  writeFileSync(file, Buffer.concat([kafkaBytes(txn(1, 0, 4, 5)), kafkaBytes(txn(2, 2, 8, 9), 7), kafkaBytes(txn(3, 9, 12, 13))]))
  const idx = new TxnIndex(file)
  t.match(idx.load(), /entry 1 has version 7/)
  t.same(idx.entries, [txn(1, 0, 4, 5)])
  t.same(readFileSync(file), kafkaBytes(txn(1, 0, 4, 5)), 'the file holds only good entries, so appends land on a boundary')
  idx.append(txn(4, 10, 20, 21))
  const again = new TxnIndex(file)
  t.equal(again.load(), null)
  t.same(again.entries, [txn(1, 0, 4, 5), txn(4, 10, 20, 21)])
  writeFileSync(file, kafkaBytes(txn(2, 2, 8, 9), 1))
  const none = new TxnIndex(file)
  t.match(none.load(), /entry 0 has version 1/)
  t.notOk(existsSync(file), 'no good entry: the file is removed')
})

t.test('TxnIndex.load cuts a partial last entry (a torn append) off the file, so the next append is read back', async t => {
  const file = join(tmp(t), '00000000000000000000.txnindex')
  writeFileSync(file, Buffer.concat([kafkaBytes(txn(1, 0, 4, 5)), kafkaBytes(txn(2, 2, 8, 9)).subarray(0, 20)]))
  const idx = new TxnIndex(file)
  t.equal(idx.load(), null)
  t.same(idx.entries, [txn(1, 0, 4, 5)])
  t.equal(statSync(file).size, 34)
  idx.append(txn(3, 6, 10, 11))
  const again = new TxnIndex(file)
  t.equal(again.load(), null)
  t.same(again.entries, [txn(1, 0, 4, 5), txn(3, 6, 10, 11)], 'not misaligned by the torn bytes')
})

t.test('collect() follows Kafka collectAbortedTxns: lastOffset >= fetchOffset and firstOffset < upperBound, complete once lastStableOffset >= upperBound', async t => {
  const idx = new TxnIndex('/nonexistent/x.txnindex')
  ;(idx as unknown as { list: AbortedTxn[] }).list = [
    txn(1, 0, 10, 11), // ends before the fetch
    txn(2, 5, 20, 6), // overlaps (lastOffset == fetchOffset edge below)
    txn(3, 30, 40, 41), // starts at the bound: not included
    txn(4, 12, 45, 50)
  ]
  const out: AbortedTxn[] = []
  t.equal(idx.collect(20, 30, out), true, 'txn 3 has lastStableOffset 41 >= 30: complete')
  t.same(out.map(e => e.producerId), [2], 'lastOffset 20 >= fetch 20 included; firstOffset 30 < 30 excluded; entries after the stop not read')
  const all: AbortedTxn[] = []
  t.equal(idx.collect(0, 1000, all), false, 'no lastStableOffset reaches 1000: the next segment must be searched')
  t.same(all.map(e => e.producerId), [1, 2, 3, 4])
  const early: AbortedTxn[] = []
  t.equal(idx.collect(11, 11, early), true, 'the first entry (lastStableOffset 11) already completes the search')
  t.same(early, [], 'the completing entry is still tested for overlap first (lastOffset 10 < 11: not included)')
  const incl: AbortedTxn[] = []
  t.equal(idx.collect(10, 11, incl), true)
  t.same(incl.map(e => e.producerId), [1], 'the completing entry itself is included when it overlaps')
})

// ---- PartitionLog ----

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, fsync: 'never', segmentBytes: 600, indexIntervalBytes: 100 }

async function openLog (dir: string, cleanShutdown = true, config: Partial<LogConfig> = {}): Promise<PartitionLog> {
  return await PartitionLog.open({
    dir, topic: 't', partition: 0, config: { ...CONFIG, ...config }, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown
  })
}

function data (pid: number, seq: number, n = 3): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${(seq + i) % 4}`, value: 'v'.repeat(60) })), { producerId: pid, producerEpoch: 0, baseSequence: seq, isTransactional: true, timestamp: 1000 })
}

function plain (n = 3, key = 'p'): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `${key}${i}`, value: 'v'.repeat(60) })), { timestamp: 1000 })
}

function marker (pid: number, commit: boolean): Buffer {
  return buildControlBatch({ producerId: pid, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: 1000 })
}

/** Appends a transaction of `pid` (one data batch) and its abort marker, recording the entry as the broker does. */
function abortedTxn (log: PartitionLog, pid: number, seq: number): AbortedTxn {
  const first = log.append([data(pid, seq)], 1000).baseOffset
  const m = log.append([marker(pid, false)], 1000)
  const e = txn(pid, first, m.baseOffset, m.baseOffset + 1)
  log.addAbortedTxn(e)
  return e
}

/** Every batch below `end`, one buffer each (a read returns one segment's batches at most). */
async function batchesBelow (log: PartitionLog, end: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  let next = log.logStartOffset
  while (next < end) {
    const r = await log.read(next, 1 << 22, { minOneBatch: true, maxOffset: end })
    if (r.batches.length === 0) break
    for (const buf of r.batches) {
      for (const b of iterateBatches(buf)) {
        out.push(Buffer.from(buf.subarray(b.pos, b.pos + b.size)))
        next = b.header.baseOffset + b.header.lastOffsetDelta + 1
      }
    }
  }
  return out
}

function txnFiles (dir: string): string[] {
  return readdirSync(dir).filter(f => f.includes('.txnindex')).sort()
}

t.test('addAbortedTxn writes the entry into the .txnindex of the segment holding its marker; collectAbortedTxns searches from the fetch offset segment on', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  const entries: AbortedTxn[] = []
  for (let i = 0; i < 8; i++) {
    entries.push(abortedTxn(log, 100 + i, 0))
    log.append([plain()], 1000)
  }
  await log.flush()
  const segs = log.segmentList()
  t.ok(segs.length >= 3, `${segs.length} segments`)
  for (const s of segs) {
    for (const e of s.txnIndex.entries) t.ok(e.lastOffset >= s.baseOffset && e.lastOffset < s.nextOffset, `entry ${e.lastOffset} lies inside segment ${s.baseOffset}`)
  }
  t.same(segs.flatMap(s => s.txnIndex.entries), entries, 'every entry is in exactly one segment, in order')
  t.same(txnFiles(dir), segs.filter(s => s.txnIndex.entries.length > 0).map(s => txnIndexFileName(dir, s.baseOffset).slice(dir.length + 1)))
  // lastStableOffset = marker + 1 for each: a fetch over everything searches every segment
  t.same(log.collectAbortedTxns(0, log.logEndOffset).map(e => e.producerId), entries.map(e => e.producerId))
  const mid = entries[4]!
  t.same(log.collectAbortedTxns(mid.lastOffset, log.logEndOffset).map(e => e.producerId), entries.slice(4).map(e => e.producerId), 'fetch at a marker includes that transaction')
  t.same(log.collectAbortedTxns(mid.lastOffset + 1, log.logEndOffset).map(e => e.producerId), entries.slice(5).map(e => e.producerId))
  t.same(log.collectAbortedTxns(entries[2]!.firstOffset, entries[3]!.firstOffset).map(e => e.producerId), [102], 'the upper bound excludes transactions starting at or after it')
  // the clean reopen reads the files back
  await log.close()
  const again = await openLog(dir)
  t.same(again.segmentList().flatMap(s => s.txnIndex.entries), entries)
  t.same(again.collectAbortedTxns(0, again.logEndOffset), entries)
  await again.close()
})

t.test('collectAbortedTxns stops at the first entry whose lastStableOffset reaches the bound (later segments are not searched)', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  const a = abortedTxn(log, 1, 0)
  for (let i = 0; i < 6; i++) log.append([plain()], 1000)
  const b = abortedTxn(log, 2, 0)
  await log.flush()
  const segOf = (o: number): number => log.segmentList().findIndex(s => o >= s.baseOffset && o < s.nextOffset)
  t.ok(segOf(b.lastOffset) > segOf(a.lastOffset), 'the two markers are in different segments')
  // a's lastStableOffset covers the whole log (as if a transaction still open had started far ahead):
  // Kafka's early stop means b is not reported for a fetch starting in a's segment
  log.segmentList()[segOf(a.lastOffset)]!.txnIndex.replaceAll([{ ...a, lastStableOffset: 10_000 }])
  t.same(log.collectAbortedTxns(0, log.logEndOffset).map(e => e.producerId), [1])
  t.same(log.collectAbortedTxns(a.lastOffset + 1, log.logEndOffset).map(e => e.producerId), [2], 'a fetch starting in b\'s segment finds b')
  await log.close()
})

t.test('addAbortedTxn is idempotent for an entry already present and keeps order when an entry comes back late', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir, true, { segmentBytes: 1 << 20 })
  const a = abortedTxn(log, 1, 0)
  const b = abortedTxn(log, 2, 0)
  const c = abortedTxn(log, 3, 0)
  const file = txnIndexFileName(dir, 0)
  const bytes = readFileSync(file)
  log.addAbortedTxn(b)
  t.same(readFileSync(file), bytes, 'a replayed entry is not written twice')
  // lose b (e.g. a crash between two index writes) and re-add it from a replay
  log.activeSegment.txnIndex.replaceAll([a, c])
  log.addAbortedTxn(b)
  t.same(log.activeSegment.txnIndex.entries, [a, b, c])
  t.same(decodeAbortedTxns(readFileSync(file)), [a, b, c])
  await log.close()
})

t.test('retention and DeleteRecords remove the .txnindex with its segment', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  for (let i = 0; i < 6; i++) {
    abortedTxn(log, 10 + i, 0)
    log.append([plain()], 1000)
  }
  await log.flush()
  const segs = log.segmentList()
  const withIdx = segs.slice(0, -1).filter(s => s.txnIndex.entries.length > 0)
  t.ok(withIdx.length >= 2)
  const first = withIdx[0]!
  await log.deleteRecordsTo(segs[segs.indexOf(first) + 1]!.baseOffset)
  t.notOk(existsSync(txnIndexFileName(dir, first.baseOffset)), 'DeleteRecords removed the .txnindex')
  t.notOk(readdirSync(dir).some(f => f.endsWith('.deleted')), 'no .deleted left (file.delete.delay.ms 0)')
  const n = await log.deleteOldSegments(10_000_000, 1, -1)
  t.ok(n > 0)
  const left = new Set(log.segmentList().map(s => s.baseOffset))
  for (const s of withIdx) t.equal(existsSync(txnIndexFileName(dir, s.baseOffset)), left.has(s.baseOffset), `segment ${s.baseOffset}: .txnindex present iff the segment is`)
  t.same(log.collectAbortedTxns(log.logStartOffset, log.logEndOffset), log.segmentList().flatMap(s => s.txnIndex.entries))
  await log.close()
})

t.test('a compaction swap keeps the entries of the replaced segments whose abort marker survived, and drops the others', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  const entries: AbortedTxn[] = []
  for (let i = 0; i < 6; i++) {
    entries.push(abortedTxn(log, 20 + i, 0))
    log.append([plain()], 1000)
  }
  await log.flush()
  const segs = log.segmentList()
  const old = segs.slice(0, -1)
  const end = old[old.length - 1]!.nextOffset
  const inOld = entries.filter(e => e.lastOffset < end)
  t.ok(inOld.length >= 3, `${inOld.length} aborts in the replaced segments`)
  // the "cleaner": keep every batch but the abort marker of the second transaction
  const gone = inOld[1]!
  const all = await batchesBelow(log, end)
  const kept = all.filter(b => Number(b.readBigInt64BE(0)) !== gone.lastOffset)
  t.equal(kept.length, all.length - 1)
  const cleaned = logFileName(dir, 0, '.cleaned')
  writeFileSync(cleaned, Buffer.concat(kept))
  const seg = await log.replaceSegments(old, cleaned)
  const expected = inOld.filter(e => e !== gone)
  t.same(seg.txnIndex.entries, expected, 'the cleaned segment holds the surviving markers\' entries')
  t.same(decodeAbortedTxns(readFileSync(txnIndexFileName(dir, 0))), expected)
  for (const s of old.slice(1)) t.notOk(existsSync(txnIndexFileName(dir, s.baseOffset)), `replaced segment ${s.baseOffset}'s .txnindex removed`)
  t.same(log.collectAbortedTxns(0, log.logEndOffset), entries.filter(e => e !== gone))
  await log.close()
  const again = await openLog(dir, false)
  t.same(again.collectAbortedTxns(0, again.logEndOffset), entries.filter(e => e !== gone), 'the same after an unclean restart')
  await again.close()
})

for (const step of ['swap-created', 'old-segments-renamed', 'old-indexes-removed', 'swap-renamed'] as SwapStep[]) {
  t.test(`a crash after the swap step '${step}': at the next open the cleaned segment keeps only the entries whose marker survived`, async t => {
    const dir = join(tmp(t), 't-0')
    const log = await openLog(dir)
    const entries: AbortedTxn[] = []
    for (let i = 0; i < 6; i++) {
      entries.push(abortedTxn(log, 20 + i, 0))
      log.append([plain()], 1000)
    }
    await log.flush()
    await log.close()
    // reopened with the crash hook; the PartitionLog is then abandoned, as a killed process would leave it
    const crashing = await PartitionLog.open({
      dir, topic: 't', partition: 0, config: CONFIG, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: true,
      swapFaultHook: s => { if (s === step) throw new Error(`crash after ${s}`) }
    })
    const old = crashing.segmentList().slice(0, -1)
    const end = old[old.length - 1]!.nextOffset
    const inOld = entries.filter(e => e.lastOffset < end)
    const gone = inOld[1]!
    const kept = (await batchesBelow(crashing, end)).filter(b => Number(b.readBigInt64BE(0)) !== gone.lastOffset)
    const cleaned = logFileName(dir, 0, '.cleaned')
    writeFileSync(cleaned, Buffer.concat(kept))
    await t.rejects(crashing.replaceSegments(old, cleaned), /crash after/)
    for (const clean of [false, true]) {
      const again = await openLog(dir, clean)
      t.same(again.collectAbortedTxns(0, again.logEndOffset), entries.filter(e => e !== gone), `${clean ? 'clean' : 'unclean'} open: every surviving abort once, the vanished one gone`)
      for (const s of again.segmentList()) {
        for (const e of s.txnIndex.entries) t.ok(e.lastOffset >= s.baseOffset && e.lastOffset < s.nextOffset, `entry ${e.lastOffset} inside segment ${s.baseOffset}`)
      }
      await again.close()
    }
  })
}

t.test('entries past the next segment\'s base (a crash before the swap file existed) are dropped at open', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  const entries: AbortedTxn[] = []
  for (let i = 0; i < 6; i++) {
    entries.push(abortedTxn(log, 20 + i, 0))
    log.append([plain()], 1000)
  }
  await log.flush()
  // replaceSegments' first step: the first segment takes every entry of the segments it replaces
  const segs = log.segmentList()
  segs[0]!.txnIndex.replaceAll(segs.slice(0, -1).flatMap(s => s.txnIndex.entries))
  await log.close()
  const again = await openLog(dir)
  t.same(again.collectAbortedTxns(0, again.logEndOffset), entries, 'each abort reported once')
  t.same(decodeAbortedTxns(readFileSync(txnIndexFileName(dir, 0))), again.segmentList()[0]!.txnIndex.entries)
  await again.close()
})

t.test('an entry whose marker never reached the log is dropped by unclean recovery (segment.recover)', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir, true, { segmentBytes: 1 << 20 })
  const a = abortedTxn(log, 1, 0)
  const first = log.append([data(2, 0)], 1000)
  await log.flush()
  // the broker wrote b's entry, then crashed before the marker's bytes were written
  const b = txn(2, first.baseOffset, log.logEndOffset, log.logEndOffset + 1)
  log.addAbortedTxn(b)
  t.same(decodeAbortedTxns(readFileSync(txnIndexFileName(dir, 0))), [a, b])
  await log.close()
  const again = await openLog(dir, false)
  t.same(again.activeSegment.txnIndex.entries, [a], 'the entry past the log end is gone')
  t.same(decodeAbortedTxns(readFileSync(txnIndexFileName(dir, 0))), [a], 'and so is it from the file')
  await again.close()
})

t.test('an unclean restart that removes the empty last segment removes its .txnindex too', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir, true, { segmentBytes: 1 << 20 })
  log.append([plain()], 1000)
  await log.flush()
  await log.close()
  // a crash right after a roll for an abort marker: the empty segment and the entry written before the marker
  const base = 50
  writeFileSync(logFileName(dir, base), Buffer.alloc(0))
  writeFileSync(txnIndexFileName(dir, base), encodeAbortedTxns([txn(7, 3, base, base + 1)]))
  const again = await openLog(dir, false)
  t.equal(again.segmentList().length, 1)
  t.notOk(existsSync(txnIndexFileName(dir, base)), 'no .txnindex of the removed segment is left')
  t.same(again.collectAbortedTxns(0, 1000), [])
  await again.close()
})

t.test('a new segment never inherits a stale .txnindex at its base offset', async t => {
  const dir = join(tmp(t), 't-0')
  // segment.bytes 100: every batch rolls a new segment
  const log = await openLog(dir, true, { segmentBytes: 100 })
  // a stale file where the next roll will create its segment
  log.append([plain()], 1000)
  await log.flush()
  const nextBase = log.logEndOffset
  writeFileSync(txnIndexFileName(dir, nextBase), encodeAbortedTxns([txn(9, 0, nextBase, nextBase + 1)]))
  for (let i = 0; i < 4; i++) log.append([plain()], 1000)
  await log.flush()
  t.ok(log.segmentList().some(s => s.baseOffset === nextBase), 'a segment was rolled at the stale file\'s base')
  const e = abortedTxn(log, 3, 0)
  await log.flush()
  await log.close()
  const again = await openLog(dir)
  t.same(again.collectAbortedTxns(0, again.logEndOffset), [e], 'only the real abort is reported after a restart')
  await again.close()
})

t.test('a .txnindex without its .log is deleted at load', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await openLog(dir)
  log.append([plain()], 1000)
  await log.flush()
  await log.close()
  const orphan = txnIndexFileName(dir, 12345)
  writeFileSync(orphan, encodeAbortedTxns([txn(1, 12345, 12346, 12347)]))
  for (const clean of [true, false]) {
    writeFileSync(orphan, encodeAbortedTxns([txn(1, 12345, 12346, 12347)]))
    const again = await openLog(dir, clean)
    t.notOk(existsSync(orphan), `deleted (${clean ? 'clean' : 'unclean'} start)`)
    t.same(again.collectAbortedTxns(0, 100_000), [])
    await again.close()
  }
})
