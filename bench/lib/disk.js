// Raw disk baselines on the same filesystem as the broker's data: the same batch bytes appended with
// fs.writeSync (plus fdatasync every N writes for the acks=-1 comparison), and the same log file read back
// with fs.readSync. They bound what any broker could do here, so broker / baseline is the overhead ratio.
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { MiB } from './stats.js'

/**
 * Appends `batches` round-robin to a fresh file until totalBytes are written or maxMs pass.
 * syncEvery > 0: fdatasync after every syncEvery writes (and once at the end).
 */
export function diskAppend ({ dir, batches, totalBytes, maxMs, syncEvery = 0 }) {
  const file = join(dir, `raw-append-${process.pid}.bin`)
  const fd = openSync(file, 'w')
  let bytes = 0
  let writes = 0
  let syncs = 0
  const t0 = performance.now()
  try {
    while (bytes < totalBytes) {
      const b = batches[writes % batches.length]
      let done = 0
      while (done < b.length) done += writeSync(fd, b, done, b.length - done)
      bytes += b.length
      writes++
      if (syncEvery > 0 && writes % syncEvery === 0) { fdatasyncSync(fd); syncs++ }
      if ((writes & 63) === 0 && performance.now() - t0 > maxMs) break
    }
    if (syncEvery > 0 && writes % syncEvery !== 0) { fdatasyncSync(fd); syncs++ }
  } finally {
    closeSync(fd)
  }
  const seconds = (performance.now() - t0) / 1000
  rmSync(file, { force: true })
  return { seconds, bytes, writes, syncs, mibPerSec: bytes / MiB / seconds }
}

/** Reads a file front to back with fs.readSync in chunkBytes pieces, repeatedly until minSeconds pass. */
export function diskRead ({ file, chunkBytes, minSeconds }) {
  const fd = openSync(file, 'r')
  const size = fstatSync(fd).size
  const buf = Buffer.allocUnsafe(chunkBytes)
  let bytes = 0
  let passes = 0
  const t0 = performance.now()
  try {
    while (passes === 0 || performance.now() - t0 < minSeconds * 1000) {
      let pos = 0
      while (pos < size) {
        const n = readSync(fd, buf, 0, Math.min(chunkBytes, size - pos), pos)
        if (n === 0) break
        pos += n
      }
      bytes += pos
      passes++
    }
  } finally {
    closeSync(fd)
  }
  const seconds = (performance.now() - t0) / 1000
  return { seconds, bytes, passes, mibPerSec: bytes / MiB / seconds }
}
