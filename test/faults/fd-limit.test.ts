// A broker under a low open-file limit (`ulimit -n 1024`, issue 11 finding 1): a topic with 5,000 partitions is
// created, produced to and fetched from across a spread of its partitions, while the broker's descriptors
// (/proc/<pid>/fd) stay bounded by log.open.files.max (lowered to half the limit, 512) and a new client is
// still served; a clean restart opens it holding few descriptors, and the topic can be deleted. Before the
// open-file cache every partition held its .log open: the creation failed with KAFKA_STORAGE_ERROR at about
// the 1,000th partition and the broker had no descriptor left.
import t from 'tap'
import fs from 'node:fs'
import { spawn, type ChildProcess } from 'node:child_process'
import { tempDir } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { CLI_ENV, MAIN } from '../cli/run-cli.js'
import { fetchPartition, produce, ZERO_UUID } from '../helpers/wire.js'

const PARTITIONS = 5000
const FD_LIMIT = 1024
/** log.open.files.max lowered to half the limit, plus the process's own (sockets, pipes, libuv, the registry ...). */
const FD_BOUND = FD_LIMIT / 2 + 100
const SPREAD = Array.from({ length: 50 }, (_, i) => (i * 101) % PARTITIONS)

interface Started { proc: ChildProcess; port: number; stderr: () => string }

async function start (dir: string): Promise<Started> {
  const cmd = `ulimit -n ${FD_LIMIT} && exec "${process.execPath}" "${MAIN}" start --port 0 --data-dir "${dir}" --log-level warn`
  const proc = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: CLI_ENV })
  let stderr = ''
  proc.stderr!.on('data', d => { stderr += d })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', d => {
      out += d
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      if (m !== null) resolve(Number(m[1]))
    })
    proc.on('exit', code => reject(new Error(`broker exited ${code}: ${stderr}`)))
  })
  return { proc, port, stderr: () => stderr }
}

async function stop (b: Started): Promise<number | null> {
  const exited = new Promise<number | null>(resolve => b.proc.on('exit', code => resolve(code)))
  b.proc.kill('SIGTERM')
  return await exited
}

function fdCount (pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length
}

t.test('5,000 partitions under ulimit -n 1024: created, served, restarted and deleted with bounded descriptors', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  let b = await start(dir)
  t.teardown(() => { b.proc.kill('SIGKILL') })
  const admin = await RawClient.connect(b.port)
  const created = await admin.request(19, 4, { topics: [{ name: 'wide', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60000, validateOnly: false })
  t.equal(created.topics[0].errorCode, 0, `created: ${created.topics[0].errorMessage as string}`)
  t.ok(fdCount(b.proc.pid!) <= FD_BOUND, `after the create the broker holds ${fdCount(b.proc.pid!)} fds (bound ${FD_BOUND})`)

  for (const p of SPREAD) {
    const r = await produce(admin, 'wide', p, [{ key: `k${p}`, value: `v${p}` }, { value: 'second' }])
    t.equal(r.errorCode, 0, `produce to wide-${p}`)
  }
  for (const p of SPREAD) {
    const f = await fetchPartition(admin, 'wide', p, 0)
    t.equal(f.errorCode, 0)
    t.equal(Number(f.highWatermark), 2, `wide-${p} holds its two records`)
  }
  t.ok(fdCount(b.proc.pid!) <= FD_BOUND, `after produce and fetch the broker holds ${fdCount(b.proc.pid!)} fds (bound ${FD_BOUND})`)

  const fresh = await RawClient.connect(b.port)
  const md = await fresh.request(3, 9, { topics: [{ name: 'wide', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
  t.equal(md.topics[0].partitions.length, PARTITIONS, 'a new client is served')
  fresh.close()
  admin.close()

  t.equal(await stop(b), 0, 'clean stop')
  b = await start(dir)
  const afterRestart = fdCount(b.proc.pid!)
  t.ok(afterRestart <= FD_BOUND, `after a clean restart the broker holds ${afterRestart} fds (bound ${FD_BOUND})`)
  const c = await RawClient.connect(b.port)
  const f = await fetchPartition(c, 'wide', SPREAD[7]!, 0)
  t.equal(Number(f.highWatermark), 2, 'records kept across the restart')
  const r = await produce(c, 'wide', SPREAD[7]!, [{ value: 'third' }])
  t.equal(r.errorCode, 0, 'produce after the restart')

  const del = await c.request(20, 6, { topics: [{ name: 'wide', topicId: ZERO_UUID }], topicNames: [], timeoutMs: 60000 })
  t.equal(del.responses[0].errorCode, 0, 'deleted')
  const left = fs.readdirSync(dir).filter(n => n.startsWith('wide-'))
  t.equal(left.length, 0, 'no partition directory left')
  t.ok(fdCount(b.proc.pid!) <= 100, `after the delete the broker holds ${fdCount(b.proc.pid!)} fds`)
  c.close()
  t.equal(await stop(b), 0, 'clean stop')
  t.notMatch(b.stderr(), /EMFILE|too many open files/i, 'no descriptor exhaustion logged')
})

