// `samsa produce` and `samsa consume` end to end (spawned, against a broker the test starts): lines with keys
// and headers land where Kafka's partitioner puts them; replay from an offset, from N before the end, from a
// time (ISO, relative, @epoch-ms) and until an offset or a time; --count; output formats; following new
// records like tail -f and a clean exit on Ctrl-C; and every error path (unknown topic, bad offset or time,
// bad flags, unreachable broker).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir, withBroker } from '../helpers/broker.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { partitionForKey } from '../../src/client/partitioner.js'
import { compressionCodec } from '../../src/protocol/records/batch-header.js'
import { runCli, startCli } from './run-cli.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const lines = (s: string): string[] => s.split('\n').filter(l => l !== '')

t.test('produce: keys by murmur2, headers, --verbose offsets; consume replays from an offset', async t => {
  const b = await withBroker(t, { config: { 'num.partitions': 3 } })
  const B = ['--brokers', b.brokers[0]!]
  const input = ['user1:login', 'user2:login', 'user1:click', 'user3:login', 'user1:logout', 'nokey-line'].join('\n') + '\n'
  const p = await runCli(['produce', 'events', '--key-separator', ':', '--headers', 'source=test', '--headers', 'run=1', '--verbose', '--json', ...B], { input })
  t.equal(p.code, 0, p.stderr)
  const written = lines(p.stdout).map(l => JSON.parse(l))
  t.equal(written.length, 6, 'one line per record written')
  const user1 = partitionForKey(Buffer.from('user1'), 3)
  const stored = await fetchRecords(b.port, 'events', user1)
  const user1Values = stored.records.filter(r => r.keyString === 'user1').map(r => r.valueString)
  t.same(user1Values, ['login', 'click', 'logout'], 'one key, one partition (Kafka murmur2), in order')
  t.same(stored.records[0]!.headers.map(h => [h.key, h.value?.toString()]), [['source', 'test'], ['run', '1']], 'headers on every record')
  t.same(written.filter(w => w.partition === user1).map(w => w.offset), stored.records.map(r => r.offset), 'verbose reports the offsets written')

  // Replay partition user1 from offset 1.
  let c = await runCli(['consume', 'events', '--partition', String(user1), '--from', '1', '--until', 'end', '--format', 'json', ...B])
  t.equal(c.code, 0, c.stderr)
  const replay = lines(c.stdout).map(l => JSON.parse(l))
  t.same(replay[0], {
    topic: 'events', partition: user1, offset: 1, timestamp: replay[0].timestamp, timestampType: 'CreateTime', key: 'user1', value: 'click',
    headers: [{ key: 'source', value: 'test' }, { key: 'run', value: '1' }]
  }, 'json: every field')
  t.equal(replay.length, stored.records.length - 1, 'from offset 1 to the end')

  c = await runCli(['consume', 'events', '--until', 'end', ...B])
  t.equal(c.code, 0, c.stderr)
  t.same(lines(c.stdout).sort(), ['click', 'login', 'login', 'login', 'logout', 'nokey-line'], 'value-only by default, every partition')

  c = await runCli(['consume', 'events', '--partition', String(user1), '--from', '-1', '--until', 'end', '--format', '%p@%o %k=%v [%h] %K/%S', ...B])
  const last = stored.records[stored.records.length - 1]!
  t.equal(c.stdout, `${user1}@${last.offset} ${last.keyString ?? ''}=${last.valueString!} [source=test,run=1] ${last.key?.length ?? -1}/${last.value!.length}\n`, 'template, N before the end')

  c = await runCli(['consume', 'events', '--partition', String(user1), '--count', '2', '--format', '%o\\t%v\\n', ...B])
  t.equal(c.code, 0, 'follow mode stops after --count')
  t.equal(c.stdout, '0\tlogin\n1\tclick\n')

  c = await runCli(['consume', 'events', '--partition', String(user1), '--until', '2', '--json', ...B])
  t.same(lines(c.stdout).map(l => JSON.parse(l).offset), [0, 1], '--until OFFSET stops before it')
})

