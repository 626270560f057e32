// Parsing of start/stop positions (--from, --until, --to), of record formats (--format) and of strict flags,
// without a broker.
import t from 'tap'
import { parsePosition, parseTime } from '../../src/cli/positions.js'
import { compileTemplate, recordFormatter } from '../../src/cli/record-format.js'
import { Options, parsePartitions } from '../../src/cli/options.js'
import { table } from '../../src/cli/output.js'
import type { ConsumedRecord } from '../../src/client/fetcher.js'

const NOW = Date.parse('2024-05-01T12:00:00Z')

t.test('positions', async t => {
  t.same(parsePosition('--from', 'beginning'), { kind: 'beginning' })
  t.same(parsePosition('--from', 'earliest'), { kind: 'beginning' })
  t.same(parsePosition('--from', 'end'), { kind: 'end' })
  t.same(parsePosition('--from', 'latest'), { kind: 'end' })
  t.same(parsePosition('--from', '42'), { kind: 'offset', offset: 42 })
  t.same(parsePosition('--from', '-10'), { kind: 'beforeEnd', count: 10 })
  t.same(parsePosition('--from', '-15m', NOW), { kind: 'time', timestamp: NOW - 15 * 60_000 })
  t.same(parsePosition('--from', '-2h', NOW), { kind: 'time', timestamp: NOW - 7_200_000 })
  t.same(parsePosition('--from', '-1d', NOW), { kind: 'time', timestamp: NOW - 86_400_000 })
  t.same(parsePosition('--from', '-30s', NOW), { kind: 'time', timestamp: NOW - 30_000 })
  t.same(parsePosition('--from', '-500ms', NOW), { kind: 'time', timestamp: NOW - 500 })
  t.same(parsePosition('--from', '-1.5h', NOW), { kind: 'time', timestamp: NOW - 5_400_000 })
  t.same(parsePosition('--from', '2024-05-01T10:00:00Z'), { kind: 'time', timestamp: Date.parse('2024-05-01T10:00:00Z') })
  t.same(parsePosition('--from', '2024-05-01T10:00:00.250+02:00'), { kind: 'time', timestamp: Date.parse('2024-05-01T08:00:00.250Z') })
  t.same(parsePosition('--from', '2024-05-01'), { kind: 'time', timestamp: Date.parse('2024-05-01T00:00:00Z') }, 'a date alone is midnight UTC')
  t.same(parsePosition('--from', '@1714557600000'), { kind: 'time', timestamp: 1714557600000 })
  t.equal(parseTime('now', NOW), NOW)
  for (const bad of ['yesterday', '15m', '-15x', '2024-13-01', '2024-05-01T25:00:00Z', '', '@', '1e3', 'end-1']) {
    t.throws(() => parsePosition('--from', bad), { name: 'UsageError', message: new RegExp(`^bad --from '${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': expected beginning, end`) }, `rejects '${bad}'`)
  }
  t.throws(() => parsePosition('--to', '99999999999999999999'), /bad --to '99999999999999999999': offset too large/)
})

const record: ConsumedRecord = {
  topic: 't', partition: 2, offset: 41, timestamp: Date.parse('2024-05-01T10:00:00Z'), timestampType: 'CreateTime',
  key: Buffer.from('k'), value: Buffer.from('héllo'), headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }]
}

t.test('record formats', async t => {
  t.equal(recordFormatter(undefined)(record), 'héllo\n', 'value by default')
  t.equal(recordFormatter('value')({ ...record, value: null }), '\n', 'a null value is an empty line')
  t.same(JSON.parse(recordFormatter('json')(record)), {
    topic: 't', partition: 2, offset: 41, timestamp: record.timestamp, timestampType: 'CreateTime', key: 'k', value: 'héllo',
    headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }]
  })
  t.equal(compileTemplate('%t/%p@%o %T %d %k=%v|%s %K %S [%h] 100%%')(record), `t/2@41 ${record.timestamp} 2024-05-01T10:00:00.000Z k=héllo|héllo 1 6 [a=1,b=] 100%\n`)
  t.equal(compileTemplate('%k\\t%v\\n')(record), 'k\théllo\n', 'escapes; no second newline')
  t.equal(compileTemplate('%K')({ ...record, key: null }), '-1\n', 'null key length -1')
  t.throws(() => recordFormatter('%z'), /unknown token %z/)
  t.throws(() => recordFormatter('csv'), /bad --format 'csv': expected value, json or a template/)
})

t.test('strict options', async t => {
  const o = new Options('x', ['a', '--n', '3', '--list=1', '--list', '2', '--flag', '--', '--not-a-flag'], { booleans: ['flag'], values: ['n', 'list'] })
  t.same(o.positionals, ['a', '--not-a-flag'])
  t.equal(o.int('n', 1), 3)
  t.same(o.all('list'), ['1', '2'])
  t.equal(o.string('list'), '2', 'the last one wins')
  t.ok(o.has('flag'))
  t.throws(() => new Options('x', ['--nope'], {}), { name: 'UsageError', message: "unknown option --nope for 'samsa x' (see samsa x --help)" })
  t.throws(() => new Options('x', ['--flag=1'], { booleans: ['flag'] }), /--flag takes no value/)
  t.throws(() => new Options('x', ['--n'], { values: ['n'] }), /--n needs a value/)
  t.throws(() => new Options('x', ['--n', '1.5'], { values: ['n'] }).int('n'), /bad --n '1.5': expected a whole number/)
  t.same(new Options('x', ['--from', '-15m'], { values: ['from'] }).string('from'), '-15m', 'negative values are values')
  t.same(parsePartitions('2,0,2'), [0, 2])
  t.throws(() => parsePartitions(','), /bad --partition/)
})

t.test('tables', async t => {
  t.equal(table([{ a: 'x', n: 1 }, { a: 'longer', n: 100 }], [{ header: 'NAME', get: r => r.a }, { header: 'N', get: r => r.n, right: true }]),
    'NAME      N\nx         1\nlonger  100\n')
  t.equal(table([{ a: null }], [{ header: 'A', get: (r: { a: null }) => r.a }]), 'A\n-\n', 'missing values as -')
})
