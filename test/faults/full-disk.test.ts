// A full disk: produce gets KAFKA_STORAGE_ERROR, nothing is acknowledged that is not on disk, fetches of the
// existing data keep working, and produce resumes once space returns; a restart reads the same records.
// Two ways: a real 2 MiB tmpfs mounted for the test (needs root; skipped when mount is refused), grown with
// `mount -o remount,size=` to give space back; and an injected ENOSPC (file-io.ts fileFaults.write), which
// always runs.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withBroker, type TestBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { errnoError, fileFaults } from '../../src/storage/file-io.js'
import { produceBody } from '../helpers/wire.js'

function tryMount (dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

let seq = 0
/** acks=-1 batches of 16 KiB until the broker refuses one; returns the values acknowledged. */
async function produceUntilRefused (t: any, c: RawClient, acked: string[], max = 2000): Promise<{ code: number, message: string }> {
  for (let i = 0; i < max; i++) {
    const value = `value-${seq++}`
    const batch = buildRecordBatch([{ key: value, value: value.padEnd(16 * 1024, '.') }])
    // a generous request timeout: a loaded machine's fdatasync must not pass for a refusal
    const p = (await c.request(0, 9, { ...produceBody('t', 0, batch, -1), timeoutMs: 60_000 })).responses[0].partitionResponses[0]
    if (p.errorCode !== 0) return { code: p.errorCode, message: p.errorMessage }
    if (Number(p.baseOffset) !== acked.length) t.fail(`acknowledged at offset ${p.baseOffset}, expected ${acked.length}`)
    acked.push(value)
  }
  return { code: 0, message: 'never refused' }
}

async function stored (b: TestBroker): Promise<string[]> {
  return (await fetchRecords(b.port, 't', 0, 0)).records.map(r => r.keyString!)
}

async function scenario (t: any, b: TestBroker, fill: () => void, free: () => void): Promise<void> {
  await b.current.broker.core.topics.create('t', 1, { 'segment.bytes': String(256 * 1024) })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const acked: string[] = []
  fill()
  const refused = await produceUntilRefused(t, c, acked)
  t.equal(refused.code, ErrorCode.KAFKA_STORAGE_ERROR, `after ${acked.length} acknowledged batches the disk is full: KAFKA_STORAGE_ERROR`)
  t.match(refused.message, /no space left/, `the message says why: ${refused.message.slice(0, 120)}`)
  t.same(await stored(b), acked, 'fetch: exactly the acknowledged records, nothing else')
  const again = await produceUntilRefused(t, c, acked, 1)
  t.equal(again.code, ErrorCode.KAFKA_STORAGE_ERROR, 'still full: refused again, the broker is up')
  t.same(await stored(b), acked, 'existing data still readable')
  free()
  const before = acked.length
  for (let i = 0; i < 20; i++) {
    const r = await produceUntilRefused(t, c, acked, 1)
    if (r.code !== 0) t.fail(`refused after space came back: ${r.message}`)
  }
  t.equal(acked.length, before + 20, 'space is back: produce resumes, offsets continue without a gap')
  t.same(await stored(b), acked, 'all acknowledged records readable')
  c.close()
  await b.restart()
  t.same(await stored(b), acked, 'after a restart: the same records')
}

t.test('a full tmpfs: refused, nothing lost or invented, resumes when the tmpfs grows', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tmpfs-'))
  if (!tryMount(dir)) {
    rmSync(dir, { recursive: true, force: true })
    t.skip('mount -t tmpfs refused here (needs root); the injected ENOSPC test covers the behaviour', () => {})
    return
  }
  t.teardown(() => {
    try { execFileSync('umount', [dir], { stdio: 'ignore' }) } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  // log.dir.min.free.bytes=0: this test is about the real ENOSPC (the threshold would refuse first; full-disk-start.test.ts)
  const b = await withBroker(t, { dataDir: dir, fsync: 'always', config: { 'log.dir.min.free.bytes': 0 } })
  await scenario(t, b, () => {}, () => { execFileSync('mount', ['-o', 'remount,size=8m', dir]) })
})

t.test('an injected ENOSPC: refused, nothing lost or invented, resumes when space returns', async t => {
  const b = await withBroker(t, { fsync: 'always' })
  let budget = Infinity
  t.teardown(() => { fileFaults.write = null })
  await scenario(t, b, () => {
    budget = 600 * 1024
    fileFaults.write = (_fd, bytes) => {
      if (bytes > budget) return errnoError('ENOSPC', 'no space left on device (injected)')
      budget -= bytes
      return null
    }
  }, () => { fileFaults.write = null })
})

t.test('a cleaning that runs out of space stops, leaves the log as it was, and succeeds once space returns', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tmpfs-'))
  if (!tryMount(dir)) {
    rmSync(dir, { recursive: true, force: true })
    t.skip('mount -t tmpfs refused here (needs root)', () => {})
    return
  }
  t.teardown(() => {
    try { execFileSync('umount', [dir], { stdio: 'ignore' }) } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  const b = await withBroker(t, { dataDir: dir, config: { 'log.dir.min.free.bytes': 0 } })
  await b.current.broker.core.topics.create('c', 1, { 'cleanup.policy': 'compact', 'segment.bytes': String(64 * 1024), 'min.cleanable.dirty.ratio': '0.01' })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  for (let i = 0; i < 300; i++) {
    const r = (await c.request(0, 9, produceBody('c', 0, buildRecordBatch([{ key: `k${i % 50}`, value: 'x'.repeat(2000) }]), -1))).responses[0].partitionResponses[0]
    if (r.errorCode !== 0) t.fail(`produce ${i}: ${r.errorMessage as string}`)
  }
  const before = await fetchRecords(b.port, 'c', 0, 0)
  // fill what is left of the tmpfs
  const filler = join(dir, 'filler')
  try { execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' }) } catch {}
  const cleaner = b.current.broker.core.topics.logs.cleaner!
  const log = b.current.broker.core.topics.log('c', 0)!
  const r = await cleaner.cleanLog(log)
  t.ok(r?.aborted === true && /no space left/.test(r.reason ?? ''), `stopped: ${r?.reason ?? ''}`)
  const { readdirSync } = await import('node:fs')
  t.same(readdirSync(join(dir, 'c-0')).filter(f => f.endsWith('.cleaned') || f.endsWith('.swap')), [], 'no .cleaned or .swap file left')
  t.same((await fetchRecords(b.port, 'c', 0, 0)).records.map(x => x.offset), before.records.map(x => x.offset), 'the log reads as before')
  rmSync(filler)
  const again = await cleaner.cleanLog(log)
  t.ok(again !== null && !again.aborted && again.swapped > 0, 'with space back, the same log is cleaned (not set aside as uncleanable)')
})
