// Offline decoding of segment files for `samsa dump-log`, as Kafka's DumpLogSegments does, with every
// problem reported as a Corruption { position, message } instead of an exception:
//
//   .log        RecordBatch v2, back to back (layout in protocol/records/batch-header.ts and segments/README.md).
//               Per batch: header fields, CRC32C recomputed over [attributes, end) and compared. A batch whose
//               length is impossible (below the 61-byte header, or past the end of the file) ends the walk:
//               the next batch cannot be found, so the rest of the file is reported as corrupt from there.
//               A bad CRC, an unsupported magic or records that do not decode are reported and the walk goes on
//               (the length still tells where the next batch starts). Offsets must increase batch to batch.
//   .index      8-byte entries: int32 offset relative to the segment base, int32 position in the .log.
//   .timeindex  12-byte entries: int64 timestamp, int32 relative offset.
//               Index entries must increase (offsets strictly, positions/timestamps as Kafka requires); a zero
//               entry after the first is preallocated space (Kafka preallocates active indexes) and ends the
//               entries, as is a zero first entry followed only by zeros (an active index with no entry yet). With the sibling .log present, offset-index entries are checked against it: a batch
//               must start at the position and end at the offset; time-index offsets must fall in a batch.
//
// The .log is walked with storage/file-batches.ts through a window of 4 MiB positional reads, so segments of
// any size are walked in constant memory; batches are yielded one at a time for the caller to print as it goes.
import fs from 'node:fs'
import path from 'node:path'
import { CursorState } from '../protocol/records/batch-cursor.js'
import {
  CURRENT_MAGIC, DELETE_HORIZON_MASK, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, TimestampType, type BatchHeader
} from '../protocol/records/batch-header.js'
import { FileBatches } from '../storage/file-batches.js'
import { codecName } from '../protocol/records/compression.js'
import { iterateRecords } from '../protocol/records/record.js'

export type SegmentFileKind = 'log' | 'index' | 'timeindex'

export interface Corruption { position: number; message: string }

export interface DumpedRecord {
  offset: number
  timestamp: number
  keySize: number
  valueSize: number
  /** baseSequence + offsetDelta for idempotent batches, else -1. */
  sequence: number
  headerKeys: string[]
  key: Buffer | null
  value: Buffer | null
}

export interface DumpedBatch {
  position: number
  size: number
  header: BatchHeader
  lastOffset: number
  lastSequence: number
  deleteHorizonMs: number | null
  codec: string
  computedCrc: number
  crcValid: boolean
  /** Only when records were asked for. */
  records?: DumpedRecord[]
}

export type LogEvent =
  | { type: 'batch', batch: DumpedBatch }
  | { type: 'corruption', corruption: Corruption }

export interface IndexEntry { index: number; position: number; offset: number; filePosition?: number; timestamp?: number }

export type IndexEvent =
  | { type: 'entry', entry: IndexEntry }
  | { type: 'corruption', corruption: Corruption }
  | { type: 'preallocated', position: number, bytes: number }

/** Which kind of segment file `file` is, by name (also .deleted/.swap/.cleaned copies); null if none. */
export function segmentFileKind (file: string): SegmentFileKind | null {
  const base = path.basename(file)
  if (/\.timeindex(\.|$)/.test(base)) return 'timeindex'
  if (/\.index(\.|$)/.test(base)) return 'index'
  if (/\.log(\.|$)/.test(base)) return 'log'
  return null
}

/** The segment base offset from a 20-digit file name; 0 when the name has none. */
export function baseOffsetOf (file: string): number {
  const m = /^(\d{20})\./.exec(path.basename(file))
  return m === null ? 0 : Number(m[1])
}

