// Transaction index: the aborted transactions whose abort marker lies in one segment, `<base offset>.txnindex`
// beside the segment's `.log` (Kafka's TransactionIndex, byte for byte).
//
// File layout: a sequence of 34-byte entries, big-endian, in the order the markers were appended:
//   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
// firstOffset: the first offset of the aborted transaction; lastOffset: the offset of its ABORT marker;
// lastStableOffset: the partition's LSO once the marker is appended (Kafka uses it to stop a search early).
// The file exists only once a segment holds an abort marker (Kafka creates it lazily too).
//
// Invariants: entries are kept sorted by lastOffset (markers are appended in offset order); every entry's
// lastOffset is inside its segment. An entry is written (and fdatasynced) before its marker is appended, so a
// crash can leave an entry whose marker never reached the log, never the reverse: at load, entries at or past
// the log end offset are dropped (truncateTo). Reads are from memory; the file is only appended to at runtime
// and rewritten whole by truncateTo and by compaction.
import fs from 'node:fs'

export const TXN_INDEX_ENTRY_SIZE = 34
const VERSION = 0

export interface AbortedTxn {
  producerId: number
  firstOffset: number
  lastOffset: number
  lastStableOffset: number
}

export function encodeAbortedTxns (entries: readonly AbortedTxn[]): Buffer {
  const buf = Buffer.alloc(entries.length * TXN_INDEX_ENTRY_SIZE)
  entries.forEach((e, i) => {
    const p = i * TXN_INDEX_ENTRY_SIZE
    buf.writeInt16BE(VERSION, p)
    buf.writeBigInt64BE(BigInt(e.producerId), p + 2)
    buf.writeBigInt64BE(BigInt(e.firstOffset), p + 10)
    buf.writeBigInt64BE(BigInt(e.lastOffset), p + 18)
    buf.writeBigInt64BE(BigInt(e.lastStableOffset), p + 26)
  })
  return buf
}

/** Decodes a whole file; throws an Error naming the first bad entry (a partial last entry is ignored, as Kafka). */
export function decodeAbortedTxns (buf: Buffer, file = 'txnindex'): AbortedTxn[] {
  const out: AbortedTxn[] = []
  const whole = buf.length - (buf.length % TXN_INDEX_ENTRY_SIZE)
  for (let p = 0; p < whole; p += TXN_INDEX_ENTRY_SIZE) {
    const version = buf.readInt16BE(p)
    if (version !== VERSION) throw new Error(`${file}: entry ${p / TXN_INDEX_ENTRY_SIZE} has version ${version}, expected ${VERSION}`)
    out.push({
      producerId: Number(buf.readBigInt64BE(p + 2)),
      firstOffset: Number(buf.readBigInt64BE(p + 10)),
      lastOffset: Number(buf.readBigInt64BE(p + 18)),
      lastStableOffset: Number(buf.readBigInt64BE(p + 26))
    })
  }
  return out
}

export class TxnIndex {
  private list: AbortedTxn[] = []

  constructor (public file: string) {}

  get entries (): readonly AbortedTxn[] { return this.list }

  /**
   * Reads the file if it exists. A partial last entry (a crash during an append) is cut off the file, so the
   * next append starts on an entry boundary. From an entry that does not decode on, entries are dropped and
   * the file rewritten with the ones before it; the problem is returned (the caller logs it, and the producer
   * state replay re-adds the aborts it meets).
   */
  load (): string | null {
    let buf: Buffer
    try {
      buf = fs.readFileSync(this.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      return `cannot read ${this.file}: ${(err as Error).message}`
    }
    const whole = buf.length - (buf.length % TXN_INDEX_ENTRY_SIZE)
    let problem: string | null = null
    const good: AbortedTxn[] = []
    for (let p = 0; p < whole; p += TXN_INDEX_ENTRY_SIZE) {
      try {
        good.push(...decodeAbortedTxns(buf.subarray(p, p + TXN_INDEX_ENTRY_SIZE), this.file))
      } catch (err) {
        problem = (err as Error).message.replace(/entry 0 /, `entry ${p / TXN_INDEX_ENTRY_SIZE} `)
        break
      }
    }
    this.list = good
    try {
      if (problem !== null) this.rewrite()
      else if (whole !== buf.length) fs.truncateSync(this.file, whole)
    } catch (err) {
      problem = `${problem ?? `${this.file} ends with a partial entry`}; repairing it failed: ${(err as Error).message}`
    }
    return problem
  }

  /** Appends one entry to the file and fdatasyncs it (aborts are rare; the marker must never precede its entry). */
  append (e: AbortedTxn): void {
    const last = this.list[this.list.length - 1]
    if (last !== undefined && e.lastOffset <= last.lastOffset) {
      throw new Error(`${this.file}: aborted transaction at offset ${e.lastOffset} is not after the last entry (${last.lastOffset})`)
    }
    const fd = fs.openSync(this.file, 'a', 0o644)
    try {
      fs.writeSync(fd, encodeAbortedTxns([e]))
      fs.fdatasyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    this.list.push(e)
  }

  /** Drops the entries whose marker is at or past `offset` and rewrites the file (or removes it when empty). */
  truncateTo (offset: number): void {
    const keep = this.list.filter(e => e.lastOffset < offset)
    if (keep.length === this.list.length) return
    this.list = keep
    this.rewrite()
  }

  /** Replaces every entry (compaction: the cleaned segment takes the entries of the segments it replaces). */
  replaceAll (entries: readonly AbortedTxn[]): void {
    this.list = [...entries].sort((a, b) => a.lastOffset - b.lastOffset)
    this.rewrite()
  }

  private rewrite (): void {
    if (this.list.length === 0) {
      fs.rmSync(this.file, { force: true })
      return
    }
    const tmp = this.file + '.tmp'
    fs.writeFileSync(tmp, encodeAbortedTxns(this.list))
    const fd = fs.openSync(tmp, 'r')
    try { fs.fdatasyncSync(fd) } finally { fs.closeSync(fd) }
    fs.renameSync(tmp, this.file)
  }

  /**
   * Appends to `out` the entries that overlap [fetchOffset, upperBoundOffset): lastOffset >= fetchOffset and
   * firstOffset < upperBoundOffset. Returns true once an entry's lastStableOffset reaches upperBoundOffset:
   * no later segment can hold an overlapping transaction (Kafka's TxnIndexSearchResult.isComplete).
   */
  collect (fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const e of this.list) {
      if (e.lastOffset >= fetchOffset && e.firstOffset < upperBoundOffset) out.push(e)
      if (e.lastStableOffset >= upperBoundOffset) return true
    }
    return false
  }
}
