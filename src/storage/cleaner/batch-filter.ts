// The cleaner's per-batch decision (Kafka's Cleaner.cleanInto + MemoryRecords.filterTo): which records of a
// batch survive compaction, and the bytes of the batch that holds them.
//
// A data record survives when it has a key, no later offset for its key is in the offset map, and it is not
// a tombstone (null value) past its batch's delete horizon. Records of aborted transactions never survive.
// Batch outcomes:
//   keep     every record survives and nothing needs rewriting: the original bytes are copied as they are
//            (no decompression cost on the output side, the producer's CRC kept);
//   drop     no record survives: the batch disappears (its offsets become a gap; offsets never change);
//   rewrite  a new batch with the same baseOffset, producer fields, partitionLeaderEpoch, timestamp type and
//            codec, holding the surviving records byte for byte (their offsetDeltas are unchanged, so every
//            record keeps its offset), lastOffsetDelta = the last survivor's, recordCount = survivors,
//            maxTimestamp recomputed (CreateTime), recompressed with the same codec, new CRC32C.
// Delete horizon (KIP-534, attributes bit 6): a surviving tombstone in a batch without a horizon gets one,
// now + delete.retention.ms, written into baseTimestamp; the records' timestampDeltas are rebased on it so
// every record keeps its timestamp. A later cleaning at or after the horizon removes the tombstone.
// Control batches (transaction markers) are kept while any record of their transaction survives; once none
// does they get a horizon like tombstones and are removed after it.
// Empty batches (header only, recordCount 0, same offsets and sequence numbers, uncompressed: Kafka's
// RETAIN_EMPTY) replace a batch none of whose records survives when it is
//   - the last batch a producer has in the log, so producer state rebuilt from the log after a crash still
//     knows the producer's last sequence number;
//   - the last batch of the cleaned range, so the cleaned segments still end where the next one starts: a
//     consumer positioned in a compacted-away tail gets that batch and moves past it instead of fetching
//     nothing until new data arrives.
// Threading: the cleaner's worker thread (pure functions over buffers).
import {
  ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_MASK, CRC_OFFSET,
  DELETE_HORIZON_MASK, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET, readInt64, RECORDS_OFFSET, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK
} from '../../protocol/records/batch-header.js'
import { compress, decompress } from '../../protocol/records/compression.js'
import { crc32c } from '../../protocol/records/crc32c.js'
import type { OffsetMap } from './offset-map.js'
import { RecordCursor } from './record-scan.js'
import { sizeOfVarint, sizeOfVarlong, varintLength, writeVarint, writeVarlong } from '../../protocol/primitives/varint.js'

export type TxnStatus = 'commit' | 'abort' | 'undecided'

/** Outcome of the transaction a data batch of `producerId` at `offset` belongs to (its next marker). */
export interface TxnStatusSource { statusOf: (producerId: number, offset: number) => TxnStatus }

export interface CleanStats {
  bytesRead: number
  bytesWritten: number
  batchesRead: number
  batchesRewritten: number
  batchesDropped: number
  recordsRead: number
  recordsRetained: number
  tombstonesRemoved: number
  keylessRemoved: number
  abortedRemoved: number
  markersRemoved: number
}

export function emptyStats (): CleanStats {
  return {
    bytesRead: 0, bytesWritten: 0, batchesRead: 0, batchesRewritten: 0, batchesDropped: 0, recordsRead: 0,
    recordsRetained: 0, tombstonesRemoved: 0, keylessRemoved: 0, abortedRemoved: 0, markersRemoved: 0
  }
}

export interface FilterContext {
  map: OffsetMap
  now: number
  deleteRetentionMs: number
  txns: TxnStatusSource
  /** producerId -> a record of its current transaction survived (decides whether its marker may go). */
  txnRetained: Map<number, boolean>
  /** Last offset of the last data batch of a producer anywhere in the log (-1: none known). */
  lastBatchOf: (producerId: number) => number
  /** Set while filtering the last batch of the cleaned range: kept (empty if need be), as Kafka does. */
  lastOfRound: boolean
  stats: CleanStats
  /** Smallest delete horizon among surviving tombstones and markers (Infinity if none). */
  earliestHorizon: number
}

