// The samsa command against a real Apache Kafka 3.9.1 node (KRaft, started with scripts/kafka/kafka.sh), to
// show the CLI is a Kafka client and not only a Samsa one: topics (create with a config, describe, alter,
// add-partitions, delete), produce with keys and zstd, replay from an offset and a time, a group that
// commits, is reset and resumes, and dump-log of Kafka's own segment (same batch lines as kafka-dump-log.sh).
// Opt-in (a JVM start costs seconds): SAMSA_CLI_KAFKA=1 npx tap test/cli/against-kafka.test.ts. It also needs
// Kafka's jars in the cache (scripts/kafka/kafka.sh fetch) and java; otherwise it skips, saying why.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/broker.js'
import { runCli } from './run-cli.js'

const KAFKA_SH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/kafka/kafka.sh')
const cached = fs.existsSync(path.join(process.env.SAMSA_CACHE ?? path.join(os.homedir(), '.cache/samsa'), 'kafka-3.9.1/.complete'))
const skip = process.env.SAMSA_CLI_KAFKA !== '1'
  ? 'opt-in: set SAMSA_CLI_KAFKA=1 to run the CLI against Apache Kafka'
  : !fs.existsSync(KAFKA_SH) || !cached || spawnSync('java', ['-version']).status !== 0
      ? 'Apache Kafka 3.9.1 is not in the cache (scripts/kafka/kafka.sh fetch) or java is missing'
      : false

const lines = (s: string): string[] => s.split('\n').filter(l => l !== '')
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

t.test('every command against Apache Kafka 3.9.1', { skip, timeout: 300_000 }, async t => {
  const dir = tempDir('samsa-kafka-')
  const started = spawnSync(KAFKA_SH, ['start', '--dir', dir], { encoding: 'utf8', timeout: 180_000 })
  t.teardown(() => {
    spawnSync(KAFKA_SH, ['stop', '--dir', dir], { timeout: 60_000 })
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const port = /listening on 127\.0\.0\.1:(\d+)/.exec(started.stdout)?.[1]
  if (port === undefined) throw new Error(`Kafka did not start: ${started.stderr}`)
  const B = ['--brokers', `127.0.0.1:${port}`]

  let r = await runCli(['topics', 'create', 'k', '--partitions', '2', '--config', 'retention.ms=3600000', ...B])
  t.equal(r.code, 0, r.stderr)
  r = await runCli(['produce', 'k', '--key-separator', ':', '--compression', 'zstd', '--partition', '0', ...B], { input: 'a:1\nb:2\nc:3\n' })
  t.equal(r.code, 0, r.stderr)
  await sleep(50)
  const middle = Date.now()
  await sleep(50)
  r = await runCli(['produce', 'k', '--partition', '0', ...B], { input: 'later\n' })
  t.equal(r.code, 0, r.stderr)

  r = await runCli(['topics', 'describe', 'k', '--json', ...B])
  const d = JSON.parse(r.stdout)
  t.same(d.partitions.map((p: any) => [p.partition, p.logEndOffset]), [[0, 4], [1, 0]])
  t.same(d.configs.filter((c: any) => c.source === 'DYNAMIC_TOPIC_CONFIG').map((c: any) => [c.name, c.value]), [['retention.ms', '3600000']])

  r = await runCli(['consume', 'k', '--partition', '0', '--from', '1', '--until', 'end', '--format', '%o %k=%v', ...B])
  t.same(lines(r.stdout), ['1 b=2', '2 c=3', '3 =later'], 'replay from an offset (Fetch at the newest common version)')
  r = await runCli(['consume', 'k', '--from', new Date(middle).toISOString(), '--until', 'end', ...B])
  t.same(lines(r.stdout), ['later'], 'replay from a time')

  r = await runCli(['consume', 'k', '--group', 'kg', '--count', '2', ...B])
  t.same(lines(r.stdout), ['1', '2'])
  r = await runCli(['groups', 'describe', 'kg', '--json', ...B])
  t.same(JSON.parse(r.stdout).offsets.filter((o: any) => o.partition === 0).map((o: any) => [o.committed, o.lag]), [[2, 2]])
  r = await runCli(['groups', 'reset', 'kg', '--topic', 'k', '--to', '1', '--partition', '0', ...B])
  t.equal(r.code, 0, r.stderr)
  r = await runCli(['consume', 'k', '--group', 'kg', '--until', 'end', ...B])
  t.same(lines(r.stdout), ['2', '3', 'later'], 'resumes at the reset point')
  r = await runCli(['groups', 'list', '--json', ...B])
  t.ok(JSON.parse(r.stdout).some((g: any) => g.groupId === 'kg' && g.state === 'Empty'))
  t.equal((await runCli(['groups', 'delete', 'kg', ...B])).code, 0)

  r = await runCli(['topics', 'alter', 'k', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms', ...B])
  t.match(r.stdout, /altered configs of topic k\n/, 'IncrementalAlterConfigs')
  r = await runCli(['topics', 'add-partitions', 'k', '--partitions', '3', ...B])
  t.equal(r.code, 0, r.stderr)

  const seg = path.join(dir, 'data', 'k-0', '00000000000000000000.log')
  const ours = lines((await runCli(['dump-log', seg])).stdout).filter(l => l.startsWith('baseOffset:'))
  const theirs = spawnSync(KAFKA_SH, ['dump-log-segments', '--files', seg], { encoding: 'utf8', timeout: 60_000 })
  t.same(ours, lines(theirs.stdout).filter(l => l.startsWith('baseOffset:')), 'dump-log of a Kafka segment: the same batch lines as kafka-dump-log.sh')
  r = await runCli(['dump-log', path.join(dir, 'data', 'k-0', '00000000000000000000.index')])
  t.equal(r.code, 0, `a preallocated Kafka index: ${r.stdout}`)

  t.equal((await runCli(['topics', 'delete', 'k', ...B])).code, 0)
  r = await runCli(['consume', 'k', ...B])
  t.equal(r.code, 1)
  t.match(r.stderr, /unknown topic 'k'/)
})
