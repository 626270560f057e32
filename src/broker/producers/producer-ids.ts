// Producer id allocation for InitProducerId: ids are handed out from blocks of BLOCK_SIZE, and the end of the
// current block is persisted (fsynced) before any id of it is returned, so no id is ever issued twice, even
// after a crash (a crash only skips the unused rest of a block, as Kafka's ProducerIdManager does).
//
// File: <dataDir>/samsa-producer-ids.msgpack, msgpackr-encoded { version: 1, nextBlockStart: number }.
import fs from 'node:fs'
import path from 'node:path'
import { pack, unpack } from 'msgpackr'

export const PRODUCER_IDS_FILE = 'samsa-producer-ids.msgpack'
export const BLOCK_SIZE = 1000

export class ProducerIdManager {
  private next: number
  private blockEnd: number

  constructor (private readonly dataDir: string) {
    this.next = readNextBlockStart(dataDir)
    this.blockEnd = this.next
  }

  /** A producer id never returned before. */
  allocate (): number {
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
  const v = unpack(buf) as { version?: number, nextBlockStart?: unknown }
  if (typeof v?.nextBlockStart !== 'number' || !Number.isSafeInteger(v.nextBlockStart) || v.nextBlockStart < 0) {
    throw new Error(`${path.join(dataDir, PRODUCER_IDS_FILE)}: expected { nextBlockStart: non-negative integer }, got ${JSON.stringify(v)}`)
  }
  return v.nextBlockStart
}

function persist (dataDir: string, nextBlockStart: number): void {
  const file = path.join(dataDir, PRODUCER_IDS_FILE)
  const fd = fs.openSync(file + '.tmp', 'w')
  try {
    fs.writeSync(fd, pack({ version: 1, nextBlockStart }))
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(file + '.tmp', file)
}
