// A topic creation that fails midway (issue 11, finding 1): an injected EMFILE at the 38th of 100 partitions
// (file-io.ts fileFaults.open) leaves no directory, no registry entry and no open fd, logs a WARN naming the
// cause, and the topic does not come back at the next open; CreatePartitions is rolled back the same way. A
// broker killed (SIGKILL) in the middle of creating 20,000 partitions leaves a topic marked `creating` in the
// registry: the next open removes its directories instead of adopting them (before, the half-created topic
// came back with the partitions that happened to exist).
import t from 'tap'
import { existsSync, readdirSync, readlinkSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { Writable } from 'node:stream'
import { createLogger, silentLogger, type Logger } from '../../src/logger.js'
import { errnoError, fileFaults } from '../../src/storage/file-io.js'
import { LogManager, type TopicRecord } from '../../src/storage/log-manager.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/storage/log.js'
import { readTopicRegistry } from '../../src/storage/topic-registry.js'
import { RawClient } from '../helpers/raw-client.js'
import { CLI_ENV, MAIN } from '../cli/run-cli.js'

const DEFAULTS: LogConfig = { ...DEFAULT_LOG_CONFIG, fsync: 'never' }

function tmpDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-create-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function captureLogger (): { logger: Logger, lines: any[] } {
  const lines: any[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } })
  return { logger: createLogger('warn', stream), lines }
}

const open = (dataDir: string, logger: Logger = silentLogger): Promise<LogManager> =>
  LogManager.open({ dataDir, defaults: DEFAULTS, logConfigFor: () => DEFAULTS, logger, retentionCheckIntervalMs: 0, cleaner: false })
const topic = (name: string, partitions: number): TopicRecord => ({ name, topicId: '6b1e9a3c-1f2d-4c3b-8a7e-0123456789ab', partitions, configs: {} })

/** Fds of this process open on a file under `dir`. */
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

t.test('an EMFILE midway through a create leaves nothing behind, and the topic does not come back', async t => {
  const dir = tmpDir(t)
  const cap = captureLogger()
  const m = await open(dir, cap.logger)
  t.teardown(() => { fileFaults.open = null })
  fileFaults.open = path => path.includes(`${join(dir, 'mid-37')}/`) ? errnoError('EMFILE', 'too many open files (injected)') : null
  await t.rejects(m.createTopic(topic('mid', 100)), /creating partition 37 of topic mid failed: EMFILE.*nothing was created/)
  fileFaults.open = null
  t.same(readdirSync(dir).filter(f => f.startsWith('mid-')), [], 'no partition directory left')
  t.same(fdsUnder(dir), [], 'no fd left open')
  t.equal(m.topic('mid'), undefined)
  t.equal(m.log('mid', 0), undefined)
  t.same((await readTopicRegistry(dir) ?? []).map(x => x.name), [], 'the registry names no topic')
  const warn = cap.lines.find(l => l.level === 40 && /rolled back/.test(l.msg))
  t.ok(warn, 'a WARN says it was rolled back')
  t.match(warn?.msg, /topic mid failed at partition 37 \(EMFILE/, 'naming the topic, the partition and the cause')

  await m.createTopic(topic('mid', 3))
  t.equal(m.topic('mid')?.partitions, 3, 'the name can be created again')
  await m.close()
  const again = await open(dir)
  t.equal(again.topic('mid')?.partitions, 3, 'only the successful creation is there after a restart')
  t.same(readdirSync(dir).filter(f => f.startsWith('mid-')).sort(), ['mid-0', 'mid-1', 'mid-2'])
  await again.close()
})

t.test('a CreatePartitions failing midway is rolled back: the topic keeps its partitions', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  t.teardown(() => { fileFaults.open = null })
  await m.createTopic(topic('grow', 2))
  fileFaults.open = path => path.includes(`${join(dir, 'grow-7')}/`) ? errnoError('EMFILE', 'too many open files (injected)') : null
  await t.rejects(m.addPartitions('grow', 12), /creating partition 7 of topic grow failed/)
  fileFaults.open = null
  t.equal(m.topic('grow')?.partitions, 2)
  t.equal(m.log('grow', 2), undefined)
  t.same(readdirSync(dir).filter(f => f.startsWith('grow-')).sort(), ['grow-0', 'grow-1'])
  await m.addPartitions('grow', 4)
  t.equal(m.topic('grow')?.partitions, 4, 'and can grow afterwards')
  await m.close()
})

t.test('a broker killed in the middle of a 20,000-partition create: the topic is removed at the next open, not adopted', async t => {
  const dir = tmpDir(t)
  const proc = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: CLI_ENV })
  t.teardown(() => { proc.kill('SIGKILL') })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', d => { out += d; const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    proc.on('exit', code => reject(new Error(`exited ${code}`)))
  })
  const c = await RawClient.connect(port)
  c.request(19, 4, { topics: [{ name: 'half', numPartitions: 20000, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60000, validateOnly: false }).catch(() => {})
  let made = 0
  for (let i = 0; i < 3000 && made < 200; i++) {
    await new Promise(resolve => setTimeout(resolve, 10))
    made = readdirSync(dir).filter(f => f.startsWith('half-')).length
  }
  const exited = new Promise(resolve => proc.on('exit', resolve))
  proc.kill('SIGKILL')
  await exited
  c.close()
  const madeAtKill = readdirSync(dir).filter(f => f.startsWith('half-')).length
  t.ok(madeAtKill > 0 && madeAtKill < 20000, `killed with ${madeAtKill} of 20000 partition directories made`)
  const cap = captureLogger()
  const m = await open(dir, cap.logger)
  t.equal(m.topic('half'), undefined, 'the half-created topic is not adopted')
  t.same(readdirSync(dir).filter(f => f.startsWith('half-')), [], 'its directories are removed')
  t.ok(cap.lines.some(l => l.level === 40 && /removing topic half: its creation \(20000 partitions\) did not complete/.test(l.msg)), 'a WARN says so')
  t.same((await readTopicRegistry(dir) ?? []).map(x => x.name), [], 'and the registry no longer names it')
  await m.close()
  t.ok(existsSync(dir))
})
