// Offset checkpoint files in Kafka's text format: exact bytes, round trip, malformed input, atomic writes.
import t from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { silentLogger } from '../../src/logger.js'
import { CheckpointFile, formatCheckpoint, parseCheckpoint } from '../../src/storage/checkpoint-file.js'

function tmp (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-ckpt-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('Kafka\'s format: version, count, then "topic partition offset" lines', async t => {
  const text = '0\n3\norders 0 1200\n__consumer_offsets 12 5000\nmy-topic.v2 7 0\n'
  const m = parseCheckpoint(text, 'f')
  t.same([...m], [['orders-0', 1200], ['__consumer_offsets-12', 5000], ['my-topic.v2-7', 0]])
  t.equal(formatCheckpoint(m), text, 'written back byte for byte')
  t.equal(formatCheckpoint(new Map()), '0\n0\n', 'empty checkpoint')
  t.same([...parseCheckpoint('', 'f')], [], 'an empty file reads as empty')
})

t.test('malformed checkpoints are rejected with the line; the file reader logs and reads them as empty', async t => {
  t.throws(() => parseCheckpoint('1\n0\n', 'f'), /line 1 is version '1', expected 0/)
  t.throws(() => parseCheckpoint('0\n2\na 0 1\n', 'f'), /says 2 entries, has 1/)
  t.throws(() => parseCheckpoint('0\n1\na x 1\n', 'f'), /line 3 is 'a x 1'/)
  t.throws(() => parseCheckpoint('0\n1\na 0\n', 'f'), /line 3/)
  const dir = tmp(t)
  const lines: string[] = []
  const logger = pino({ level: 'warn' }, { write: (l: string) => { lines.push(l) } })
  writeFileSync(join(dir, 'cp'), 'garbage\n')
  const f = new CheckpointFile(dir, 'cp', logger)
  t.same([...await f.read()], [])
  t.match(lines.join(''), /ignoring malformed checkpoint/)
  t.same([...await new CheckpointFile(dir, 'missing', silentLogger).read()], [], 'a missing file reads as empty')
})

t.test('writes are atomic and coalesce: the last content wins, no temp file left', async t => {
  const dir = tmp(t)
  const f = new CheckpointFile(dir, 'cp', silentLogger)
  const writes = []
  for (let i = 0; i < 20; i++) writes.push(f.write(new Map([['t-0', i]])))
  await Promise.all(writes)
  t.equal(readFileSync(join(dir, 'cp'), 'utf8'), '0\n1\nt 0 19\n')
  t.same(readdirSync(dir), ['cp'])
  t.same([...await f.read()], [['t-0', 19]])
})
