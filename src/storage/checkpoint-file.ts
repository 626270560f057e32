// Offset checkpoint files at the data dir root, in Kafka's own text format (Kafka's OffsetCheckpointFile), so
// Kafka's tools and a Kafka broker started on the same data dir read them:
//
//   log-start-offset-checkpoint      first readable offset of each partition (DeleteRecords, retention)
//   cleaner-offset-checkpoint        first dirty offset of each compacted partition (the cleaner)
//
//   0                                version
//   2                                number of entries
//   orders 0 1200                    "<topic> <partition> <offset>", one line per partition, any order
//   __consumer_offsets 12 5000
//
// Lines end with "\n". Topic names never hold spaces (legal names are [a-zA-Z0-9._-]).
// Invariants: the file on disk is always a complete checkpoint: written to `<name>.tmp`, fsynced, renamed,
// then the directory fsynced (on the libuv pool: a journal commit can take tens of ms). A missing file reads as empty; a malformed one reads as empty with a WARN
// naming the file and the bad line (a checkpoint is an optimisation or a lower bound, never the data).
// Threading: main thread; writes are serialized per file, and a write requested while another runs
// coalesces with the next one (the latest content wins).
import { promises as fsp } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import { fsyncDirAsync } from './file-io.js'

export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint'
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint'
export const CHECKPOINT_VERSION = 0

/** `<topic>-<partition>` -> offset. */
export type OffsetCheckpoint = Map<string, number>

export function checkpointKey (topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** Parses checkpoint text; throws an Error naming the line on malformed content. */
export function parseCheckpoint (text: string, file: string): OffsetCheckpoint {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const out: OffsetCheckpoint = new Map()
  if (lines.length === 0) return out
  const version = Number(lines[0])
  if (lines[0]!.trim() !== String(CHECKPOINT_VERSION) || version !== CHECKPOINT_VERSION) {
    throw new Error(`checkpoint ${file}: line 1 is version '${lines[0]}', expected ${CHECKPOINT_VERSION}`)
  }
  const count = Number(lines[1])
  if (!Number.isInteger(count) || count < 0) throw new Error(`checkpoint ${file}: line 2 is entry count '${lines[1] ?? ''}', expected an integer >= 0`)
  if (lines.length - 2 !== count) throw new Error(`checkpoint ${file}: says ${count} entries, has ${lines.length - 2} lines of entries`)
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i]!.split(' ')
    const partition = Number(parts[1])
    const offset = Number(parts[2])
    if (parts.length !== 3 || parts[0] === '' || !Number.isInteger(partition) || partition < 0 || !Number.isSafeInteger(offset)) {
      throw new Error(`checkpoint ${file}: line ${i + 1} is '${lines[i]}', expected '<topic> <partition> <offset>'`)
    }
    out.set(checkpointKey(parts[0]!, partition), offset)
  }
  return out
}

export function formatCheckpoint (entries: OffsetCheckpoint): string {
  const lines = [String(CHECKPOINT_VERSION), String(entries.size)]
  for (const [key, offset] of entries) {
    const i = key.lastIndexOf('-')
    lines.push(`${key.slice(0, i)} ${key.slice(i + 1)} ${offset}`)
  }
  return lines.join('\n') + '\n'
}

export class CheckpointFile {
  readonly file: string
  private writing: Promise<void> = Promise.resolve()
  private pending: OffsetCheckpoint | null = null
  private pendingDone: Promise<void> | null = null

  constructor (readonly dataDir: string, readonly name: string, private readonly logger: Logger) {
    this.file = join(dataDir, name)
  }

  async read (): Promise<OffsetCheckpoint> {
    let text: string
    try {
      text = await fsp.readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      throw err
    }
    try {
      return parseCheckpoint(text, this.file)
    } catch (err) {
      this.logger.warn({ file: this.file, err: (err as Error).message }, `ignoring malformed checkpoint: ${(err as Error).message}`)
      return new Map()
    }
  }

  /** Writes `entries` (a snapshot is taken now); resolves once that content, or a later one, is durable. */
  write (entries: OffsetCheckpoint): Promise<void> {
    this.pending = new Map(entries)
    if (this.pendingDone === null) {
      this.pendingDone = this.writing.then(async () => {
        const snapshot = this.pending!
        this.pending = null
        this.pendingDone = null
        await this.writeNow(snapshot)
      })
      this.writing = this.pendingDone.catch(() => {})
    }
    return this.pendingDone
  }

  private async writeNow (entries: OffsetCheckpoint): Promise<void> {
    const tmp = this.file + '.tmp'
    const fh = await fsp.open(tmp, 'w')
    try {
      await fh.writeFile(formatCheckpoint(entries))
      await fh.sync()
    } catch (err) {
      await fh.close().catch(() => {})
      await fsp.rm(tmp, { force: true })
      throw err
    }
    await fh.close()
    await fsp.rename(tmp, this.file)
    await fsyncDirAsync(this.dataDir)
  }
}
