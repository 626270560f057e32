// Producer state snapshots in Kafka's own file format, `<partition dir>/<20-digit offset>.snapshot`, written at
// a clean shutdown with the state as of that offset (the log end offset then). At load, the newest snapshot at
// or below the log end offset is read and the batches after it are replayed.
//
// Layout (big-endian; Kafka's ProducerStateManager PRODUCER_SNAPSHOT_VERSION 1):
//   version int16 (1)
//   crc uint32                 CRC32C of everything after this field
//   entries int32 count, then per producer:
//     producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64, offsetDelta int32,
//     timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64 (-1: no open transaction)
// Kafka keeps only each producer's last batch in a snapshot, so after a restart the deduplication window of
// a producer starts with that one batch; later batches refill it to five. A producer known only by a marker
// (no data batch) is written with lastSequence -1, lastOffset -1, offsetDelta 0, as Kafka does.
// Writes go to `<file>.tmp`, fsynced, then renamed over the file; older snapshots are removed after.
// Threading: main thread, synchronous file I/O (at a partition's first load and at its close).
import fs from 'node:fs'
import path from 'node:path'
import { crc32c } from '../../protocol/records/crc32c.js'
import type { ProducerEntry } from './producer-state.js'

export const SNAPSHOT_SUFFIX = '.snapshot'
const VERSION = 1
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8
const HEADER_SIZE = 2 + 4 + 4

export function snapshotFileName (offset: number): string {
  return String(offset).padStart(20, '0') + SNAPSHOT_SUFFIX
}

export function encodeSnapshot (entries: ProducerEntry[]): Buffer {
  const live = entries.filter(e => e.batches.length > 0 || e.currentTxnFirstOffset >= 0 || e.coordinatorEpoch >= 0)
  const buf = Buffer.alloc(HEADER_SIZE + live.length * ENTRY_SIZE)
  buf.writeInt16BE(VERSION, 0)
  buf.writeInt32BE(live.length, 6)
  let pos = HEADER_SIZE
  for (const e of live) {
    const last = e.batches[e.batches.length - 1] ?? { lastSeq: -1, firstOffset: -1, lastOffset: -1, timestamp: -1 }
    buf.writeBigInt64BE(BigInt(e.producerId), pos)
    buf.writeInt16BE(e.epoch, pos + 8)
    buf.writeInt32BE(last.lastSeq, pos + 10)
    buf.writeBigInt64BE(BigInt(last.lastOffset), pos + 14)
    buf.writeInt32BE(last.lastOffset - last.firstOffset, pos + 22)
    buf.writeBigInt64BE(BigInt(last.timestamp), pos + 26)
    buf.writeInt32BE(e.coordinatorEpoch, pos + 34)
    buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), pos + 38)
    pos += ENTRY_SIZE
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2)
  return buf
}

/** Decodes a snapshot; throws an Error naming the problem (the caller logs it and replays the log instead). */
export function decodeSnapshot (buf: Buffer): ProducerEntry[] {
  if (buf.length < HEADER_SIZE) throw new Error(`snapshot is ${buf.length} bytes, shorter than its ${HEADER_SIZE}-byte header`)
  const version = buf.readInt16BE(0)
  if (version !== VERSION) throw new Error(`snapshot version ${version}, expected ${VERSION}`)
  const crc = buf.readUInt32BE(2)
  const actual = crc32c(buf.subarray(6))
  if (crc !== actual) throw new Error(`snapshot CRC32C mismatch: file says ${crc}, computed ${actual}`)
  const count = buf.readInt32BE(6)
  if (count < 0 || HEADER_SIZE + count * ENTRY_SIZE !== buf.length) throw new Error(`snapshot holds ${buf.length} bytes, ${count} entries need ${HEADER_SIZE + count * ENTRY_SIZE}`)
  const out: ProducerEntry[] = []
  for (let i = 0, pos = HEADER_SIZE; i < count; i++, pos += ENTRY_SIZE) {
    const lastSeq = buf.readInt32BE(pos + 10)
    const lastOffset = Number(buf.readBigInt64BE(pos + 14))
    const offsetDelta = buf.readInt32BE(pos + 22)
    let firstSeq = lastSeq - offsetDelta
    if (firstSeq < 0) firstSeq += 2147483648
    out.push({
      producerId: Number(buf.readBigInt64BE(pos)),
      epoch: buf.readInt16BE(pos + 8),
      batches: lastSeq < 0 || lastOffset < 0 ? [] : [{ firstSeq, lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, timestamp: Number(buf.readBigInt64BE(pos + 26)) }],
      coordinatorEpoch: buf.readInt32BE(pos + 34),
      currentTxnFirstOffset: Number(buf.readBigInt64BE(pos + 38))
    })
  }
  return out
}

/** Snapshot offsets present in a partition directory, ascending. */
export function listSnapshots (dir: string): number[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names.filter(n => /^\d{20}\.snapshot$/.test(n)).map(n => Number(n.slice(0, 20))).sort((a, b) => a - b)
}

export function writeSnapshot (dir: string, offset: number, entries: ProducerEntry[]): void {
  const file = path.join(dir, snapshotFileName(offset))
  const tmp = file + '.tmp'
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, encodeSnapshot(entries))
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  for (const other of listSnapshots(dir)) {
    if (other !== offset) fs.rmSync(path.join(dir, snapshotFileName(other)), { force: true })
  }
}

/**
 * Largest producer id in the newest snapshot of every partition directory under dataDir (-1 if none): a
 * partition written by Kafka (or restored from elsewhere) carries ids this broker never issued.
 */
export function highestSnapshotProducerId (dataDir: string): number {
  let max = -1
  let dirs: string[]
  try {
    dirs = fs.readdirSync(dataDir, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name)
  } catch {
    return max
  }
  for (const d of dirs) {
    const dir = path.join(dataDir, d)
    const offsets = listSnapshots(dir)
    const newest = offsets[offsets.length - 1]
    if (newest === undefined) continue
    try {
      for (const e of decodeSnapshot(fs.readFileSync(path.join(dir, snapshotFileName(newest))))) if (e.producerId > max) max = e.producerId
    } catch {
      // An unreadable snapshot is reported when its partition loads; it cannot raise the floor.
    }
  }
  return max
}
