import t from 'tap'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { CLEAN_SHUTDOWN_FILE, TOPIC_REGISTRY_FILE } from '../../src/storage/log-file-names.js'
import { LogManager, type TopicRecord } from '../../src/storage/log-manager.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/storage/log.js'

const DEFAULTS: LogConfig = { ...DEFAULT_LOG_CONFIG, fsync: 'never' }
function logConfigFor (topic: TopicRecord): LogConfig {
  const c = { ...DEFAULTS }
  if (topic.configs['segment.bytes'] !== undefined) c.segmentBytes = Number(topic.configs['segment.bytes'])
  if (topic.configs['message.timestamp.type'] !== undefined) c.messageTimestampType = topic.configs['message.timestamp.type'] as LogConfig['messageTimestampType']
  return c
}

function tmpDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-mgr-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const open = (dataDir: string): Promise<LogManager> => LogManager.open({ dataDir, defaults: DEFAULTS, logConfigFor, logger: silentLogger, retentionCheckIntervalMs: 0 })
const topic = (name: string, partitions: number, configs: Record<string, string> = {}): TopicRecord =>
  ({ name, topicId: '6b1e9a3c-1f2d-4c3b-8a7e-0123456789ab', partitions, configs })

async function produce (m: LogManager, name: string, p: number, values: string[]): Promise<void> {
  await m.log(name, p)!.append([buildRecordBatch(values.map(v => ({ value: v })))], Date.now()).durable
}

async function values (m: LogManager, name: string, p: number): Promise<string[]> {
  const log = m.log(name, p)!
  const r = await log.read(log.logStartOffset, 1 << 20, { minOneBatch: true, maxOffset: log.highWatermark })
  const out: string[] = []
  for (const b of r.batches) for (const rec of iterateRecords(b)) out.push(rec.value!.toString())
  return out
}

t.test('create topics, close cleanly, reopen with everything', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  t.equal(m.cleanStart, true, 'an empty data dir is a clean start')
  await m.createTopic(topic('orders', 3, { 'segment.bytes': '100000' }))
  await m.createTopic(topic('__consumer_offsets', 1, { 'cleanup.policy': 'compact' }))
  t.same(m.topics().map(x => x.name).sort(), ['__consumer_offsets', 'orders'])
  t.equal(m.log('orders', 2)!.config.segmentBytes, 100000, 'logConfigFor applied')
  t.equal(m.log('orders', 3), undefined)
  await produce(m, 'orders', 1, ['a', 'b'])
  await produce(m, 'orders', 1, ['c'])
  await t.rejects(m.createTopic(topic('orders', 1)), /already exists/)
  await t.rejects(m.createTopic(topic('bad/name', 1)), /characters outside/)
  await t.rejects(m.createTopic(topic('zero', 0)), /partitions must be/)
  await m.close()
  t.ok(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), 'marker written on close')
  t.ok(existsSync(join(dir, TOPIC_REGISTRY_FILE)))
  t.ok(existsSync(join(dir, 'orders-0')) && existsSync(join(dir, 'orders-2')))

  const again = await open(dir)
  t.equal(again.cleanStart, true)
  t.notOk(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), 'marker deleted at open')
  t.same(again.topic('orders'), topic('orders', 3, { 'segment.bytes': '100000' }))
  t.equal(again.log('orders', 1)!.logEndOffset, 3)
  t.same(await values(again, 'orders', 1), ['a', 'b', 'c'])
  await again.close()
})

t.test('a crash (no close) makes the next start unclean, and data written survives', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  await m.createTopic(topic('events', 1))
  await m.close()
  const m2 = await open(dir)
  await produce(m2, 'events', 0, ['x', 'y'])
  // no close: simulate a crash
  const m3 = await open(dir)
  t.equal(m3.cleanStart, false)
  t.same(await values(m3, 'events', 0), ['x', 'y'])
  await m3.close()
  await m2.flusher.close()
})