t.test('consume replays from a time and until a time', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['produce', 'clock', ...B], { input: 'old-1\nold-2\n' })).code, 0)
  await sleep(50)
  const middle = Date.now()
  await sleep(50)
  t.equal((await runCli(['produce', 'clock', ...B], { input: 'new-1\nnew-2\n' })).code, 0)

  const [iso, at, rel, until, both] = await Promise.all([
    runCli(['consume', 'clock', '--from', new Date(middle).toISOString(), '--until', 'end', ...B]),
    runCli(['consume', 'clock', '--from', `@${middle}`, '--until', 'end', ...B]),
    runCli(['consume', 'clock', '--from', '-15m', '--until', 'end', ...B]),
    runCli(['consume', 'clock', '--until', new Date(middle).toISOString(), ...B]),
    runCli(['consume', 'clock', '--from', '-1h', '--until', `@${middle}`, '--count', '1', ...B])
  ])
  t.same(lines(iso.stdout), ['new-1', 'new-2'], 'from an ISO time: the first record at or after it')
  t.same(lines(at.stdout), ['new-1', 'new-2'], 'from @epoch-ms')
  t.same(lines(rel.stdout), ['old-1', 'old-2', 'new-1', 'new-2'], 'from a relative time')
  t.same(lines(until.stdout), ['old-1', 'old-2'], 'until a time: before the first record at or after it')
  t.same(lines(both.stdout), ['old-1'], 'a time range and a count')
  for (const r of [iso, at, rel, until, both]) t.equal(r.code, 0, r.stderr)

  const future = await runCli(['consume', 'clock', '--from', new Date(Date.now() + 3_600_000).toISOString(), '--until', 'end', ...B])
  t.equal(future.code, 0)
  t.equal(future.stdout, '', 'a time after the last record starts at the end')
})

t.test('follows new records like tail -f; Ctrl-C exits 0', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['produce', 'tail', ...B], { input: 'first\n' })).code, 0)
  const c = startCli(['consume', 'tail', ...B])
  t.same(await c.lines(1), ['first'])
  t.equal((await runCli(['produce', 'tail', ...B], { input: 'second\nthird\n' })).code, 0)
  t.same(await c.lines(3), ['first', 'second', 'third'], 'new records appear while it follows')
  const r = await c.stop('SIGINT')
  t.equal(r.code, 0, `exit code 0 on SIGINT: ${r.stderr}`)
  t.equal(r.stderr, '', 'nothing on stderr')

  // --from end: only what arrives after it started (keep producing until the first one shows up).
  const d = startCli(['consume', 'tail', '--from', 'end', ...B])
  let shown: string[] = []
  for (let i = 0; i < 40 && shown.length === 0; i++) {
    t.equal((await runCli(['produce', 'tail', ...B], { input: `late-${i}\n` })).code, 0)
    shown = await d.lines(1, 300).catch(() => [])
  }
  t.match(shown[0], /^late-\d+$/, '--from end prints only records written after it started')
  const r2 = await d.stop('SIGTERM')
  t.equal(r2.code, 0, 'SIGTERM exits 0 too')
  t.notOk(/first|second|third/.test(r2.stdout), 'nothing from before the start')
})

t.test('a follow survives a broker restart (as a group member: it rejoins and commits)', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['produce', 'steady', ...B], { input: 'before\n' })).code, 0)
  const c = startCli(['consume', 'steady', '--group', 'steady-readers', ...B])
  t.same(await c.lines(1), ['before'])
  await b.restart()
  t.equal((await runCli(['produce', 'steady', ...B], { input: 'after\n' })).code, 0)
  t.same(await c.lines(2), ['before', 'after'], 'it reconnected and kept following')
  const r = await c.stop('SIGINT')
  t.equal(r.code, 0)
  t.match(r.stderr, /connection to 127\.0\.0\.1:\d+ closed.*; reconnecting \(1\/5\)/, 'the lost connection is reported on stderr')
  const d = JSON.parse((await runCli(['groups', 'describe', 'steady-readers', '--json', ...B])).stdout)
  t.equal(d.state, 'Empty', 'it left the group on exit')
  t.equal(d.offsets[0].committed, 2, 'and committed both records after the restart')
})

