// Producer state and transactions (Kafka's ProducerStateManager / ProducerAppendInfo): open transactions, the
// first unstable offset, markers, snapshots, and the rebuild of all of it from a log at load.
import t from 'tap'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../../src/logger.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { buildControlBatch } from '../../../src/protocol/records/control.js'
import { PartitionProducerState, type BatchMetadata, type ProducerEntry } from '../../../src/storage/producers/producer-state.js'
import { decodeSnapshot, encodeSnapshot, snapshotFileName, writeSnapshot } from '../../../src/storage/producers/snapshot.js'
import { decodeAbortedTxns } from '../../../src/storage/index/txn-index.js'
import { txnIndexFileName } from '../../../src/storage/log-file-names.js'
import { DEFAULT_LOG_CONFIG, type PartitionLog } from '../../../src/storage/log.js'
import { Partition } from '../../../src/storage/partition.js'
import { Flusher } from '../../../src/storage/workers/flusher.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-txnstate-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const meta = (firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number): BatchMetadata =>
  ({ firstSeq, lastSeq, firstOffset, lastOffset, timestamp: 1000 })

/** Checks then records a batch of `n` records at `offset`, as the produce path does; returns the check. */
function produce (s: PartitionProducerState, pid: number, epoch: number, seq: number, n: number, offset: number, transactional: boolean): ReturnType<PartitionProducerState['check']> {
  const c = s.check(pid, epoch, seq, seq + n - 1, transactional)
  if (c.kind === 'append') s.record(pid, epoch, meta(seq, seq + n - 1, offset, offset + n - 1), transactional)
  return c
}

// ---- open transactions and the first unstable offset ----

t.test('a transactional batch opens the producer\'s transaction at its first offset; later batches keep it', async t => {
  const s = new PartitionProducerState()
  t.equal(s.firstUnstableOffset(100), null, 'no transaction: nothing unstable')
  produce(s, 1, 0, 0, 3, 10, true)
  produce(s, 1, 0, 3, 2, 20, true)
  t.equal(s.producers.get(1)!.currentTxnFirstOffset, 10)
  t.same([...s.ongoing], [[1, 10]])
  t.equal(s.firstUnstableOffset(100), 10)
  produce(s, 2, 0, 0, 1, 5, false)
  t.equal(s.producers.get(2)!.currentTxnFirstOffset, -1, 'an idempotent batch opens nothing')
  t.same([...s.ongoing], [[1, 10]])
})

t.test('firstUnstableOffset(hw): open transactions, and completed ones until the HW passes their marker', async t => {
  const s = new PartitionProducerState()
  produce(s, 1, 0, 0, 2, 0, true) // txn A at 0
  produce(s, 2, 0, 0, 2, 2, true) // txn B at 2
  t.equal(s.firstUnstableOffset(4), 0)
  const a = s.completeTxn(1, 0, 4, false, 0) // A's commit marker at 4
  t.ok(a)
  t.equal(s.firstUnstableOffset(4), 0, 'A\'s marker (4) is not below the HW (4): A is still unstable')
  t.equal(s.firstUnstableOffset(5), 2, 'HW 5 passes A\'s marker: B (open, at 2) holds the LSO')
  s.completeTxn(2, 0, 5, true, 0)
  t.equal(s.firstUnstableOffset(5), 2, 'B\'s marker at 5, HW 5')
  t.equal(s.firstUnstableOffset(6), null, 'everything decided and below the HW')
  // a later transaction and an earlier completed one not yet replicated: the smaller first offset wins
  produce(s, 3, 0, 0, 1, 6, true)
  const c = s.completeTxn(3, 0, 7, false, 0)
  t.equal(c!.firstOffset, 6)
  produce(s, 4, 0, 0, 1, 8, true)
  t.equal(s.firstUnstableOffset(7), 6, 'completed at 6 (marker 7 not below HW 7) before open at 8')
  t.equal(s.firstUnstableOffset(8), 8)
})

