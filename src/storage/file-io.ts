// Positional file I/O helpers over raw descriptors (fs callbacks wrapped once; no FileHandle objects on the
// hot path). Reads and writes loop until done, because a positional read/write may move fewer bytes.
//
// Fault injection: `fileFaults` lets tests make the next writes or fsyncs fail as a broken or full disk
// would (ENOSPC, EIO) without a special filesystem. Checked once per writevAt call and once per fsync
// request on the main thread (the Flusher consults it before handing the fd to its worker); null in
// production, so the cost is one property read. `fileFaults.open` fails the opens of segment files
// (open-files.ts, LogSegment.createSync) and of index files being written (index/abstract-index.ts), as a
// process out of file descriptors (EMFILE) would.
import { read, writev, close, open, fsync, ftruncate } from 'node:fs'

export interface FileFaults {
  /** Returns an error to fail this write with (nothing is written), or null to let it through. */
  write: ((fd: number, bytes: number) => NodeJS.ErrnoException | null) | null
  /** Returns an error to fail this fsync with, or null to let it through. */
  fsync: ((fd: number) => NodeJS.ErrnoException | null) | null
  /** Returns an error to fail this open of a segment or index file with, or null to let it through. */
  open?: ((path: string) => NodeJS.ErrnoException | null) | null
}

export const fileFaults: FileFaults = { write: null, fsync: null, open: null }

/** The error fileFaults.open injects for `path`, or null (production: always null). */
export function injectedOpenError (path: string): NodeJS.ErrnoException | null {
  const f = fileFaults.open
  return f === null || f === undefined ? null : f(path)
}

/** An Error shaped like the one fs calls reject with, e.g. errnoError('ENOSPC', 'no space left on device'). */
export function errnoError (code: string, message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${message}`)
  err.code = code
  return err
}

/** ENOSPC or EDQUOT: the write may succeed later, once space is freed. */
export function isNoSpaceError (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

export function readAt (fd: number, position: number, length: number): Promise<Buffer> {
  return readInto(fd, Buffer.allocUnsafe(length), position, length)
}

/** Reads `length` bytes at `position` into the start of `buf` (which must be large enough); a view of them. */
export function readInto (fd: number, buf: Buffer, position: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let done = 0
    const step = (): void => {
      read(fd, buf, done, length - done, position + done, (err, n) => {
        if (err !== null) { reject(err); return }
        if (n === 0) { resolve(buf.subarray(0, done)); return }
        done += n
        if (done >= length) resolve(buf.subarray(0, length))
        else step()
      })
    }
    if (length === 0) resolve(buf.subarray(0, 0))
    else step()
  })
}

export function writevAt (fd: number, buffers: Buffer[], position: number): Promise<number> {
  let total = 0
  for (const b of buffers) total += b.length
  if (fileFaults.write !== null) {
    const injected = fileFaults.write(fd, total)
    if (injected !== null) return Promise.reject(injected)
  }
  return new Promise((resolve, reject) => {
    let done = 0
    let bufs = buffers
    const step = (): void => {
      writev(fd, bufs, position + done, (err, n) => {
        if (err !== null) { reject(err); return }
        done += n
        if (done >= total) { resolve(total); return }
        if (n === 0) { reject(new Error(`short write on fd ${fd}: wrote 0 of ${total - done} remaining bytes`)); return }
        // drop the bytes already written and retry the rest
        let skip = n
        const rest: Buffer[] = []
        for (const b of bufs) {
          if (skip >= b.length) { skip -= b.length; continue }
          rest.push(skip > 0 ? b.subarray(skip) : b)
          skip = 0
        }
        bufs = rest
        step()
      })
    }
    step()
  })
}

export function openFd (path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => { open(path, flags, 0o644, (err, fd) => { if (err !== null) reject(err); else resolve(fd) }) })
}

export function closeFd (fd: number): Promise<void> {
  return new Promise((resolve, reject) => { close(fd, err => { if (err !== null) reject(err); else resolve() }) })
}

export function fsyncFd (fd: number): Promise<void> {
  if (fileFaults.fsync !== null) {
    const injected = fileFaults.fsync(fd)
    if (injected !== null) return Promise.reject(injected)
  }
  return new Promise((resolve, reject) => { fsync(fd, err => { if (err !== null) reject(err); else resolve() }) })
}

/**
 * fsync of a directory (makes renames and new names in it durable) on the libuv pool, so a slow journal commit
 * never stalls the event loop. Filesystems that refuse fsync on directories are ignored; fileFaults does not apply.
 */
export async function fsyncDirAsync (dir: string): Promise<void> {
  let fd: number
  try { fd = await openFd(dir, 'r') } catch { return }
  try {
    await new Promise<void>((resolve, reject) => { fsync(fd, err => { if (err !== null) reject(err); else resolve() }) })
  } catch { /* EINVAL on some filesystems */ } finally {
    await closeFd(fd).catch(() => {})
  }
}

export function truncateFd (fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => { ftruncate(fd, length, err => { if (err !== null) reject(err); else resolve() }) })
}
