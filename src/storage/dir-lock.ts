// One broker per data directory (Kafka's `.lock`). Kafka holds a FileLock (flock) on <dataDir>/.lock; Node has
// no flock, so Samsa's lock is the *existence* of <dataDir>/.lock, created exclusively, naming its holder:
//
//   <dataDir>/.lock -> "samsa pid=<pid> start=<ticks> host=<hostname>"     a symbolic link; the target is the text
//
//   pid     the holding process
//   start   its start time in clock ticks since boot (/proc/<pid>/stat field 22; 0 where /proc is missing), so a
//           pid reused by an unrelated process after a crash is not mistaken for the holder
//   host    os.hostname(): a lock taken on another host (a shared filesystem) cannot be checked, and is refused
//
// Why a symbolic link and not a file holding the text: creating it is atomic with its content (symlink(2) fails
// with EEXIST if the name exists, and readlink(2) returns all or nothing), and a short target is kept in the
// inode on ext4, xfs and tmpfs, so the lock is taken even on a full disk (the broker starts read-only there).
//
// acquire(): symlink; on EEXIST read the holder:
//   - this process already holds the directory (a second embedded startBroker on it): DirLockError
//   - a live process on this host (same pid and start time): DirLockError naming the directory and the pid
//   - another host: DirLockError (Samsa cannot tell whether it runs; remove the link once sure)
//   - a dead pid (a crash, kill -9), or not a Samsa lock (a regular `.lock` file a stopped Kafka broker left:
//     Kafka never removes it): stale; taken over with a WARN. The stale entry is first renamed to a unique
//     name and read again there: if it is not the one judged stale (another starting broker took it over in
//     between), it is put back and acquire() looks again, so two brokers racing for a stale lock never both win.
// release() (broker close) removes the link. Invariant: while a broker of this process runs on a directory,
// the directory's realpath is in HELD and .lock names this process. Threading: main thread, synchronous.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from '../logger.js'

export const LOCK_FILE = '.lock'

/** The data directory is in use by another broker (or another broker of this process). */
export class DirLockError extends Error {
  override name = 'DirLockError'
}

interface Holder { pid: number, start: number, host: string }

/** Data directories (realpaths) held by brokers of this process. */
const HELD = new Set<string>()

/** Start time of `pid` in clock ticks since boot, 0 when /proc cannot tell, null when the process does not exist there. */
function processStartTicks (pid: number): number | null {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ESRCH') return fs.existsSync('/proc/self/stat') ? null : 0
    return 0
  }
  // "pid (comm) state ppid ..." : comm may hold spaces and parentheses; fields restart after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[19]) // field 22 overall
  return Number.isSafeInteger(ticks) ? ticks : 0
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function describeHolder (h: Holder): string {
  return `samsa pid=${h.pid} start=${h.start} host=${h.host}`
}

function parseHolder (text: string): Holder | null {
  const m = /^samsa pid=(\d+) start=(\d+) host=(\S*)$/.exec(text)
  return m === null ? null : { pid: Number(m[1]), start: Number(m[2]), host: m[3]! }
}

/** The lock entry's holder; 'foreign' when it exists but is not a Samsa lock; null when it does not exist. */
function readHolder (file: string): Holder | 'foreign' | null {
  try {
    return parseHolder(fs.readlinkSync(file)) ?? 'foreign'
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'EINVAL') return 'foreign' // a regular file: Kafka's .lock
    throw err
  }
}

function sameHolder (a: Holder | 'foreign' | null, b: Holder | 'foreign' | null): boolean {
  if (a === null || b === null || a === 'foreign' || b === 'foreign') return a === b
  return a.pid === b.pid && a.start === b.start && a.host === b.host
}

export class DirLock {
  private released = false

  private constructor (readonly dataDir: string, readonly file: string, private readonly key: string) {}

  /** Takes the lock of `dataDir` (which must exist) or throws DirLockError; see the header for the rules. */
  static acquire (dataDir: string, logger: Logger): DirLock {
    const key = fs.realpathSync(dataDir)
    if (HELD.has(key)) {
      throw new DirLockError(`data directory ${dataDir} is already in use by a broker of this process (pid ${process.pid}); one broker per data directory`)
    }
    const file = path.join(dataDir, LOCK_FILE)
    const me: Holder = { pid: process.pid, start: processStartTicks(process.pid) ?? 0, host: os.hostname() }
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.symlinkSync(describeHolder(me), file)
        HELD.add(key)
        return new DirLock(dataDir, file, key)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new DirLockError(`cannot lock data directory ${dataDir} (creating ${file}): ${(err as Error).message}`)
        }
      }
      const holder = readHolder(file)
      if (holder === null) continue // released meanwhile: try again
      if (holder !== 'foreign') {
        if (holder.host !== me.host) {
          throw new DirLockError(`data directory ${dataDir} is locked by pid ${holder.pid} on host ${holder.host} (${file}); Samsa cannot check a process on another host: remove ${file} once sure no broker runs there`)
        }
        if (holder.pid === process.pid && holder.start === me.start) {
          // this process wrote it and no broker of it holds the directory: a broker of this process that never closed
          logger.warn({ dataDir, file }, `taking over the lock ${file} left by a broker of this process that was not closed`)
        } else if (isAlive(holder.pid) && (holder.start === 0 || processStartTicks(holder.pid) === holder.start)) {
          throw new DirLockError(`data directory ${dataDir} is in use by another broker (pid ${holder.pid}, lock ${file}); one broker per data directory: stop it, or choose another --data-dir`)
        }
      }
      if (!takeOver(file, holder, dataDir, logger)) continue
    }
    throw new DirLockError(`cannot lock data directory ${dataDir}: ${file} kept changing (another broker starting on it?)`)
  }

  /** Removes the lock (once); the directory may then be used by another broker. */
  release (): void {
    if (this.released) return
    this.released = true
    HELD.delete(this.key)
    try {
      const holder = readHolder(this.file)
      if (holder !== null && holder !== 'foreign' && holder.pid === process.pid) fs.rmSync(this.file, { force: true })
    } catch { /* the directory is gone (a test removed it): nothing to release */ }
  }
}

/** Moves a stale lock out of the way; false when another broker changed it meanwhile (then the caller looks again). */
function takeOver (file: string, stale: Holder | 'foreign', dataDir: string, logger: Logger): boolean {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`
  try {
    fs.renameSync(file, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  const moved = readHolder(aside)
  if (!sameHolder(moved, stale)) {
    // another broker replaced the stale lock with its own between our read and the rename: give it back
    try { fs.linkSync(aside, file) } catch { /* a third one took the name meanwhile: theirs stands */ }
    fs.rmSync(aside, { force: true })
    return false
  }
  fs.rmSync(aside, { force: true })
  const what = stale === 'foreign'
    ? `${file} is not a Samsa lock (a stopped Kafka broker leaves its .lock file behind)`
    : `pid ${stale.pid} that held ${file} is no longer running (it crashed or was killed)`
  logger.warn({ dataDir, file, stale: stale === 'foreign' ? 'foreign' : stale.pid }, `taking over the lock of data directory ${dataDir}: ${what}`)
  return true
}
