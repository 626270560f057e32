// Durable broker state that is not a log: ACLs, SCRAM credentials, client quotas (Kafka keeps these as records
// in its KRaft metadata log; one node needs only a file per kind). <dataDir>/samsa-<name>.msgpack, a
// msgpackr-encoded envelope:
//   { version: <int, the kind's format version>, data: <the kind's value> }
// Written whole, atomically: temp file, fsync, rename, fsync of the directory, so a crash leaves the old or
// the new state, never a mix. Writes of one file are queued: the last write wins, and a write that resolves
// is on disk. Threading: main thread.
import { promises as fsp } from 'node:fs'
import { join } from 'node:path'
import { assertWritable } from './disk-space.js'
import { KafkaStorageError } from './errors.js'
import { isNoSpaceError } from './file-io.js'
import { stateFileName } from './log-file-names.js'
import { fsyncDir } from './topic-registry.js'

/** A state file that cannot be read as its kind (names the file and what was wrong). */
export class StateFileError extends Error {
  override name = 'StateFileError'
}

export class StateFile<T> {
  readonly path: string
  private queue: Promise<void> = Promise.resolve()

  /** `name`: the kind (file samsa-<name>.msgpack); `version`: the format version this code reads and writes. */
  constructor (readonly dataDir: string, readonly name: string, readonly version: number) {
    this.path = join(dataDir, stateFileName(name))
  }

  /** The stored value, or null when the file does not exist. */
  async read (): Promise<T | null> {
    let bytes: Buffer
    try {
      bytes = await fsp.readFile(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    const { unpack } = await import('msgpackr')
    let decoded: { version?: unknown, data?: unknown }
    try {
      decoded = unpack(bytes)
    } catch (err) {
      throw new StateFileError(`${this.path}: not a msgpack state file (${(err as Error).message})`)
    }
    if (decoded === null || typeof decoded !== 'object' || !('data' in decoded)) {
      throw new StateFileError(`${this.path}: expected { version, data }, got ${decoded === null ? 'null' : typeof decoded}`)
    }
    if (decoded.version !== this.version) {
      throw new StateFileError(`${this.path}: format version ${String(decoded.version)}, this broker reads version ${this.version}`)
    }
    return decoded.data as T
  }

  /**
   * Replaces the stored value (atomically; queued behind earlier writes of this file). Rejects with a
   * KafkaStorageError, the file unchanged, while the data directory is read-only (disk-space.ts) or when the
   * disk is full; callers keep their in-memory state as it was.
   */
  write (data: T): Promise<void> {
    try {
      assertWritable(this.dataDir, `writing ${this.path}`)
    } catch (err) {
      return Promise.reject(err)
    }
    const next = this.queue.then(async () => await this.writeNow(data))
    this.queue = next.catch(() => {})
    return next
  }

  private async writeNow (data: T): Promise<void> {
    const { pack } = await import('msgpackr')
    const tmp = this.path + '.tmp'
    try {
      const fh = await fsp.open(tmp, 'w')
      try {
        await fh.writeFile(pack({ version: this.version, data }))
        await fh.sync()
      } finally {
        await fh.close()
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true })
      if (isNoSpaceError(err)) throw new KafkaStorageError(`no space left on the device writing ${this.path}: ${(err as Error).message}`, { cause: err })
      throw err
    }
    await fsp.rename(tmp, this.path)
    fsyncDir(this.dataDir)
  }
}
