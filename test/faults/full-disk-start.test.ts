// A broker started on a full disk comes up read-only (issue 11, finding 4): fetches of the old data are served;
// produce, CreateTopics and offset commits are refused with Kafka's codes (KAFKA_STORAGE_ERROR, and
// NOT_COORDINATOR for a commit, as Kafka's group coordinator answers a storage error); nothing refused shows up
// later; once the tmpfs is remounted bigger, produce, commits and topic creation work again without a restart.
// Two ways to be full: a real ENOSPC (log.dir.min.free.bytes=0: every path meets the full disk itself), and the
// free-space threshold (log.dir.min.free.bytes above what the tmpfs has free: refused before anything is
// written, one WARN each way; client-quota and SCRAM changes are refused too and not applied). Needs root for `mount -t tmpfs`; skipped when the mount is refused.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { Kafka, logLevel } from 'kafkajs'
import { withBroker, type TestBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { produceBody } from '../helpers/wire.js'

/** Mounts a tmpfs of `size` on a new directory; null when mounting is refused (not root). */
function tmpfs (t: any, size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
  t.teardown(() => {
    try { execFileSync('umount', [dir], { stdio: 'ignore' }) } catch { try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) } catch {} }
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

function fill (dir: string): void {
  try { execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' }) } catch { /* ENOSPC: full */ }
}

async function produce (c: RawClient, topic: string, value: string): Promise<{ errorCode: number, errorMessage: string | null, baseOffset: number }> {
  const batch = buildRecordBatch([{ key: value, value: value.padEnd(1000, '.') }])
  const p = (await c.request(0, 9, { ...produceBody(topic, 0, batch, -1), timeoutMs: 60_000 })).responses[0].partitionResponses[0]
  return { errorCode: p.errorCode, errorMessage: p.errorMessage, baseOffset: Number(p.baseOffset) }
}

/** OffsetCommit v2 of t-0 for group g; `metadata` bytes of metadata (4000: the record needs a new 4 KiB page). */
async function commit (c: RawClient, offset: bigint, metadata = 0): Promise<number> {
  const r = await c.request(8, 2, {
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'm'.repeat(metadata) }] }]
  })
  return r.topics[0].partitions[0].errorCode
}

async function committed (c: RawClient): Promise<bigint> {
  const f = await c.request(9, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false })
  return f.topics[0].partitions[0].committedOffset
}

/** kafkajs CreateTopics (no retries): null when created, else the error's type (KAFKA_STORAGE_ERROR ...). */
async function createTopic (b: TestBroker, name: string): Promise<string | null> {
  const admin = new Kafka({ brokers: b.brokers, clientId: 'full-disk', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: false })
    return null
  } catch (err: any) {
    return err.errors?.[0]?.type ?? err.type ?? err.cause?.type ?? err.originalError?.type ?? String(err.message)
  } finally {
    await admin.disconnect()
  }
}

