// DiskSpace (storage/disk-space.ts) on an injected statfs: the automatic threshold, the read-only state and its
// refusal message, one WARN per transition, an ENOSPC at start held until space returns, and the per-directory
// registry that state files and producer-id blocks ask.
import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { AUTO_MIN_FREE_BYTES_CAP, DiskSpace, NO_SPACE_RESUME_BYTES, assertWritable, registerDiskSpace, unregisterDiskSpace, type SpaceReading } from '../../src/storage/disk-space.js'
import { StateFile } from '../../src/storage/state-file.js'
import { tempDir } from '../helpers/broker.js'
import fs from 'node:fs'

const MiB = 1024 * 1024

function setup (minFreeBytes: number, initial: SpaceReading): { ds: DiskSpace, set: (r: SpaceReading) => void, lines: string[] } {
  let now = initial
  const lines: string[] = []
  const logger = pino({ level: 'warn' }, new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } }))
  const ds = new DiskSpace({ dir: '/data', minFreeBytes, checkIntervalMs: 0, logger, statfs: async () => now, statfsSync: () => now })
  return { ds, set: r => { now = r }, lines }
}

t.test('automatic threshold: min(100 MiB, 1% of the filesystem)', async t => {
  const { ds } = setup(-1, { free: 50 * 1024 * MiB, total: 500 * 1024 * MiB })
  t.equal(ds.thresholdFor(500 * 1024 * MiB), AUTO_MIN_FREE_BYTES_CAP, 'a 500 GiB disk: 100 MiB')
  t.equal(ds.thresholdFor(64 * MiB), Math.floor(64 * MiB * 0.01), 'a 64 MiB tmpfs: 1%')
  t.notOk(ds.readOnly, '50 GiB free: writable')
  t.equal(setup(0, { free: 0, total: MiB }).ds.readOnly, false, '0 turns the check off')
  t.equal(setup(5000, { free: 4999, total: MiB }).ds.readOnly, true, 'an explicit value is used as is')
})

t.test('below the threshold: read-only with a message naming the key; one WARN each way; resumes on a later check', async t => {
  const { ds, set, lines } = setup(10 * MiB, { free: 4 * MiB, total: 64 * MiB })
  t.ok(ds.readOnly, 'read-only from the first reading (at construction)')
  const e = ds.refusal('append to t-0')
  t.equal(e?.errorCode, 56, 'KAFKA_STORAGE_ERROR')
  t.match(e?.message, /^append to t-0 refused: the data directory \/data has 4194304 bytes free .* below log\.dir\.min\.free\.bytes=10485760/)
  await ds.check()
  await ds.check()
  t.equal(lines.length, 1, 'one WARN for the transition, not per check')
  set({ free: 11 * MiB, total: 64 * MiB })
  await ds.check()
  t.notOk(ds.readOnly)
  t.equal(ds.refusal('x'), null)
  t.equal(lines.length, 2)
  t.match(lines[1], /space returned on \/data/)
})

t.test('an ENOSPC at start: read-only until max(threshold, 1 MiB) is free', async t => {
  const { ds, set } = setup(0, { free: 0, total: 8 * MiB })
  t.notOk(ds.readOnly, 'threshold off: not read-only on the reading alone')
  ds.noteNoSpace('/data/t-0/00000000000000000000.index', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
  t.ok(ds.readOnly)
  t.match(ds.refusal('append to t-0')?.message, /no space left on the device of \/data \(writing \/data\/t-0\/00000000000000000000\.index/)
  set({ free: 8192, total: 8 * MiB })
  await ds.check()
  t.ok(ds.readOnly, 'two freed pages are not space returned')
  set({ free: NO_SPACE_RESUME_BYTES, total: 8 * MiB })
  await ds.check()
  t.notOk(ds.readOnly, '1 MiB free: writes resume')
})

t.test('state files of a read-only directory refuse to write, the file unchanged', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const logger = pino({ level: 'silent' })
  let free = 0
  const ds = new DiskSpace({ dir, minFreeBytes: MiB, checkIntervalMs: 0, logger, statfs: async () => ({ free, total: 100 * MiB }), statfsSync: () => ({ free, total: 100 * MiB }) })
  registerDiskSpace(ds)
  t.teardown(() => unregisterDiskSpace(ds))
  const f = new StateFile<string>(dir, 'test', 1)
  await t.rejects(f.write('a'), { code: 'KAFKA_STORAGE_ERROR', message: /writing .*samsa-test\.msgpack refused/ })
  t.equal(await f.read(), null, 'nothing written')
  t.throws(() => assertWritable(dir, 'x'), { code: 'KAFKA_STORAGE_ERROR' })
  free = 2 * MiB
  await ds.check()
  await f.write('a')
  t.equal(await f.read(), 'a', 'written once space returned')
})