/** Walks a .log file's batches (see the header comment). `onProgress` gets the position now and then. */
export function * dumpLog (file: string, opts: { records?: boolean, onProgress?: (position: number, size: number) => void } = {}): Generator<LogEvent> {
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.fstatSync(fd).size
    // each batch is one view of the window; records keep views of it, so every read takes its own buffer
    const w = new FileBatches(fd, { windowBytes: 4 * 1024 * 1024, wholeBatches: true, keepViews: true, pooled: false, sync: true }).open(0, size)
    let nextOffset = -1
    let batches = 0
    while (w.next()) {
      if ((++batches & 1023) === 0) opts.onProgress?.(w.position, size)
      const pos = w.position
      const total = w.size
      if (w.magic !== CURRENT_MAGIC) {
        yield corrupt(pos, `batch with magic ${w.magic} (message format v${w.magic}): only RecordBatch v2 (magic 2) is decoded; skipped ${total} bytes`)
        continue
      }
      const header = w.header()
      const computedCrc = w.computeCrc()
      const lastOffset = w.lastOffset
      const batch: DumpedBatch = {
        position: pos,
        size: total,
        header,
        lastOffset,
        lastSequence: header.baseSequence < 0 ? -1 : header.baseSequence + header.lastOffsetDelta,
        deleteHorizonMs: (header.attributes & DELETE_HORIZON_MASK) !== 0 ? header.baseTimestamp : null,
        codec: codecName(header.compression),
        computedCrc,
        crcValid: computedCrc === header.crc
      }
      if (!batch.crcValid) {
        yield corrupt(pos, `CRC mismatch in batch ${header.baseOffset}-${lastOffset}: stored ${header.crc}, computed ${computedCrc}`)
      }
      if (nextOffset >= 0 && header.baseOffset < nextOffset) {
        yield corrupt(pos, `batch base offset ${header.baseOffset} is not above the previous batch's last offset ${nextOffset - 1}`)
      }
      if (header.lastOffsetDelta < 0 || header.recordCount < 0) {
        yield corrupt(pos, `batch ${header.baseOffset}: impossible lastOffsetDelta ${header.lastOffsetDelta} / record count ${header.recordCount}`)
      }
      if (opts.records === true && batch.crcValid) {
        try {
          batch.records = [...iterateRecords(w.buf, w.offset)].map(rec => ({
            offset: rec.offset,
            timestamp: rec.timestamp,
            keySize: rec.key?.length ?? -1,
            valueSize: rec.value?.length ?? -1,
            sequence: header.baseSequence < 0 ? -1 : header.baseSequence + rec.offsetDelta,
            headerKeys: rec.headers.map(h => h.key),
            key: rec.key,
            value: rec.value
          }))
        } catch (err) {
          yield corrupt(pos, `records of batch ${header.baseOffset}-${lastOffset} do not decode: ${(err as Error).message}`)
        }
      }
      yield { type: 'batch', batch }
      nextOffset = lastOffset + 1
    }
    const problem = walkStopProblem(w, size)
    if (problem !== null) {
      yield problem
      return
    }
    opts.onProgress?.(size, size)
  } finally {
    fs.closeSync(fd)
  }
}

/** Where and why the walk of a .log stopped before its end (the rest cannot be read as batches), or null. */
function walkStopProblem (w: FileBatches, size: number): LogEvent | null {
  const pos = w.position
  const left = size - pos
  const total = w.size
  const belowMinimum = (): LogEvent => corrupt(pos, `batch length ${w.batchLength} is below the minimum ${MIN_BATCH_LENGTH} (base offset field ${w.baseOffset}); the remaining ${left} bytes cannot be read as batches`)
  const truncated = (): LogEvent => corrupt(pos, `truncated batch: its length says ${total} bytes, only ${left} remain in the file (base offset field ${w.baseOffset})`)
  switch (w.state) {
    case CursorState.TruncatedHeader:
      if (left < LOG_OVERHEAD) return corrupt(pos, `${left} trailing byte${left === 1 ? '' : 's'}, too few for a batch header (${RECORD_BATCH_OVERHEAD} bytes)`)
      return w.batchLength < MIN_BATCH_LENGTH ? belowMinimum() : truncated()
    case CursorState.SizeBelowMinimum: return belowMinimum()
    case CursorState.TruncatedBatch: return truncated()
    default: return null
  }
}

function corrupt (position: number, message: string): LogEvent & IndexEvent {
  return { type: 'corruption', corruption: { position, message } }
}

interface LogBatchRef { position: number; baseOffset: number; lastOffset: number }

/** Batch positions and offsets of the sibling .log, or null when there is none. */
function siblingLog (indexFile: string): { file: string, batches: LogBatchRef[], size: number } | null {
  const file = indexFile.replace(/\.(time)?index(\.[a-z]+)?$/, '.log$2')
  if (file === indexFile || !fs.existsSync(file)) return null
  const batches: LogBatchRef[] = []
  for (const e of dumpLog(file)) {
    if (e.type === 'batch') batches.push({ position: e.batch.position, baseOffset: e.batch.header.baseOffset, lastOffset: e.batch.lastOffset })
  }
  return { file, batches, size: fs.statSync(file).size }
}