async function alterQuota (c: RawClient): Promise<{ errorCode: number }> {
  const r = await c.request(49, 1, { entries: [{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: false })
  return r.entries[0]
}

async function quotas (c: RawClient): Promise<number[]> {
  const r = await c.request(48, 1, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false })
  return (r.entries ?? []).flatMap((e: any) => e.values.map((v: any) => v.value))
}

async function alterScram (c: RawClient): Promise<{ errorCode: number }> {
  const r = await c.request(51, 0, { deletions: [], upsertions: [{ name: 'alice', mechanism: 2, iterations: 8192, salt: randomBytes(16), saltedPassword: randomBytes(64) }] })
  return r.results[0]
}

async function scramUsers (c: RawClient): Promise<number> {
  const r = await c.request(50, 0, { users: [{ name: 'alice' }] })
  return r.results[0].errorCode
}

/** kafkajs CreatePartitions t -> 2 (no retries): null when done, else the error's type. */
async function createPartitions (b: TestBroker): Promise<string | null> {
  const admin = new Kafka({ brokers: b.brokers, clientId: 'full-disk', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  await admin.connect()
  try {
    await admin.createPartitions({ topicPartitions: [{ topic: 't', count: 2 }] })
    return null
  } catch (err: any) {
    return err.errors?.[0]?.type ?? err.type ?? err.cause?.type ?? err.originalError?.type ?? String(err.message)
  } finally {
    await admin.disconnect()
  }
}

async function values (b: TestBroker): Promise<string[]> {
  return (await fetchRecords(b.port, 't', 0, 0)).records.map(r => r.keyString!)
}

async function topicNames (b: TestBroker): Promise<string[]> {
  return b.current.broker.core.topics.all().map(x => x.name).filter(n => !n.startsWith('__')).sort()
}

t.test('restart on a full tmpfs (ENOSPC everywhere): starts read-only, refuses writes with Kafka\'s codes, resumes when the tmpfs grows', async t => {
  const dir = tmpfs(t, '2m')
  if (dir === null) { t.skip('mount -t tmpfs refused here (needs root)', () => {}); return }
  const b = await withBroker(t, { dataDir: dir, fsync: 'always', config: { 'log.dir.min.free.bytes': 0 } })
  await b.current.broker.core.topics.create('t', 1, { 'segment.bytes': String(256 * 1024) })
  let c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  t.equal(await commit(c, 7n), ErrorCode.NONE, 'an offset committed before the disk fills')
  const acked: string[] = []
  for (let i = 0; i < 3000; i++) {
    const r = await produce(c, 't', `v${i}`)
    if (r.errorCode !== 0) break
    acked.push(`v${i}`)
  }
  fill(dir)
  t.ok(acked.length > 100, `${acked.length} records acknowledged before the disk filled`)
  c.close()

  // the close cannot write indexes, checkpoints or the clean-shutdown marker: the start is unclean and rebuilds
  // the active segment's indexes, which it cannot write either
  await b.restart()
  t.pass('the broker started on the full disk')
  c = await RawClient.connect(b.port)
  t.same(await values(b), acked, 'fetch: the old data, exactly')
  const p = await produce(c, 't', 'refused')
  t.equal(p.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'produce: KAFKA_STORAGE_ERROR')
  t.match(p.errorMessage, /no space left/, `produce: the message says why (${String(p.errorMessage).slice(0, 100)})`)
  t.equal(await createTopic(b, 'late'), 'KAFKA_STORAGE_ERROR', 'CreateTopics: KAFKA_STORAGE_ERROR')
  t.same(await topicNames(b), ['t'], 'the refused topic does not exist in memory either')
  t.equal(await createPartitions(b), 'KAFKA_STORAGE_ERROR', 'CreatePartitions: KAFKA_STORAGE_ERROR')
  t.equal(b.current.broker.core.topics.get('t')?.partitions, 1, 'still one partition')
  t.notOk(existsSync(join(dir, 't-1')), 'the new partition\'s directory is removed')
  // 4000 bytes of metadata: the record cannot fit in the slack of the segment's last page
  t.equal(await commit(c, 8n, 4000), ErrorCode.NOT_COORDINATOR, 'OffsetCommit: NOT_COORDINATOR (Kafka\'s answer to a storage error)')
  t.equal(await committed(c), 7n, 'the refused commit is not visible')
  t.equal((await alterQuota(c)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'AlterClientQuotas: its state file cannot be written, KAFKA_STORAGE_ERROR')
  t.same(await quotas(c), [], 'and the quota is rolled back, not in force')
  t.equal((await alterScram(c)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'AlterUserScramCredentials: KAFKA_STORAGE_ERROR')
  t.equal(await scramUsers(c), ErrorCode.RESOURCE_NOT_FOUND, 'and the credential is rolled back')

  execFileSync('mount', ['-o', 'remount,size=8m', dir])
  const r = await produce(c, 't', 'after')
  t.equal(r.errorCode, ErrorCode.NONE, 'space is back: produce accepted without a restart')
  t.equal(r.baseOffset, acked.length, 'at the next offset, no gap')
  acked.push('after')
  t.equal(await commit(c, 9n), ErrorCode.NONE, 'offset commits accepted again')
  t.equal(await committed(c), 9n)
  t.equal(await createTopic(b, 'late'), null, 'CreateTopics accepted again')
  c.close()
  await b.restart()
  c = await RawClient.connect(b.port)
  t.same(await values(b), acked, 'after a restart: the acknowledged records, nothing refused')
  t.equal(await committed(c), 9n, 'and the last accepted commit')
  t.same(await topicNames(b), ['late', 't'])
})

t.test('log.dir.min.free.bytes above the free space: read-only from the start, one WARN each way, resumes on its own', async t => {
  const dir = tmpfs(t, '4m')
  if (dir === null) { t.skip('mount -t tmpfs refused here (needs root)', () => {}); return }
  const b = await withBroker(t, { dataDir: dir, fsync: 'always', config: { 'log.dir.min.free.bytes': 0 } })
  await b.current.broker.core.topics.create('t', 1, {})
  let c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  t.equal(await commit(c, 1n), ErrorCode.NONE)
  for (let i = 0; i < 5; i++) t.equal((await produce(c, 't', `v${i}`)).errorCode, ErrorCode.NONE)
  c.close()

  const lines: string[] = []
  const logger = pino({ level: 'warn' }, new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } }))
  // 6 MiB: more than the 4 MiB tmpfs has free
  await b.restart({ logger, config: { 'log.dir.min.free.bytes': 6 * 1024 * 1024, 'log.dir.free.space.check.interval.ms': 100 } })
  c = await RawClient.connect(b.port)
  t.same(await values(b), ['v0', 'v1', 'v2', 'v3', 'v4'], 'fetches served')
  const p = await produce(c, 't', 'refused')
  t.equal(p.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'produce: KAFKA_STORAGE_ERROR')
  t.match(p.errorMessage, /log\.dir\.min\.free\.bytes=6291456/, 'the message names the key and the threshold')
  t.equal(await createTopic(b, 'late'), 'KAFKA_STORAGE_ERROR', 'CreateTopics: KAFKA_STORAGE_ERROR')
  t.equal(await commit(c, 2n), ErrorCode.NOT_COORDINATOR, 'OffsetCommit: NOT_COORDINATOR')
  t.equal(await committed(c), 1n, 'not visible')
  t.equal((await alterQuota(c)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'AlterClientQuotas: KAFKA_STORAGE_ERROR')
  t.same(await quotas(c), [], 'the quota is not in force either')
  t.equal((await alterScram(c)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'AlterUserScramCredentials: KAFKA_STORAGE_ERROR')
  t.equal(await scramUsers(c), ErrorCode.RESOURCE_NOT_FOUND, 'the SCRAM user does not exist in memory either')
  for (let i = 0; i < 5; i++) await produce(c, 't', 'refused')
  const readOnly = lines.filter(l => l.includes('read-only until space returns') && l.includes('fetches are served'))
  t.equal(readOnly.length, 1, 'one WARN for the transition, not one per refused request')
  t.notOk(lines.some(l => l.includes('offset commit could not be written')), 'a refused commit is not logged again at WARN')

  execFileSync('mount', ['-o', 'remount,size=16m', dir])
  let resumed = -1
  for (let i = 0; i < 100 && resumed < 0; i++) {
    const r = await produce(c, 't', 'after')
    if (r.errorCode === ErrorCode.NONE) resumed = r.baseOffset
    else await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.equal(resumed, 5, 'produce resumes on its own, at the next offset')
  t.equal(await commit(c, 3n), ErrorCode.NONE, 'commits resume')
  t.equal(await createTopic(b, 'late'), null, 'CreateTopics resumes')
  t.equal((await alterQuota(c)).errorCode, ErrorCode.NONE, 'quota changes resume')
  t.same(await quotas(c), [1024])
  t.equal((await alterScram(c)).errorCode, ErrorCode.NONE, 'SCRAM changes resume')
  t.equal(await scramUsers(c), ErrorCode.NONE)
  t.equal(lines.filter(l => l.includes('space returned')).length, 1, 'one WARN when space returns')
  t.same(await values(b), ['v0', 'v1', 'v2', 'v3', 'v4', 'after'], 'nothing refused was written')
})