t.test('the log\'s lastStableOffset is min(HW, first unstable offset) once the state is attached', async t => {
  const dir = join(tmp(t), 't-0')
  const log = await Partition.open({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, fsync: 'never' }, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: true })
  t.teardown(async () => { await log.close() })
  const s = await log.loadProducerState()
  const r = log.append([buildRecordBatch([{ value: 'a' }, { value: 'b' }])], 1)
  await r.durable
  t.equal(log.lastStableOffset, 2, 'no transaction: the HW')
  const tx = log.append([txBatch(7, 0, 0, 2)], 1)
  s.record(7, 0, meta(0, 1, tx.baseOffset, tx.lastOffset), true)
  await tx.durable
  t.equal(log.highWatermark, 4)
  t.equal(log.lastStableOffset, 2, 'held at the open transaction\'s first offset')
  const m = log.append([markerBatch(7, 0, true)], 1)
  s.completeTxn(7, 0, m.baseOffset, false, 0)
  t.equal(log.lastStableOffset, 2, 'the marker is not below the HW yet')
  await m.durable
  t.equal(log.lastStableOffset, 5, 'marker below the HW: the HW')
  // an open transaction whose first records DeleteRecords removed: the LSO is the log start offset
  const tx2 = log.append([txBatch(8, 0, 0, 3)], 1)
  s.record(8, 0, meta(0, 2, tx2.baseOffset, tx2.lastOffset), true)
  await tx2.durable
  t.equal(log.lastStableOffset, 5)
  await log.deleteRecordsTo(7)
  t.equal(log.logStartOffset, 7)
  t.equal(log.lastStableOffset, 7, 'never below the log start offset (Kafka clamps the first unstable offset)')
})

t.test('completeTxn returns the transaction with lastStableOffset = the oldest other open transaction\'s first offset, else marker + 1', async t => {
  const s = new PartitionProducerState()
  produce(s, 1, 0, 0, 2, 0, true)
  produce(s, 2, 0, 0, 2, 2, true)
  produce(s, 3, 0, 0, 2, 4, true)
  t.same(s.completeTxn(2, 0, 6, true, 3), { producerId: 2, firstOffset: 2, lastOffset: 6, lastStableOffset: 0, isAborted: true }, 'A (0) is still open')
  t.same(s.completeTxn(1, 0, 7, false, 3), { producerId: 1, firstOffset: 0, lastOffset: 7, lastStableOffset: 4, isAborted: false }, 'its own first offset is not counted: C at 4')
  t.same(s.completeTxn(3, 0, 8, true, 3), { producerId: 3, firstOffset: 4, lastOffset: 8, lastStableOffset: 9, isAborted: true }, 'none open: marker + 1')
  t.same([...s.ongoing], [])
  t.equal(s.producers.get(3)!.currentTxnFirstOffset, -1)
  t.equal(s.producers.get(3)!.coordinatorEpoch, 3, 'the marker\'s coordinator epoch is kept')
})

t.test('a marker for a producer with no open transaction returns null but still sets its epoch', async t => {
  const s = new PartitionProducerState()
  t.equal(s.completeTxn(5, 2, 0, true, 0), null, 'unknown producer')
  t.equal(s.producers.get(5)!.epoch, 2)
  t.equal(s.firstUnstableOffset(1), null, 'nothing became unstable')
  produce(s, 6, 0, 0, 1, 1, false)
  t.equal(s.completeTxn(6, 1, 2, true, 0), null, 'an idempotent producer fenced by a marker')
  t.equal(s.producers.get(6)!.epoch, 1)
  t.same(s.producers.get(6)!.batches, [], 'a new epoch drops the cached batches (Kafka: maybeUpdateProducerEpoch)')
})

