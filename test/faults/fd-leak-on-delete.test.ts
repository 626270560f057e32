// Closing segments whose index files cannot be written (issue 11, finding 6: a process out of fds fails the
// index write, injected here through file-io.ts fileFaults.open on the `.index.tmp` / `.timeindex.tmp` files):
// the segment's .log fd is released all the same, DeleteTopics still removes the files, and a broker shutdown
// with the same failure leaves no fd open either. Before, the failed close returned before closing the fd:
// every deleted partition leaked its fd on an unlinked file for the life of the process.
import t from 'tap'
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { errnoError, fileFaults } from '../../src/storage/file-io.js'
import { LogManager, type TopicRecord } from '../../src/storage/log-manager.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/storage/log.js'

const DEFAULTS: LogConfig = { ...DEFAULT_LOG_CONFIG, fsync: 'never' }
const PARTITIONS = 20

function tmpDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-leak-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const open = (dataDir: string): Promise<LogManager> =>
  LogManager.open({ dataDir, defaults: DEFAULTS, logConfigFor: () => DEFAULTS, logger: silentLogger, retentionCheckIntervalMs: 0, cleaner: false })
const topic = (name: string, partitions: number): TopicRecord => ({ name, topicId: '6b1e9a3c-1f2d-4c3b-8a7e-0123456789ab', partitions, configs: {} })

/** Fds of this process open on a file under `dir` (deleted files included: "... (deleted)"). */
function fdsUnder (dir: string): string[] {
  const out: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target.startsWith(dir)) out.push(target)
    } catch { /* closed meanwhile */ }
  }
  return out
}

async function fill (m: LogManager, name: string): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    // a few KB per partition, so the indexes have entries to write
    const big = Array.from({ length: 8 }, (_, i) => ({ value: Buffer.alloc(1024, 65 + i) }))
    for (let r = 0; r < 3; r++) await m.log(name, p)!.append([buildRecordBatch(big)], Date.now()).durable
  }
}

const indexWritesFail = (path: string): NodeJS.ErrnoException | null =>
  path.endsWith('.tmp') ? errnoError('EMFILE', 'too many open files (injected)') : null

t.test('DeleteTopics with failing index writes releases every fd and removes the files', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  t.teardown(() => { fileFaults.open = null })
  await m.createTopic(topic('leak', PARTITIONS))
  await fill(m, 'leak')
  t.ok(fdsUnder(join(dir, 'leak-')).length > 0, 'the produced partitions hold their .log fds')
  fileFaults.open = indexWritesFail
  await m.deleteTopic('leak')
  fileFaults.open = null
  t.same(fdsUnder(dir), [], 'no fd left on the deleted files')
  t.same(readdirSync(dir).filter(f => f.startsWith('leak-')), [], 'the partition directories are removed')
  await m.close()
})

t.test('a partition whose close fails (index write) still releases its fds; so does a broker shutdown', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  t.teardown(() => { fileFaults.open = null })
  await m.createTopic(topic('shut', PARTITIONS))
  await fill(m, 'shut')
  fileFaults.open = indexWritesFail
  await t.rejects(m.log('shut', 0)!.close(), /EMFILE/, 'the close reports the failure')
  t.same(fdsUnder(join(dir, 'shut-0')), [], 'and still released the fd of shut-0')
  await m.close()
  fileFaults.open = null
  t.same(fdsUnder(dir), [], 'no fd left after the shutdown')
  const again = await open(dir)
  t.equal(again.log('shut', 5)!.logEndOffset, 24, 'the data is there after the restart (indexes rebuilt)')
  await again.close()
})