export type FilterOutcome =
  | { kind: 'keep' }
  | { kind: 'drop' }
  | { kind: 'rewrite'; batch: Buffer }

const KEEP: FilterOutcome = { kind: 'keep' }
const DROP: FilterOutcome = { kind: 'drop' }

const cursor = new RecordCursor()
// survivors of the current batch, reused across calls
let sStart: number[] = []
let sEnd: number[] = []
let sTsDelta: number[] = []
let sOffPos: number[] = []

/** In a remembered dirty batch: the record has no key. Otherwise entries are `entry id * 2 + (tombstone ? 1 : 0)`. */
export const KEYLESS = -1

/**
 * Fast path for a dirty batch whose records the offset-map pass remembered (keys[start + i] for the record at
 * offset base + i, see KEYLESS): decides from the map alone, without decompressing, when the batch survives
 * whole (keep) or not at all (drop); returns null when some records survive, or a tombstone needs a horizon,
 * and the batch must be rebuilt by filterBatch. Touches ctx only when it decides.
 */
export function filterRememberedBatch (buf: Buffer, pos: number, ctx: FilterContext, keys: Int32Array, start: number): FilterOutcome | null {
  const attrs = buf.readInt16BE(pos + ATTRIBUTES_OFFSET)
  const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
  const base = readInt64(buf, pos)
  const hasHorizon = (attrs & DELETE_HORIZON_MASK) !== 0
  const baseTs = readInt64(buf, pos + BASE_TIMESTAMP_OFFSET)
  const horizonPassed = hasHorizon && ctx.now >= baseTs
  let survivors = 0
  let tombSurvivors = 0
  let tombRemoved = 0
  let keyless = 0
  for (let i = 0; i < count; i++) {
    const e = keys[start + i]!
    if (e < 0) { keyless++; continue }
    if (ctx.map.offsetOf(e >>> 1) > base + i) continue
    if ((e & 1) !== 0) {
      if (horizonPassed) { tombRemoved++; continue }
      tombSurvivors++
    }
    survivors++
  }
  if (survivors !== 0 && (survivors !== count || (tombSurvivors > 0 && !hasHorizon))) return null
  ctx.stats.batchesRead++
  ctx.stats.recordsRead += count
  ctx.stats.keylessRemoved += keyless
  ctx.stats.tombstonesRemoved += tombRemoved
  const producerId = readInt64(buf, pos + PRODUCER_ID_OFFSET)
  if (survivors === 0) return dropOrKeepEmpty(buf, pos, producerId, ctx)
  ctx.stats.recordsRetained += count
  if ((attrs & TRANSACTIONAL_MASK) !== 0) ctx.txnRetained.set(producerId, true)
  if (tombSurvivors > 0) ctx.earliestHorizon = Math.min(ctx.earliestHorizon, baseTs)
  return KEEP
}

