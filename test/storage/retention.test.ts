// Retention on a schedule (log.retention.check.interval.ms, read from the broker's config), file.delete.delay.ms,
// the log-start-offset checkpoint across a crash, DeleteRecords through the LogManager.
import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { LOG_START_OFFSET_CHECKPOINT_FILE } from '../../src/storage/checkpoint-file.js'
import { LogManager, type TopicRecord } from '../../src/storage/log-manager.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/storage/log.js'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { listOffsetsBody, produceBody } from '../helpers/wire.js'

function tmpDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-ret-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const topic = (name: string, configs: Record<string, string> = {}): TopicRecord => ({ name, topicId: '6b1e9a3c-1f2d-4c3b-8a7e-0123456789ab', partitions: 1, configs })

function logConfigFor (extra: Partial<LogConfig>) {
  return (t: TopicRecord): LogConfig => ({
    ...DEFAULT_LOG_CONFIG,
    fsync: 'never',
    segmentBytes: 600,
    cleanupPolicy: t.configs['cleanup.policy'] ?? 'delete',
    retentionMs: t.configs['retention.ms'] !== undefined ? Number(t.configs['retention.ms']) : -1,
    retentionBytes: -1,
    ...extra
  })
}

async function fill (m: LogManager, name: string, n: number, ts: number): Promise<void> {
  let last
  for (let i = 0; i < n; i++) last = m.log(name, 0)!.append([buildRecordBatch([{ key: `k${i}`, value: 'x'.repeat(100), timestamp: ts }])], Date.now())
  await last!.durable
}

async function until (what: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!what() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  return what()
}

t.test('the retention timer runs every defaults.retentionCheckIntervalMs; .deleted files wait file.delete.delay.ms', async t => {
  const dir = tmpDir(t)
  const m = await LogManager.open({
    dataDir: dir, logger: silentLogger, cleaner: false,
    defaults: { ...DEFAULT_LOG_CONFIG, fsync: 'never', retentionCheckIntervalMs: 50 },
    logConfigFor: logConfigFor({ fileDeleteDelayMs: 300 })
  })
  t.teardown(() => m.close())
  await m.createTopic(topic('old', { 'retention.ms': '60000' }))
  await m.createTopic(topic('forever'))
  await fill(m, 'old', 30, Date.now() - 120_000)
  await fill(m, 'forever', 30, Date.now() - 120_000)
  const log = m.log('old', 0)!
  t.ok(await until(() => log.segmentList().length === 1), 'retention ran on its own: every inactive segment older than retention.ms is gone, the active one stays')
  t.equal(log.logStartOffset, log.activeSegment.baseOffset, `log start offset moved to ${log.logStartOffset}`)
  t.equal(m.log('forever', 0)!.logStartOffset, 0, 'retention.ms -1 keeps everything')
  const pdir = join(dir, 'old-0')
  t.ok(readdirSync(pdir).some(f => f.endsWith('.log.deleted')), 'the files are renamed to .deleted first')
  const cp = (): string => existsSync(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE)) ? readFileSync(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE), 'utf8') : ''
  t.ok(await until(() => new RegExp(`^old 0 ${log.logStartOffset}$`, 'm').test(cp())), 'log-start-offset-checkpoint updated')
  t.ok(await until(() => !readdirSync(pdir).some(f => f.endsWith('.deleted'))), 'and removed after file.delete.delay.ms')
})

t.test('the broker passes log.retention.check.interval.ms to storage', async t => {
  const b = await withBroker(t, { config: { 'log.retention.check.interval.ms': 100 } })
  t.equal(b.current.broker.core.topics.logs.defaults.retentionCheckIntervalMs, 100)
  await b.current.broker.core.topics.create('r', 1, { 'retention.ms': '1000', 'segment.bytes': '600', 'file.delete.delay.ms': '0' })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  for (let i = 0; i < 20; i++) {
    await c.request(0, 9, produceBody('r', 0, buildRecordBatch([{ key: `k${i}`, value: 'x'.repeat(100), timestamp: Date.now() - 3_600_000 }])))
  }
  const log = b.current.broker.core.topics.log('r', 0)!
  t.ok(await until(() => log.logStartOffset > 0), `retention deleted old segments within a few intervals (log start ${log.logStartOffset})`)
  const earliest = (await c.request(2, 7, listOffsetsBody('r', 0, -2))).topics[0].partitions[0].offset
  t.equal(Number(earliest), log.logStartOffset, 'ListOffsets earliest follows')
})

t.test('the log start offset survives a crash (no clean shutdown) through its checkpoint', async t => {
  const dir = tmpDir(t)
  const open = (): Promise<LogManager> => LogManager.open({ dataDir: dir, logger: silentLogger, cleaner: false, retentionCheckIntervalMs: 0, defaults: { ...DEFAULT_LOG_CONFIG, fsync: 'never' }, logConfigFor: logConfigFor({}) })
  const m = await open()
  await m.createTopic(topic('d'))
  await m.createTopic(topic('c', { 'cleanup.policy': 'compact' }))
  await fill(m, 'd', 20, Date.now())
  await fill(m, 'c', 5, Date.now())
  t.equal(await m.deleteRecords('d', 0, 7), 7)
  await t.rejects(m.deleteRecords('c', 0, 2), { code: 'POLICY_VIOLATION', message: /can not be deleted due to the configured policy/ })
  await t.rejects(m.deleteRecords('d', 0, 21), { code: 'OFFSET_OUT_OF_RANGE' })
  t.equal(await m.deleteRecords('d', 0, -1), 20, '-1: up to the high watermark')
  // "crash": the first manager is never closed, so no clean-shutdown marker
  const again = await open()
  t.equal(again.cleanStart, false, 'an unclean start')
  t.equal(again.log('d', 0)!.logStartOffset, 20, 'log start offset restored from the checkpoint')
  await again.deleteTopic('d')
  await again.createTopic(topic('d'))
  t.equal(again.log('d', 0)!.logStartOffset, 0, 'a re-created topic does not inherit the old checkpoint')
  await again.close()
  t.ok(existsSync(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE)))
})