t.test('checkMarker: an epoch older than the producer\'s is INVALID_PRODUCER_EPOCH; same or newer is fine', async t => {
  const s = new PartitionProducerState()
  t.equal(s.checkMarker(1, 0), null, 'unknown producer')
  produce(s, 1, 3, 0, 1, 0, true)
  t.equal(s.checkMarker(1, 3), null)
  t.equal(s.checkMarker(1, 4), null, 'a bumped epoch (fencing abort) is allowed')
  const old = s.checkMarker(1, 2)
  t.equal(old?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH)
  t.match(old?.message, /epoch 2 is older than the current epoch 3/)
  s.completeTxn(1, 4, 1, true, 0)
  t.equal(s.checkMarker(1, 3)?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the fencing marker raised the epoch to 4')
})

t.test('a non-transactional batch while the producer\'s transaction is open is INVALID_TXN_STATE', async t => {
  const s = new PartitionProducerState()
  produce(s, 1, 0, 0, 2, 0, true)
  const c = s.check(1, 0, 2, 2, false)
  t.equal(c.kind, 'error')
  t.equal(c.kind === 'error' && c.errorCode, ErrorCode.INVALID_TXN_STATE)
  const bumped = s.check(1, 1, 0, 0, false)
  t.equal(bumped.kind === 'error' && bumped.errorCode, ErrorCode.INVALID_TXN_STATE, 'also at a newer epoch (Kafka checks the open transaction whatever the epoch)')
  const older = s.check(1, -1 + 0, 2, 2, false)
  t.equal(older.kind === 'error' && older.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'an older epoch is reported as such first')
  t.equal(s.check(1, 0, 2, 2, true).kind, 'append', 'the next transactional batch is fine')
  t.equal(s.check(1, 0, 0, 1, false).kind, 'duplicate', 'a retry of a batch already written is answered as a duplicate first (Kafka)')
  s.completeTxn(1, 0, 2, false, 0)
  t.equal(s.check(1, 0, 2, 2, false).kind, 'append', 'once the marker closed it, idempotent batches are fine again')
})

t.test('sequence numbers continue across a marker at the same epoch; a bumped epoch starts again at 0', async t => {
  const s = new PartitionProducerState()
  produce(s, 1, 0, 0, 3, 0, true)
  s.completeTxn(1, 0, 3, false, 0)
  const restart = s.check(1, 0, 0, 0, true)
  t.equal(restart.kind === 'error' && restart.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'sequence 0 after a commit at the same epoch is out of order')
  t.equal(s.check(1, 0, 3, 4, true).kind, 'append', 'the next sequence (3) continues')
  t.equal(s.check(1, 0, 0, 2, true).kind, 'duplicate', 'a retry of the committed batch is still a duplicate')
  // an abort marker with epoch + 1 (the coordinator fenced the producer)
  produce(s, 1, 0, 3, 1, 4, true)
  s.completeTxn(1, 1, 5, true, 0)
  const stale = s.check(1, 0, 4, 4, true)
  t.equal(stale.kind === 'error' && stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the fenced epoch is refused')
  const gap = s.check(1, 1, 7, 7, true)
  t.equal(gap.kind === 'error' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'the marker\'s epoch is known: its first batch must start at 0 (Kafka: inSequence(-1, seq))')
  t.equal(s.check(1, 1, 0, 0, true).kind, 'append')
})

// ---- snapshots ----

t.test('a snapshot round-trips currentTxnFirstOffset, coordinatorEpoch and marker-only entries (lastSequence -1)', async t => {
  const entries: ProducerEntry[] = [
    { producerId: 1, epoch: 3, batches: [meta(0, 4, 10, 14), meta(5, 6, 20, 21)], currentTxnFirstOffset: 10, coordinatorEpoch: 2 },
    { producerId: 2 ** 40, epoch: 0, batches: [meta(2147483646, 1, 30, 33)], currentTxnFirstOffset: -1, coordinatorEpoch: -1 },
    { producerId: 3, epoch: 7, batches: [], currentTxnFirstOffset: -1, coordinatorEpoch: 0 }
  ]
  const buf = encodeSnapshot(entries)
  t.equal(buf.length, 10 + 3 * 46)
  const third = 10 + 2 * 46
  t.equal(buf.readInt32BE(third + 10), -1, 'marker-only: lastSequence -1')
  t.equal(buf.readBigInt64BE(third + 14), -1n, 'marker-only: lastOffset -1')
  t.equal(buf.readInt32BE(third + 22), 0, 'marker-only: offsetDelta 0')
  t.equal(buf.readInt32BE(10 + 34), 2, 'coordinatorEpoch at entry byte 34')
  t.equal(buf.readBigInt64BE(10 + 38), 10n, 'currentTxnFirstOffset at entry byte 38')
  const back = decodeSnapshot(buf)
  t.same(back[0], { ...entries[0], batches: [meta(5, 6, 20, 21)] }, 'only the last batch is kept (Kafka)')
  t.same(back[1], entries[1], 'a sequence wrapping past 2^31 - 1 comes back')
  t.same(back[2], entries[2], 'a marker-only entry comes back with no batch')
  const s = new PartitionProducerState()
  for (const e of back) s.restore(e)
  t.same([...s.ongoing], [[1, 10]])
  t.equal(s.firstUnstableOffset(100), 10)
})

t.test('restore keeps open transactions in first-offset order whatever the snapshot order', async t => {
  const s = new PartitionProducerState()
  s.restore({ producerId: 1, epoch: 0, batches: [meta(0, 0, 50, 50)], currentTxnFirstOffset: 50, coordinatorEpoch: -1 })
  s.restore({ producerId: 2, epoch: 0, batches: [meta(0, 0, 20, 20)], currentTxnFirstOffset: 20, coordinatorEpoch: -1 })
  t.same([...s.ongoing.keys()], [2, 1])
  t.equal(s.firstUnstableOffset(100), 20)
  t.equal(s.completeTxn(2, 0, 60, true, 0)!.lastStableOffset, 50)
})

// ---- rebuilding from the log ----

function txBatch (pid: number, epoch: number, seq: number, n: number): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${seq + i}` })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, isTransactional: true, timestamp: 1000 })
}

function markerBatch (pid: number, epoch: number, commit: boolean, coordinatorEpoch = 0): Buffer {
  return buildControlBatch({ producerId: pid, producerEpoch: epoch, commit, coordinatorEpoch, timestamp: 1000 })
}

async function openLog (dir: string, cleanShutdown = true): Promise<Partition> {
  return await Partition.open({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, fsync: 'never', segmentBytes: 400 }, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown })
}

/**
 * Writes, with no producer state attached (as a log written by Kafka, or replayed after a crash):
 *   A (pid 1) committed, B (pid 2) aborted, C (pid 3) left open, D (pid 4) aborted while C is open.
 */
async function writeHistory (log: PartitionLog): Promise<Record<string, number>> {
  const at: Record<string, number> = {}
  at.a = log.append([txBatch(1, 0, 0, 2)], 1).baseOffset
  at.b = log.append([txBatch(2, 5, 0, 2)], 1).baseOffset
  log.append([txBatch(1, 0, 2, 1)], 1)
  at.aCommit = log.append([markerBatch(1, 0, true, 4)], 1).baseOffset
  at.bAbort = log.append([markerBatch(2, 5, false, 4)], 1).baseOffset
  at.c = log.append([txBatch(3, 0, 0, 3)], 1).baseOffset
  at.d = log.append([txBatch(4, 1, 0, 1)], 1).baseOffset
  at.dAbort = log.append([markerBatch(4, 1, false, 4)], 1).baseOffset
  const last = log.append([buildRecordBatch([{ key: 'x', value: 'plain' }])], 1)
  await last.durable
  return at
}

t.test('Producers.load replays transactional and control batches: open transactions, LSO, aborted entries', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  const log = await openLog(dir)
  const at = await writeHistory(log)
  const s = await log.loadProducerState()
  t.same([...s.ongoing], [[3, at.c!]], 'only C is open')
  t.equal(s.producers.get(1)!.currentTxnFirstOffset, -1)
  t.equal(s.producers.get(1)!.batches.at(-1)!.lastSeq, 2, 'A\'s sequences, across its two batches')
  t.equal(s.producers.get(1)!.coordinatorEpoch, 4, 'the coordinator epoch comes from the marker record')
  t.equal(s.producers.get(2)!.epoch, 5)
  t.equal(log.lastStableOffset, at.c!, 'the LSO is held by C')
  t.same(log.collectAbortedTxns(0, log.logEndOffset), [
    { producerId: 2, firstOffset: at.b!, lastOffset: at.bAbort!, lastStableOffset: at.bAbort! + 1 },
    { producerId: 4, firstOffset: at.d!, lastOffset: at.dAbort!, lastStableOffset: at.c! }
  ], 'B and D were written to the transaction index, D\'s LSO being C\'s first offset')
  const check = s.check(3, 0, 3, 3, false)
  t.equal(check.kind === 'error' && check.errorCode, ErrorCode.INVALID_TXN_STATE, 'C\'s producer may not write outside its transaction')
  await log.close()
})

t.test('Producers.load re-adds an aborted entry lost from the .txnindex, once, in order', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  let log = await openLog(dir)
  const at = await writeHistory(log)
  const first = await log.loadProducerState()
  t.ok(first)
  const all = log.collectAbortedTxns(0, log.logEndOffset)
  t.equal(all.length, 2)
  // lose B's entry (e.g. an index from before the transaction support, or a lost write)
  const segB = log.segmentList().find(s => s.txnIndex.entries.some(e => e.producerId === 2))!
  segB.txnIndex.replaceAll(segB.txnIndex.entries.filter(e => e.producerId !== 2))
  await log.close()
  // no snapshot: the next load replays the log
  for (const f of readdirSync(dir)) if (f.endsWith('.snapshot')) rmSync(join(dir, f))
  log = await openLog(dir)
  t.same(log.collectAbortedTxns(0, log.logEndOffset).map(e => e.producerId), [4], 'B is gone from the index')
  await log.loadProducerState()
  t.same(log.collectAbortedTxns(0, log.logEndOffset), all, 'B is back, D is not duplicated')
  t.same(decodeAbortedTxns(readFileSync(txnIndexFileName(dir, segB.baseOffset))), log.segmentList().find(s => s.baseOffset === segB.baseOffset)!.txnIndex.entries)
  t.ok(at)
  await log.close()
})

t.test('a damaged .txnindex makes Producers.load ignore the snapshot and replay the whole log, re-adding every abort', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  let log = await openLog(dir)
  await writeHistory(log)
  await log.loadProducerState()
  const all = log.collectAbortedTxns(0, log.logEndOffset)
  t.equal(all.length, 2)
  log.producerState.takeSnapshot()
  await log.close()
  // every .txnindex gets a bad first entry
  for (const s of log.segmentList()) {
    if (s.txnIndex.entries.length === 0) continue
    const f = txnIndexFileName(dir, s.baseOffset)
    const b = readFileSync(f)
    b.writeInt16BE(3, 0)
    writeFileSync(f, b)
  }
  log = await openLog(dir)
  t.ok(log.segmentList().some(s => s.txnIndexProblem !== null), 'the open noticed')
  t.same(log.collectAbortedTxns(0, log.logEndOffset), [], 'the entries are gone')
  await log.loadProducerState()
  t.same(log.collectAbortedTxns(0, log.logEndOffset), all, 'all back, although the snapshot was at the log end')
  t.notOk(log.segmentList().some(s => s.txnIndexProblem !== null))
  await log.close()
  log = await openLog(dir)
  t.same(log.collectAbortedTxns(0, log.logEndOffset), all, 'and on disk')
  await log.close()
})

t.test('Producers.load starts from a snapshot with an open transaction, then replays what follows', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  const log = await openLog(dir)
  const c = log.append([txBatch(3, 0, 0, 3)], 1)
  await c.durable
  const snapAt = log.logEndOffset
  writeSnapshot(dir, snapAt, [{ producerId: 3, epoch: 0, batches: [meta(0, 2, c.baseOffset, c.lastOffset)], currentTxnFirstOffset: c.baseOffset, coordinatorEpoch: -1 }])
  const more = log.append([txBatch(3, 0, 3, 1)], 1)
  const abort = log.append([markerBatch(3, 0, false, 2)], 1)
  await abort.durable
  const s = await log.loadProducerState()
  t.same([...s.ongoing], [], 'the abort after the snapshot closed C')
  t.equal(s.producers.get(3)!.batches.at(-1)!.lastOffset, more.lastOffset)
  t.same(log.collectAbortedTxns(0, log.logEndOffset), [{ producerId: 3, firstOffset: c.baseOffset, lastOffset: abort.baseOffset, lastStableOffset: abort.baseOffset + 1 }],
    'the abort\'s first offset comes from the snapshot\'s currentTxnFirstOffset')
  t.equal(log.lastStableOffset, log.highWatermark)
  t.ok(readFileSync(join(dir, snapshotFileName(snapAt))).length > 0)
  await log.close()
})

t.test('a snapshot written after a replay keeps marker-only producers (their epoch survives a restart)', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  let log = await openLog(dir)
  // producer 9's open transaction is aborted with a bumped epoch (fenced) and it writes nothing after
  log.append([txBatch(9, 0, 0, 1)], 1)
  const m = log.append([markerBatch(9, 1, false, 0)], 1)
  await m.durable
  await log.loadProducerState()
  log.producerState.takeSnapshot()
  const snap = decodeSnapshot(readFileSync(join(dir, snapshotFileName(log.logEndOffset))))
  t.same(snap.map(e => [e.producerId, e.epoch, e.batches.length]), [[9, 1, 0]], 'the fencing epoch is in the snapshot')
  // and a reload from that snapshot refuses the fenced epoch's marker
  await log.close()
  log = await openLog(dir)
  const again = await log.loadProducerState()
  t.equal(again.checkMarker(9, 0)?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH)
  await log.close()
})

t.test('after a cut-back (\'truncated\') the LSO stays held by the open transaction while the state reloads', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  const log = await openLog(dir)
  log.append([buildRecordBatch([{ value: 'plain' }])], 1)
  const tx = log.append([txBatch(3, 0, 0, 2)], 1)
  await tx.durable
  const before = await log.loadProducerState()
  t.equal(log.lastStableOffset, tx.baseOffset)
  log.producerState.truncateAndReload()
  t.equal(log.producerState.loaded, null, 'the state is being reloaded')
  t.equal(log.lastStableOffset, tx.baseOffset, 'meanwhile the LSO is not the HW')
  const after = await log.loadProducerState()
  t.not(after, before)
  t.equal(log.lastStableOffset, tx.baseOffset, 'the reloaded state holds it too')
  await log.close()
})

t.test('an unreadable snapshot is ignored: the state is rebuilt from the whole log', async t => {
  const root = tmp(t)
  const dir = join(root, 't-0')
  const log = await openLog(dir)
  const at = await writeHistory(log)
  writeFileSync(join(dir, snapshotFileName(log.logEndOffset)), Buffer.from('garbage!garbage!'))
  const s = await log.loadProducerState()
  t.same([...s.ongoing], [[3, at.c!]])
  await log.close()
})