/** Decides what becomes of the batch buf[pos, pos + size). */
export function filterBatch (buf: Buffer, pos: number, size: number, ctx: FilterContext): FilterOutcome {
  const attrs = buf.readInt16BE(pos + ATTRIBUTES_OFFSET)
  const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
  const base = readInt64(buf, pos)
  ctx.stats.batchesRead++
  ctx.stats.recordsRead += count
  if ((attrs & CONTROL_MASK) !== 0) return filterControlBatch(buf, pos, size, attrs, ctx)
  const producerId = readInt64(buf, pos + PRODUCER_ID_OFFSET)
  const transactional = (attrs & TRANSACTIONAL_MASK) !== 0
  if (transactional && ctx.txns.statusOf(producerId, base) === 'abort') {
    ctx.stats.abortedRemoved += count
    return dropOrKeepEmpty(buf, pos, producerId, ctx)
  }
  const codec = attrs & COMPRESSION_CODEC_MASK
  const hasHorizon = (attrs & DELETE_HORIZON_MASK) !== 0
  const baseTs = readInt64(buf, pos + BASE_TIMESTAMP_OFFSET)
  const horizonPassed = hasHorizon && ctx.now >= baseTs
  const section = codec === 0 ? buf.subarray(pos + RECORDS_OFFSET, pos + size) : decompress(codec, buf.subarray(pos + RECORDS_OFFSET, pos + size))
  const c = cursor
  c.reset(section, 0, section.length)
  sStart.length = 0; sEnd.length = 0; sTsDelta.length = 0; sOffPos.length = 0
  let tombstones = 0
  let lastOffsetDelta = 0
  let maxTsDelta = -Infinity
  let seen = 0
  while (seen < count && c.next()) {
    seen++
    const offset = base + c.offsetDelta
    if (c.keyLength < 0) { ctx.stats.keylessRemoved++; continue }
    const found = ctx.map.get(section, c.keyStart, c.keyLength)
    if (found > offset) continue
    if (c.valueLength < 0) {
      if (horizonPassed) { ctx.stats.tombstonesRemoved++; continue }
      tombstones++
    }
    sStart.push(c.recordStart)
    sEnd.push(c.recordEnd)
    sTsDelta.push(c.timestampDelta)
    sOffPos.push(c.offsetDeltaPos)
    lastOffsetDelta = c.offsetDelta
    if (c.timestampDelta > maxTsDelta) maxTsDelta = c.timestampDelta
  }
  const survivors = sStart.length
  if (survivors === 0) return dropOrKeepEmpty(buf, pos, producerId, ctx)
  ctx.stats.recordsRetained += survivors
  if (transactional) ctx.txnRetained.set(producerId, true)
  const setHorizon = tombstones > 0 && !hasHorizon
  if (tombstones > 0) ctx.earliestHorizon = Math.min(ctx.earliestHorizon, setHorizon ? ctx.now + ctx.deleteRetentionMs : baseTs)
  if (survivors === count && !setHorizon) return KEEP
  ctx.stats.batchesRewritten++
  const horizon = setHorizon ? ctx.now + ctx.deleteRetentionMs : baseTs
  return { kind: 'rewrite', batch: rebuild(buf, pos, attrs | (setHorizon ? DELETE_HORIZON_MASK : 0), codec, section, baseTs, horizon, lastOffsetDelta, baseTs + maxTsDelta) }
}

/** A batch none of whose records survive: dropped, unless it is its producer's last batch (kept empty). */
function dropOrKeepEmpty (buf: Buffer, pos: number, producerId: number, ctx: FilterContext): FilterOutcome {
  const last = readInt64(buf, pos) + buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET)
  if (ctx.lastOfRound || (producerId >= 0 && ctx.lastBatchOf(producerId) === last)) {
    ctx.stats.batchesRewritten++
    return { kind: 'rewrite', batch: emptyBatch(buf, pos) }
  }
  ctx.stats.batchesDropped++
  return DROP
}

/** Kafka's DefaultRecordBatch.writeEmptyHeader: the header of `buf` at `pos`, no records, no compression. */
function emptyBatch (buf: Buffer, pos: number): Buffer {
  const out = Buffer.allocUnsafe(RECORDS_OFFSET)
  buf.copy(out, 0, pos, pos + RECORDS_OFFSET)
  const attrs = buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & ~COMPRESSION_CODEC_MASK & ~DELETE_HORIZON_MASK
  const maxTs = buf.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET)
  out.writeInt32BE(RECORDS_OFFSET - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
  out.writeInt16BE(attrs, ATTRIBUTES_OFFSET)
  out.writeBigInt64BE(maxTs, BASE_TIMESTAMP_OFFSET)
  out.writeInt32BE(0, RECORDS_COUNT_OFFSET)
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET)
  return out
}

