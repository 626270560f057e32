// Producer id allocation for InitProducerId: ids are handed out from blocks of BLOCK_SIZE, and the end of the
// current block is persisted (fsynced) before any id of it is returned, so no id is ever issued twice, even
// after a crash (a crash only skips the unused rest of a block, as Kafka's ProducerIdManager does).
//
// Ids found in the data are never handed out: the newest producer snapshots are read at the first allocation
// (storage's highestSnapshotProducerId), and storage reports every id it replays from a log (observe, wired
// through the LogManager's onProducerId).
//
// File: <dataDir>/samsa-producer-ids.msgpack, msgpackr-encoded { version: 1, nextBlockStart: number }.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { assertWritable } from '../storage/disk-space.js'
import { KafkaStorageError } from '../storage/errors.js'

// msgpackr is required on the first InitProducerId, not at broker start.
const require = createRequire(import.meta.url)
const msgpackr = (): typeof import('msgpackr') => require('msgpackr') as typeof import('msgpackr')

export const PRODUCER_IDS_FILE = 'samsa-producer-ids.msgpack'
export const BLOCK_SIZE = 1000

export class ProducerIdManager {
  /** -1 until the first allocation reads the file. */
  private next = -1
  private blockEnd = -1
  /** Largest producer id seen in data this manager did not issue (snapshots, replayed logs). */
  private seen = -1

  /**
   * `highestInData` returns the largest producer id found in the data directory's producer snapshots: a
   * partition written by Kafka (or restored from elsewhere) carries ids this manager never issued, and a new
   * producer must not inherit their sequence state. It runs once, at the first allocation.
   */
  constructor (private readonly dataDir: string, private readonly highestInData: () => number = () => -1) {}

  /** Notes a producer id found in a log, so later allocations stay above it. */
  observe (producerId: number): void {
    if (producerId > this.seen) this.seen = producerId
  }

  /** A producer id never returned before and above every id seen in the data. */
  allocate (): number {
    if (this.next < 0) {
      this.next = readNextBlockStart(this.dataDir)
      this.blockEnd = this.next
      this.observe(this.highestInData())
    }
    if (this.next <= this.seen) {
      // Skip past ids present in the data; the new block end is persisted below before any is used.
      this.next = this.seen + 1
      this.blockEnd = this.next
    }
    if (this.next >= this.blockEnd) {
      const end = this.next + BLOCK_SIZE
      persist(this.dataDir, end)
      this.blockEnd = end
    }
    return this.next++
  }
}

function readNextBlockStart (dataDir: string): number {
  let buf: Buffer
  try {
    buf = fs.readFileSync(path.join(dataDir, PRODUCER_IDS_FILE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  const v = msgpackr().unpack(buf) as { version?: number, nextBlockStart?: unknown }
  if (typeof v?.nextBlockStart !== 'number' || !Number.isSafeInteger(v.nextBlockStart) || v.nextBlockStart < 0) {
    throw new Error(`${path.join(dataDir, PRODUCER_IDS_FILE)}: expected { nextBlockStart: non-negative integer }, got ${JSON.stringify(v)}`)
  }
  return v.nextBlockStart
}

/** Throws a KafkaStorageError (the file unchanged) while the data directory is read-only or on a full disk. */
function persist (dataDir: string, nextBlockStart: number): void {
  const file = path.join(dataDir, PRODUCER_IDS_FILE)
  assertWritable(dataDir, `a new block of producer ids (${file})`)
  try {
    const fd = fs.openSync(file + '.tmp', 'w')
    try {
      fs.writeSync(fd, msgpackr().pack({ version: 1, nextBlockStart }))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (err) {
    fs.rmSync(file + '.tmp', { force: true })
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new KafkaStorageError(`no space left on the device writing ${file}: ${(err as Error).message}`, { cause: err })
    throw err
  }
  fs.renameSync(file + '.tmp', file)
}
