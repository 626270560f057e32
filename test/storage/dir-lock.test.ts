// One broker per data directory (storage/dir-lock.ts): a second `samsa start` on a directory in use exits with a
// message naming the directory and the pid; a second embedded startBroker in the same process is refused; a
// stale lock (its pid dead, or reused by another process, or a regular `.lock` file a stopped Kafka left) is
// taken over with a WARN; the lock is released on close.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { tempDir } from '../helpers/broker.js'
import { CLI_ENV, MAIN } from '../cli/run-cli.js'
import { startBroker, DirLockError } from '../../src/index.js'
import { LOCK_FILE } from '../../src/storage/dir-lock.js'

function dataDir (t: any): string {
  const dir = tempDir('samsa-lock-')
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function capture (): { logger: ReturnType<typeof pino>, lines: string[] } {
  const lines: string[] = []
  return { lines, logger: pino({ level: 'warn' }, new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })) }
}

/** A pid that existed and is gone: a child that exited. */
function deadPid (): number {
  const r = spawnSync(process.execPath, ['-e', ''])
  return r.pid!
}

/** Start ticks of this process, as the lock records it (/proc/self/stat field 22). */
function myStartTicks (): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}

const start = async (dir: string, more: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof startBroker>>> =>
  await startBroker({ port: 0, dataDir: dir, fsync: 'never', logLevel: 'silent', ...more })

t.test('a second embedded broker on the same directory is refused; after close it starts', async t => {
  const dir = dataDir(t)
  const a = await start(dir)
  t.match(fs.readlinkSync(path.join(dir, LOCK_FILE)), new RegExp(`^samsa pid=${process.pid} start=\\d+ host=`), '.lock names this process')
  await t.rejects(start(dir), DirLockError, 'the second startBroker rejects')
  await t.rejects(start(dir), { message: new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is already in use by a broker of this process \\(pid ${process.pid}\\)`) })
  t.ok(fs.existsSync(path.join(a.broker.config.dataDir, 'meta.properties')), 'the first broker is untouched')
  await a.close()
  t.notOk(fs.existsSync(path.join(dir, LOCK_FILE)), 'released on close')
  const b = await start(dir)
  t.pass('a broker starts once the first is closed')
  await b.close()
})

t.test('a stale lock (its pid no longer runs) is taken over with a WARN', async t => {
  const dir = dataDir(t)
  const pid = deadPid()
  fs.symlinkSync(`samsa pid=${pid} start=12345 host=${os.hostname()}`, path.join(dir, LOCK_FILE))
  const { logger, lines } = capture()
  const b = await start(dir, { logger })
  t.match(fs.readlinkSync(path.join(dir, LOCK_FILE)), `samsa pid=${process.pid} `, 'the lock is ours now')
  t.ok(lines.some(l => l.includes(`pid ${pid} that held`) && l.includes('no longer running')), 'WARN names the dead pid')
  await b.close()
})

t.test('a lock whose pid was reused by another process (other start time) is stale', async t => {
  const dir = dataDir(t)
  // our parent runs, but it is not the process that took this lock: its start time differs
  fs.symlinkSync(`samsa pid=${process.ppid} start=1 host=${os.hostname()}`, path.join(dir, LOCK_FILE))
  const b = await start(dir)
  t.match(fs.readlinkSync(path.join(dir, LOCK_FILE)), `samsa pid=${process.pid} `)
  await b.close()
})

t.test('a live holder is refused, naming the directory and its pid; another host\'s lock is refused', async t => {
  const dir = dataDir(t)
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  t.teardown(() => { child.kill('SIGKILL') })
  const stat = await waitForStat(child)
  fs.symlinkSync(`samsa pid=${child.pid!} start=${stat} host=${os.hostname()}`, path.join(dir, LOCK_FILE))
  await t.rejects(start(dir), { name: 'DirLockError', message: new RegExp(`in use by another broker \\(pid ${child.pid!}`) })
  t.match(fs.readlinkSync(path.join(dir, LOCK_FILE)), `pid=${child.pid!}`, 'the holder\'s lock is left alone')
  fs.rmSync(path.join(dir, LOCK_FILE))
  fs.symlinkSync(`samsa pid=${process.pid} start=${myStartTicks()} host=elsewhere.example`, path.join(dir, LOCK_FILE))
  await t.rejects(start(dir), { message: /locked by pid \d+ on host elsewhere\.example/ })
})

t.test('a regular .lock file (left by a stopped Kafka broker) is taken over', async t => {
  const dir = dataDir(t)
  fs.writeFileSync(path.join(dir, LOCK_FILE), '')
  const { logger, lines } = capture()
  const b = await start(dir, { logger })
  t.ok(fs.lstatSync(path.join(dir, LOCK_FILE)).isSymbolicLink(), 'replaced by the Samsa lock')
  t.ok(lines.some(l => l.includes('not a Samsa lock')), 'WARN says it is not a Samsa lock')
  await b.close()
})

t.test('samsa start on a directory in use exits 1 with a message naming the directory and the pid', async t => {
  const dir = dataDir(t)
  const first = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--fsync', 'never', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: CLI_ENV })
  t.teardown(() => { first.kill('SIGKILL') })
  await listening(first)
  const second = spawnSync(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--fsync', 'never'], { env: CLI_ENV, encoding: 'utf8', timeout: 30_000 })
  t.equal(second.status, 1, 'the second exits 1')
  t.match(second.stderr, `data directory ${dir} is in use by another broker (pid ${first.pid!}`, `stderr: ${second.stderr.trim()}`)
  t.equal(second.stdout, '', 'it never listened')
  // kill -9 the first: its lock is stale, the next start takes it over
  first.kill('SIGKILL')
  await new Promise(resolve => first.once('exit', resolve))
  const third = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--fsync', 'never', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: CLI_ENV })
  t.teardown(() => { third.kill('SIGKILL') })
  let err = ''
  third.stderr!.on('data', d => { err += d })
  await listening(third)
  t.match(err, `pid ${first.pid!} that held`, 'after kill -9 the lock is taken over, with a WARN')
  third.kill('SIGTERM')
  await new Promise(resolve => third.once('exit', resolve))
  t.notOk(fs.existsSync(path.join(dir, LOCK_FILE)), 'a clean stop removes the lock')
})

async function listening (p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = ''
    p.stdout!.on('data', d => {
      out += d
      if (/listening on/.test(out)) resolve()
    })
    p.once('exit', code => reject(new Error(`exited ${String(code)} before listening`)))
  })
}

/** The child's start ticks (/proc/<pid>/stat field 22). */
async function waitForStat (p: ChildProcess): Promise<number> {
  for (let i = 0; i < 50; i++) {
    try {
      const stat = fs.readFileSync(`/proc/${p.pid!}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    } catch {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }
  throw new Error('no /proc entry for the child')
}