function filterControlBatch (buf: Buffer, pos: number, size: number, attrs: number, ctx: FilterContext): FilterOutcome {
  const producerId = readInt64(buf, pos + PRODUCER_ID_OFFSET)
  const canDiscard = ctx.txnRetained.get(producerId) !== true
  ctx.txnRetained.delete(producerId)
  const hasHorizon = (attrs & DELETE_HORIZON_MASK) !== 0
  const baseTs = readInt64(buf, pos + BASE_TIMESTAMP_OFFSET)
  if (!canDiscard) {
    ctx.stats.recordsRetained += buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
    return KEEP
  }
  if (hasHorizon && ctx.now >= baseTs) {
    ctx.stats.markersRemoved++
    ctx.stats.batchesDropped++
    return DROP
  }
  ctx.stats.recordsRetained += buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
  if (hasHorizon) {
    ctx.earliestHorizon = Math.min(ctx.earliestHorizon, baseTs)
    return KEEP
  }
  // the transaction has no record left: the marker gets a delete horizon, and goes after it
  const codec = attrs & COMPRESSION_CODEC_MASK
  const section = codec === 0 ? buf.subarray(pos + RECORDS_OFFSET, pos + size) : decompress(codec, buf.subarray(pos + RECORDS_OFFSET, pos + size))
  const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
  const c = cursor
  c.reset(section, 0, section.length)
  sStart.length = 0; sEnd.length = 0; sTsDelta.length = 0; sOffPos.length = 0
  let lastOffsetDelta = 0
  let maxTsDelta = -Infinity
  for (let i = 0; i < count && c.next(); i++) {
    sStart.push(c.recordStart); sEnd.push(c.recordEnd); sTsDelta.push(c.timestampDelta); sOffPos.push(c.offsetDeltaPos)
    lastOffsetDelta = c.offsetDelta
    if (c.timestampDelta > maxTsDelta) maxTsDelta = c.timestampDelta
  }
  if (sStart.length === 0) return KEEP
  const horizon = ctx.now + ctx.deleteRetentionMs
  ctx.earliestHorizon = Math.min(ctx.earliestHorizon, horizon)
  ctx.stats.batchesRewritten++
  return { kind: 'rewrite', batch: rebuild(buf, pos, attrs | DELETE_HORIZON_MASK, codec, section, baseTs, horizon, lastOffsetDelta, baseTs + maxTsDelta) }
}

/**
 * A batch of the survivors (sStart/sEnd/...): header copied from the original and updated, records copied,
 * or re-encoded with timestampDelta rebased from `oldBaseTs` to `newBaseTs` when they differ.
 */
function rebuild (buf: Buffer, pos: number, attrs: number, codec: number, section: Buffer, oldBaseTs: number, newBaseTs: number,
  lastOffsetDelta: number, maxCreateTs: number): Buffer {
  const n = sStart.length
  const rebase = newBaseTs !== oldBaseTs
  let total = 0
  if (!rebase) {
    for (let i = 0; i < n; i++) total += sEnd[i]! - sStart[i]!
  } else {
    for (let i = 0; i < n; i++) {
      const body = 1 + sizeOfVarlong(oldBaseTs + sTsDelta[i]! - newBaseTs) + (sEnd[i]! - sOffPos[i]!)
      total += sizeOfVarint(body) + body
    }
  }
  let records: Buffer = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < n; i++) {
    if (!rebase) {
      at += section.copy(records, at, sStart[i]!, sEnd[i]!)
      continue
    }
    const delta = oldBaseTs + sTsDelta[i]! - newBaseTs
    const rest = sEnd[i]! - sOffPos[i]!
    at = writeVarint(records, at, 1 + sizeOfVarlong(delta) + rest)
    // attributes byte: right after the original length varint
    records[at++] = section[sStart[i]! + varintLength(section, sStart[i]!)]! // the record's attributes byte
    at = writeVarlong(records, at, delta)
    at += section.copy(records, at, sOffPos[i]!, sEnd[i]!)
  }
  if (codec !== 0) records = compress(codec, records)
  const out = Buffer.allocUnsafe(RECORDS_OFFSET + records.length)
  buf.copy(out, 0, pos, pos + RECORDS_OFFSET)
  records.copy(out, RECORDS_OFFSET)
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
  out.writeInt16BE(attrs, ATTRIBUTES_OFFSET)
  out.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET)
  out.writeBigInt64BE(BigInt(newBaseTs), BASE_TIMESTAMP_OFFSET)
  if ((attrs & TIMESTAMP_TYPE_MASK) === 0) out.writeBigInt64BE(BigInt(maxCreateTs), MAX_TIMESTAMP_OFFSET)
  out.writeInt32BE(n, RECORDS_COUNT_OFFSET)
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET)
  return out
}

/** Resets the module's scratch arrays (they grow to the largest batch seen). */
export function releaseScratch (): void {
  sStart = []; sEnd = []; sTsDelta = []; sOffPos = []
}
