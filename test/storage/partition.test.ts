// Partition (storage/partition.ts): the append as the leader does it (checks, dedupe, producer state in the same
// turn), markers, refusals as error codes, the LSO after a full-disk cut-back, producer ids reported from the data.
import t from 'tap'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { errnoError, writevAt } from '../../src/storage/file-io.js'
import { DEFAULT_LOG_CONFIG, type LogConfig, type WriteImpl } from '../../src/storage/log.js'
import { Partition, type LeaderAppend } from '../../src/storage/partition.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-partition-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function open (dir: string, opts: { config?: Partial<LogConfig>, writeImpl?: WriteImpl, onProducerId?: (id: number) => void } = {}): Promise<Partition> {
  return await Partition.open({
    dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, fsync: 'never', ...opts.config },
    flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown: true,
    writeImpl: opts.writeImpl, onProducerId: opts.onProducerId
  })
}

const idem = (pid: number, epoch: number, seq: number, n: number, transactional = false): Buffer =>
  buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${seq + i}` })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, isTransactional: transactional, timestamp: 1000 })

const client = { now: 1000, origin: 'client' } as const

function appended (t: { equal: (a: unknown, b: unknown) => unknown }, r: LeaderAppend): Extract<LeaderAppend, { kind: 'appended' }> {
  if (r.kind !== 'appended') throw new Error(`expected an append, got ${JSON.stringify(r)}`)
  t.equal(r.errorCode, ErrorCode.NONE)
  return r
}

t.test('an idempotent batch needs the producer state loaded; then a retry is a duplicate answered with its original offsets', async t => {
  const p = await open(join(tmp(t), 't-0'))
  t.teardown(async () => { await p.close() })
  const early = p.appendAsLeader(idem(1, 0, 0, 2), client)
  t.match(early, { kind: 'refused', errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: /producer state of t-0 could not be loaded/ })
  t.equal(p.logEndOffset, 0, 'nothing appended')
  t.equal(p.producerStateLoaded, false)
  await p.loadProducerState()
  t.equal(p.producerStateLoaded, true)
  const first = appended(t, p.appendAsLeader(idem(1, 0, 0, 2), client))
  await first.durable
  t.same(p.appendAsLeader(idem(1, 0, 0, 2), client), { kind: 'duplicate', errorCode: ErrorCode.NONE, baseOffset: 0, lastOffset: 1 })
  t.equal(p.logEndOffset, 2, 'the duplicate appended nothing')
  t.match(p.appendAsLeader(idem(1, 0, 5, 1), client), { kind: 'refused', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, recordIndex: -1 })
  await p.waitForHighWatermark(2)
})

t.test('a compacted topic refuses a keyless record from a client with its index; a coordinator\'s batch is not read', async t => {
  const p = await open(join(tmp(t), 't-0'), { config: { cleanupPolicy: 'compact' } })
  t.teardown(async () => { await p.close() })
  const batch = buildRecordBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }])
  const r = p.appendAsLeader(batch, client)
  t.match(r, { kind: 'refused', errorCode: ErrorCode.INVALID_RECORD, recordIndex: 1, message: /Compacted topic cannot accept message without key in topic partition t-0 \(record 1/ })
  appended(t, p.appendAsLeader(buildRecordBatch([{ key: null, value: '2' }]), { now: 1, origin: 'coordinator' }))
})

t.test('a client\'s transactional batch asks the verification; a coordinator\'s transactional batch skips sequence checks', async t => {
  const p = await open(join(tmp(t), 't-0'))
  t.teardown(async () => { await p.close() })
  await p.loadProducerState()
  const refused = p.appendAsLeader(idem(7, 0, 0, 1, true), { ...client, verifyTransaction: () => ({ kind: 'refused', errorCode: ErrorCode.INVALID_TXN_STATE, message: 'no', recordIndex: -1 }) })
  t.match(refused, { errorCode: ErrorCode.INVALID_TXN_STATE })
  const coordinator = buildRecordBatch([{ key: 'k', value: 'v' }, { key: 'k', value: 'w' }], { producerId: 7, producerEpoch: 0, baseSequence: -1, isTransactional: true, timestamp: 5 })
  const r = appended(t, p.appendAsLeader(coordinator, { now: 5, origin: 'coordinator' }))
  const entry = p.producerState.loaded!.producers.get(7)!
  t.same(entry.batches, [{ firstSeq: -1, lastSeq: -1, firstOffset: r.baseOffset, lastOffset: r.lastOffset, timestamp: 5 }])
  t.equal(entry.currentTxnFirstOffset, r.baseOffset, 'the transaction opened at the batch')
  await r.durable
  t.equal(p.lastStableOffset, r.baseOffset, 'and holds the LSO')
})

t.test('appendMarker: epoch and coordinator-epoch refusals as codes; an abort lands in the .txnindex; resolves durable', async t => {
  const p = await open(join(tmp(t), 't-0'))
  t.teardown(async () => { await p.close() })
  await p.loadProducerState()
  const tx = appended(t, p.appendAsLeader(idem(3, 2, 0, 2, true), client))
  t.match(await p.appendMarker(3, 1, false, 5, true), { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH })
  t.same(await p.appendMarker(3, 2, false, 5, true), { errorCode: ErrorCode.NONE, message: null })
  t.equal(p.highWatermark, p.logEndOffset, 'durable when it resolves')
  t.same(p.collectAbortedTxns(0, p.logEndOffset), [{ producerId: 3, firstOffset: tx.baseOffset, lastOffset: 2, lastStableOffset: 3 }])
  t.equal(p.lastStableOffset, p.highWatermark)
  t.match(await p.appendMarker(3, 2, true, 4, true), { errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, message: /coordinator epoch 4 is older than 5/ })
  t.same(await p.appendMarker(3, 2, true, 4, false), { errorCode: ErrorCode.NONE, message: null }, 'unchecked for Samsa\'s own coordinator')
})

t.test('a storage failure is KAFKA_STORAGE_ERROR, not a throw', async t => {
  let fail = false
  const p = await open(join(tmp(t), 't-0'), { writeImpl: async (fd, bufs, pos) => { if (fail) throw errnoError('EIO', 'i/o error (injected)'); return await writevAt(fd, bufs, pos) } })
  t.teardown(async () => { await p.close() })
  fail = true
  const r = appended(t, p.appendAsLeader(buildRecordBatch([{ value: 'x' }]), client))
  await t.rejects(r.durable)
  t.match(p.appendAsLeader(buildRecordBatch([{ value: 'y' }]), client), { kind: 'refused', errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: /append to t-0 failed/ })
  t.match(await p.appendMarker(1, 0, true, 0, true), { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: /t-0 is offline/ })
})

t.test('a full-disk cut-back reloads the producer state by itself; the open transaction keeps holding the LSO', async t => {
  let full = false
  const p = await open(join(tmp(t), 't-0'), { writeImpl: async (fd, bufs, pos) => { if (full) throw errnoError('ENOSPC', 'no space left on device (injected)'); return await writevAt(fd, bufs, pos) } })
  t.teardown(async () => { await p.close() })
  const before = await p.loadProducerState()
  appended(t, p.appendAsLeader(buildRecordBatch([{ value: 'plain' }]), client))
  const tx = appended(t, p.appendAsLeader(idem(3, 0, 0, 2, true), client))
  await tx.durable
  full = true
  const lost = appended(t, p.appendAsLeader(idem(3, 0, 2, 1, true), client))
  await t.rejects(lost.durable, /no space left/)
  await p.whenIdle()
  full = false
  t.equal(p.lastStableOffset, tx.baseOffset, 'held while (or after) the state reloads')
  const after = await p.loadProducerState()
  t.not(after, before, 'a new state, rebuilt from the log')
  t.equal(after.producers.get(3)!.batches.at(-1)!.lastSeq, 1, 'the refused batch is not in it')
  t.equal(p.lastStableOffset, tx.baseOffset)
  appended(t, p.appendAsLeader(idem(3, 0, 2, 1, true), client))
})

t.test('producer ids in snapshots and replayed batches are reported; close writes a snapshot of a loaded state', async t => {
  const dir = join(tmp(t), 't-0')
  let p = await open(dir)
  await p.loadProducerState()
  await appended(t, p.appendAsLeader(idem(41, 0, 0, 1), client)).durable
  await p.close()
  t.ok(readdirSync(dir).some(f => f.endsWith('.snapshot')), 'a snapshot at close')
  const seen: number[] = []
  p = await open(dir, { onProducerId: id => seen.push(id) })
  await p.loadProducerState()
  t.same(seen, [41], 'from the snapshot')
  await p.close()
  for (const f of readdirSync(dir)) if (f.endsWith('.snapshot')) rmSync(join(dir, f))
  seen.length = 0
  p = await open(dir, { onProducerId: id => seen.push(id) })
  await p.loadProducerState()
  t.same(seen, [41], 'from the replayed batch')
  p.discardProducerState()
  await p.close()
  t.notOk(readdirSync(dir).some(f => f.endsWith('.snapshot')), 'a discarded state writes none')
})
