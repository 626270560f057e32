// `samsa start` as a user runs it: the `listening on` line, clean shutdown on SIGTERM (marker written),
// bad flags exiting 2 with a message naming what was wrong, unusable TLS key material exiting 1 with one line.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js')

t.test('starts, prints the listening line, serves, and stops cleanly on SIGTERM', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const p = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--log-level', 'warn', '--num.partitions', '2'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  p.stderr.on('data', d => { stderr += d })
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    p.stdout.on('data', d => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0])
    })
    p.on('exit', code => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  const m = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line)
  t.ok(m, `listening line: ${line}`)
  const c = await RawClient.connect(Number(m![1]))
  const md = await c.request(3, 9, { topics: [{ name: 'cli', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
  t.equal(md.topics[0].partitions.length, 2, '--num.partitions applied')
  c.close()
  const exited = new Promise<number | null>(resolve => p.on('exit', code => resolve(code)))
  p.kill('SIGTERM')
  t.equal(await exited, 0, 'exit code 0')
  t.ok(fs.existsSync(path.join(dir, '.kafka_cleanshutdown')), 'clean-shutdown marker written')
  t.ok(fs.existsSync(path.join(dir, 'cli-1')), 'partition directories')
})

t.test('bad flags and values exit 2 naming what was wrong', async t => {
  const run = (...args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' })
  let r = run('start', '--port', 'abc')
  t.equal(r.status, 2)
  t.match(r.stderr, /port=abc: expected a whole number/)
  r = run('start', '--no.such.config', '1')
  t.equal(r.status, 2)
  t.match(r.stderr, /unknown config 'no\.such\.config'/)
  r = run('start', '--fsync', 'maybe')
  t.equal(r.status, 2)
  t.match(r.stderr, /fsync=maybe/)
  r = run('start', '--port')
  t.equal(r.status, 2)
  t.match(r.stderr, /--port needs a value/)
  r = run('frobnicate')
  t.equal(r.status, 2)
  t.match(r.stderr, /unknown command 'frobnicate'/)
  r = run('start', '--help')
  t.equal(r.status, 0)
  t.match(r.stdout, /Usage: samsa start/)
})

t.test('a port already in use is a clear error, not a crash trace', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const net = await import('node:net')
  const srv = net.createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => srv.close())
  const port = (srv.address() as any).port
  const r = spawnSync(process.execPath, [MAIN, 'start', '--port', String(port), '--data-dir', dir], { encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 1)
  t.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`))
})

t.test('unusable TLS key material is a one-line config error naming the key and the file (exit 1)', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const jks = path.join(dir, 'server.jks')
  fs.writeFileSync(jks, Buffer.from('feedfeed0000000200000000', 'hex'))
  const r = spawnSync(process.execPath, [MAIN, 'start', '--listeners', 'SSL://127.0.0.1:0', '--data-dir', dir, '--ssl.keystore.location', jks], { encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 1)
  t.match(r.stderr, /^samsa: config: listener SSL: ssl.keystore.location \S+server.jks is a JKS key store\. .*keytool -importkeystore/)
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace')
})
