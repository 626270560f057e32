// Logging never takes the broker down (issue 11): `samsa start` whose stderr is a pipe nobody reads any more
// (EPIPE on the next log line), or a file on a full disk (ENOSPC: /dev/full), keeps serving when a client
// provokes WARN lines (frames of size -5), and its neighbours are served as before.
import t from 'tap'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js')

async function listeningPort (p: ChildProcess): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    let out = ''
    p.stdout!.on('data', d => {
      out += d
      const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(out)
      if (m !== null) resolve(Number(m[1]))
    })
    p.on('exit', code => reject(new Error(`exited ${code}`)))
  })
}

/** Sends `n` frames announcing size -5 on fresh connections (each is closed with a WARN line). */
async function provokeWarnings (port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = net.connect({ port, host: '127.0.0.1' })
    s.on('error', () => {})
    const closed = new Promise(resolve => s.once('close', resolve))
    const frame = Buffer.alloc(4)
    frame.writeInt32BE(-5)
    s.once('connect', () => s.write(frame))
    await closed
  }
}

async function apiVersionsError (port: number): Promise<number | string> {
  const c = await RawClient.connect(port).catch((err: Error) => err)
  if (c instanceof Error) return c.message
  try {
    return (await c.request(18, 3, { clientSoftwareName: 'log-pipe', clientSoftwareVersion: '1' })).errorCode
  } finally {
    c.close()
  }
}

t.test('stderr is a pipe whose reader went away (EPIPE): the broker keeps serving', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const p = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--log-level', 'info', '--fsync', 'never'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { p.kill('SIGKILL') })
  const port = await listeningPort(p)
  let exitCode: number | null | undefined
  p.on('exit', code => { exitCode = code })
  p.stderr!.destroy() // the reader goes away: the broker's next stderr write fails with EPIPE
  await provokeWarnings(port, 20)
  t.equal(exitCode, undefined, 'the broker is still running')
  t.equal(await apiVersionsError(port), 0, 'a new client is served')
})

t.test('stderr is a file on a full disk (ENOSPC): the broker keeps serving', { skip: fs.existsSync('/dev/full') ? false : 'no /dev/full here' }, async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const full = fs.openSync('/dev/full', 'w')
  const p = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--log-level', 'info', '--fsync', 'never'], { stdio: ['ignore', 'pipe', full] })
  fs.closeSync(full)
  t.teardown(() => { p.kill('SIGKILL') })
  const port = await listeningPort(p)
  let exitCode: number | null | undefined
  p.on('exit', code => { exitCode = code })
  await provokeWarnings(port, 20)
  t.equal(exitCode, undefined, 'the broker is still running')
  t.equal(await apiVersionsError(port), 0, 'a new client is served')
})