t.test('produce --file with compression, --partition, --acks', async t => {
  const b = await withBroker(t, { config: { 'num.partitions': 2 } })
  const B = ['--brokers', b.brokers[0]!]
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'in.txt')
  const want = Array.from({ length: 3000 }, (_, i) => `record number ${i} ${'x'.repeat(i % 50)}`)
  fs.writeFileSync(file, want.join('\r\n') + '\r\n')
  let r = await runCli(['produce', 'bulk', '--file', file, '--compression', 'gzip', '--partition', '1', '--acks', '1', ...B])
  t.equal(r.code, 0, r.stderr)
  const stored = await fetchRecords(b.port, 'bulk', 1)
  t.same(stored.records.map(x => x.valueString), want, 'every line, in order, CRLF stripped, all in partition 1')
  t.ok(stored.batches.every(x => compressionCodec(x) === 1), 'gzip batches')
  r = await runCli(['consume', 'bulk', '--until', 'end', ...B])
  t.equal(lines(r.stdout).length, 3000)
  r = await runCli(['produce', 'bulk', '--acks', '0', '--verbose', '--partition', '0', ...B], { input: 'fire\n' })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /produced to bulk partition 0 at offset unknown \(acks=0\)/)
  r = await runCli(['produce', 'bulk', '--partition', '0', ...B], { input: 'no newline at the end' })
  t.equal(r.code, 0)
  const p0 = await fetchRecords(b.port, 'bulk', 0)
  t.same(p0.records.map(x => x.valueString), ['fire', 'no newline at the end'], 'acks=0 still written; a last line without newline too')
})

t.test('errors: unknown topic, bad offset or time, bad flags, unreachable broker', async t => {
  const b = await withBroker(t, { config: { 'auto.create.topics.enable': false, 'num.partitions': 2 } })
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['topics', 'create', 'small', ...B])).code, 0)
  t.equal((await runCli(['produce', 'small', '--partition', '0', ...B], { input: 'a\nb\n' })).code, 0)
  const cases: Array<[string[], number, RegExp]> = [
    [['consume', 'nope', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['produce', 'nope', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['consume', 'small', '--from', '99', '--partition', '0', ...B], 1, /offset 99 is out of range for small-0: its offsets run from 0 to 2/],
    [['consume', 'small', '--from', '1', ...B], 1, /offset 1 is out of range for small-1: its offsets run from 0 to 0 .*--partition/],
    [['consume', 'small', '--from', 'yesterday', ...B], 2, /bad --from 'yesterday': expected beginning, end, an offset/],
    [['consume', 'small', '--from', '2024-13-45T99:00:00Z', ...B], 2, /bad --from '2024-13-45T99:00:00Z'/],
    [['consume', 'small', '--until', 'soon', ...B], 2, /bad --until 'soon'/],
    [['consume', 'small', '--until', 'beginning', ...B], 2, /bad --until 'beginning'/],
    [['consume', 'small', '--count', '0', ...B], 2, /bad --count '0': expected a whole number >= 1/],
    [['consume', 'small', '--partition', 'x', ...B], 2, /bad --partition 'x'/],
    [['consume', 'small', '--partition', '5', ...B], 1, /topic 'small' has no partition 5 \(it has 2: 0-1\)/],
    [['consume', 'small', '--partition', '0', '--group', 'g', ...B], 2, /--partition and --group cannot be combined/],
    [['consume', 'small', '--format', '%q', ...B], 2, /bad --format '%q': unknown token %q/],
    [['consume', 'small', '--format', 'yaml', ...B], 2, /bad --format 'yaml'/],
    [['consume', 'small', '--follow', ...B], 2, /unknown option --follow for 'samsa consume'/],
    [['consume', ...B], 2, /samsa consume needs TOPIC/],
    [['produce', 'small', '--acks', '2', ...B], 2, /bad --acks '2': expected all, -1, 0 or 1/],
    [['produce', 'small', '--compression', 'brotli', ...B], 2, /bad --compression 'brotli'/],
    [['produce', 'small', '--headers', 'novalue', ...B], 2, /bad --headers 'novalue': expected key=value/],
    [['produce', 'small', '--partition', '9', ...B], 1, /topic 'small' has no partition 9 \(it has 2: 0-1\)/],
    [['produce', 'small', '--file', '/nonexistent/file', ...B], 1, /cannot read --file \/nonexistent\/file: ENOENT/],
    [['consume', 'small', '--brokers', '127.0.0.1:1'], 1, /^samsa: cannot reach broker 127\.0\.0\.1:1 after 3 attempts: ECONNREFUSED\n$/],
    [['produce', 'small', '--brokers', '127.0.0.1:1'], 1, /^samsa: cannot reach broker 127\.0\.0\.1:1 after 3 attempts: ECONNREFUSED\n$/]
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args, { input: 'x\n' })))
  cases.forEach(([args, code, pattern], i) => {
    const what = args.filter(a => a !== B[0] && a !== B[1]).join(' ')
    t.equal(results[i]!.code, code, `${what}: exit ${code}`)
    t.match(results[i]!.stderr, pattern, `${what}: names what was wrong`)
  })
  const p1 = await fetchRecords(b.port, 'small', 1)
  t.equal(p1.records.length, 0, 'failed produces wrote nothing')
})