/** Walks an .index or .timeindex file's entries. */
export function * dumpIndex (file: string, kind: 'index' | 'timeindex', opts: { checkLog?: boolean } = {}): Generator<IndexEvent> {
  const bytes = fs.readFileSync(file)
  const entrySize = kind === 'index' ? 8 : 12
  const base = baseOffsetOf(file)
  const log = opts.checkLog === false ? null : siblingLog(file)
  const byPosition = new Map(log?.batches.map(b => [b.position, b]) ?? [])
  const n = Math.floor(bytes.length / entrySize)
  let prevOffset = -1
  let prevKey = -Infinity
  for (let i = 0; i < n; i++) {
    const at = i * entrySize
    const rel = kind === 'index' ? bytes.readInt32BE(at) : bytes.readInt32BE(at + 8)
    const second = kind === 'index' ? bytes.readInt32BE(at + 4) : Number(bytes.readBigInt64BE(at))
    if (rel === 0 && second === 0 && (i > 0 || unusedFirstEntry(bytes, entrySize, kind, base, log?.batches ?? null))) {
      yield { type: 'preallocated', position: at, bytes: bytes.length - at }
      return
    }
    const offset = base + rel
    const entry: IndexEntry = kind === 'index' ? { index: i, position: at, offset, filePosition: second } : { index: i, position: at, offset, timestamp: second }
    yield { type: 'entry', entry }
    if (rel < 0) yield corrupt(at, `entry ${i}: negative relative offset ${rel}`)
    if (kind === 'index') {
      if (offset <= prevOffset) yield corrupt(at, `entry ${i}: offset ${offset} is not above the previous entry's ${prevOffset}`)
      if (second < prevKey) yield corrupt(at, `entry ${i}: position ${second} is below the previous entry's ${prevKey}`)
      if (log !== null) {
        const b = byPosition.get(second)
        if (second >= log.size) yield corrupt(at, `entry ${i}: position ${second} is past the end of ${path.basename(log.file)} (${log.size} bytes)`)
        else if (b === undefined) yield corrupt(at, `entry ${i}: no batch of ${path.basename(log.file)} starts at position ${second}`)
        else if (b.lastOffset !== offset) yield corrupt(at, `entry ${i}: offset ${offset}, but the batch at position ${second} holds offsets ${b.baseOffset}-${b.lastOffset}`)
      }
    } else {
      if (offset < prevOffset) yield corrupt(at, `entry ${i}: offset ${offset} is below the previous entry's ${prevOffset}`)
      if (second <= prevKey) yield corrupt(at, `entry ${i}: timestamp ${second} is not above the previous entry's ${prevKey}`)
      if (log !== null && !log.batches.some(b => b.baseOffset <= offset && offset <= b.lastOffset)) {
        yield corrupt(at, `entry ${i}: offset ${offset} is in no batch of ${path.basename(log.file)}`)
      }
    }
    prevOffset = offset
    prevKey = second
  }
  if (bytes.length % entrySize !== 0) {
    yield corrupt(n * entrySize, `${bytes.length % entrySize} trailing bytes: the file size ${bytes.length} is not a multiple of the ${entrySize}-byte entry`)
  }
}

/**
 * Whether an all-zero first entry is preallocated space rather than an entry: the rest of the file is zeros
 * too (a preallocated active index of Kafka's), and, for an offset index, the log does not have a batch at
 * position 0 that ends at the base offset (the only batch such an entry could describe).
 */
function unusedFirstEntry (bytes: Buffer, entrySize: number, kind: 'index' | 'timeindex', base: number, batches: LogBatchRef[] | null): boolean {
  if (bytes.length < 2 * entrySize) return false
  for (let i = entrySize; i < bytes.length; i++) if (bytes[i] !== 0) return false
  if (kind === 'index' && batches !== null && batches[0]?.position === 0 && batches[0].lastOffset === base) return false
  return true
}

export function timestampTypeName (h: BatchHeader): string {
  return h.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime'
}