t.test('delete topic, add partitions, update configs', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  await m.createTopic(topic('a', 2))
  await m.createTopic(topic('b', 1))
  await produce(m, 'a', 0, ['1'])
  await m.deleteTopic('a')
  t.equal(m.topic('a'), undefined)
  t.equal(m.log('a', 0), undefined)
  t.same(readdirSync(dir).filter(f => f.startsWith('a-')), [], 'partition directories removed')
  await t.rejects(m.deleteTopic('a'), /does not exist/)
  await m.addPartitions('b', 3)
  t.equal(m.topic('b')!.partitions, 3)
  t.ok(m.log('b', 2) !== undefined)
  await t.rejects(m.addPartitions('b', 2), /must be larger/)
  await m.updateTopicConfigs('b', { 'message.timestamp.type': 'LogAppendTime' })
  t.equal(m.log('b', 0)!.config.messageTimestampType, 'LogAppendTime', 'applied live')
  const r = m.log('b', 0)!.append([buildRecordBatch([{ value: 'v' }])], 12345)
  t.equal(r.logAppendTime, 12345)
  await r.durable
  await m.createTopic(topic('a', 1))
  t.equal(m.log('a', 0)!.logEndOffset, 0, 'a re-created topic starts empty')
  await m.close()
  const again = await open(dir)
  t.same(again.topics().map(x => [x.name, x.partitions]).sort(), [['a', 1], ['b', 3]])
  t.same(again.topic('b')!.configs, { 'message.timestamp.type': 'LogAppendTime' })
  await again.close()
})

t.test('partition directories unknown to the registry are adopted; -delete leftovers removed', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  await m.createTopic(topic('known', 1))
  await produce(m, 'known', 0, ['k'])
  await m.close()
  // a topic written by someone else (e.g. copied from Kafka): two partition directories, no registry entry
  const other = await open(join(dir, 'elsewhere'))
  await other.createTopic(topic('foreign', 2))
  await produce(other, 'foreign', 1, ['f1', 'f2'])
  await other.close()
  const { renameSync } = await import('node:fs')
  renameSync(join(dir, 'elsewhere', 'foreign-0'), join(dir, 'foreign-0'))
  renameSync(join(dir, 'elsewhere', 'foreign-1'), join(dir, 'foreign-1'))
  mkdirSync(join(dir, 'gone-0.0123456789abcdef0123456789abcdef-delete'))
  const again = await open(dir)
  t.equal(again.topic('foreign')!.partitions, 2)
  t.match(again.topic('foreign')!.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.same(await values(again, 'foreign', 1), ['f1', 'f2'])
  t.notOk(existsSync(join(dir, 'gone-0.0123456789abcdef0123456789abcdef-delete')))
  await again.close()
})

t.test('retention by retention.bytes through the manager', async t => {
  const dir = tmpDir(t)
  const m = await open(dir)
  await m.createTopic(topic('r', 1, { 'segment.bytes': '500', 'retention.bytes': '1000' }))
  await m.createTopic(topic('c', 1, { 'segment.bytes': '500', 'retention.bytes': '1000', 'cleanup.policy': 'compact' }))
  for (let i = 0; i < 30; i++) {
    await produce(m, 'r', 0, [`v${i}`.repeat(10)])
    await produce(m, 'c', 0, [`v${i}`.repeat(10)])
  }
  const deleted = await m.runRetention(Date.now())
  t.ok(deleted > 0)
  t.ok(m.log('r', 0)!.logStartOffset > 0)
  t.equal(m.log('c', 0)!.logStartOffset, 0, 'compacted topics are not deleted by retention')
  await m.close()
})

t.test('a data dir holding only unrelated files is a clean start', async t => {
  const dir = tmpDir(t)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(dir, 'meta.properties'), 'cluster.id=x\n')
  const m = await open(dir)
  t.equal(m.cleanStart, true)
  await m.close()
})

t.test('retention settings come from the LogConfig when logConfigFor provides them', async t => {
  const dir = tmpDir(t)
  const m = await LogManager.open({
    dataDir: dir, defaults: DEFAULTS, logger: silentLogger, retentionCheckIntervalMs: 0,
    logConfigFor: () => ({ ...DEFAULTS, retentionMs: 5, retentionBytes: 77, cleanupPolicy: 'compact,delete' })
  })
  t.same(m.retentionOf(topic('x', 1, { 'retention.ms': '1000' })), { retentionMs: 5, retentionBytes: 77, deletePolicy: true })
  const plain = await open(join(dir, 'other'))
  t.same(plain.retentionOf(topic('x', 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact' })), { retentionMs: 1000, retentionBytes: -1, deletePolicy: false })
  await m.close()
  await plain.close()
})
