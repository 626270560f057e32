// `samsa dump-log` on segment files a broker wrote (spawned): batches with offsets, timestamps, codecs and
// CRC validity, records with --records, JSON Lines, index and time-index entries checked against the log,
// a partition directory; corrupted copies (a flipped byte, a torn tail, garbage appended, a bad index entry)
// reported with their positions and exit code 1; usage errors. When Apache Kafka's jars are in the cache
// (scripts/kafka/kafka.sh fetch), Kafka's own DumpLogSegments must print the same batch lines.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import os from 'node:os'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir, withBroker } from '../helpers/broker.js'
import { runCli } from './run-cli.js'

const lines = (s: string): string[] => s.split('\n').filter(l => l !== '')
const SEGMENT = '00000000000000000000'

/** A partition directory written by a real broker: 6 batches (one gzip), indexes every ~100 bytes. */
async function writeSegment (t: Test): Promise<string> {
  const b = await withBroker(t, { config: { 'log.index.interval.bytes': 100 } })
  const B = ['--brokers', b.brokers[0]!]
  for (let i = 0; i < 5; i++) {
    const r = await runCli(['produce', 'seg', '--key-separator', '=', '--headers', 'h=1', ...B], { input: `k${i}=value ${i}\nk${i}b=second ${i}\n` })
    t.equal(r.code, 0, r.stderr)
  }
  t.equal((await runCli(['produce', 'seg', '--compression', 'gzip', ...B], { input: 'zipped-1\nzipped-2\nzipped-3\n' })).code, 0)
  await b.close() // flushes and writes the index files
  return path.join(b.dataDir, 'seg-0')
}

t.test('dumps a segment the broker wrote, and corrupted copies of it', async t => {
  const dir = await writeSegment(t)
  const log = path.join(dir, `${SEGMENT}.log`)
  const index = path.join(dir, `${SEGMENT}.index`)
  const timeindex = path.join(dir, `${SEGMENT}.timeindex`)

  let r = await runCli(['dump-log', log, '--records', '--json'])
  t.equal(r.code, 0, r.stderr)
  const events = lines(r.stdout).map(l => JSON.parse(l))
  const batches = events.filter(e => e.type === 'batch')
  t.equal(batches.length, 6)
  t.ok(batches.every(x => x.crcValid === true && x.magic === 2), 'every CRC valid')
  t.same(batches.map(x => [x.baseOffset, x.lastOffset, x.count]), [[0, 1, 2], [2, 3, 2], [4, 5, 2], [6, 7, 2], [8, 9, 2], [10, 12, 3]])
  t.same(batches.map(x => x.compression), ['none', 'none', 'none', 'none', 'none', 'gzip'])
  t.same(batches[0].records.map((x: any) => [x.offset, x.key, x.value, x.headerKeys]), [[0, 'k0', 'value 0', ['h']], [1, 'k0b', 'second 0', ['h']]])
  t.same(batches[5].records.map((x: any) => x.value), ['zipped-1', 'zipped-2', 'zipped-3'], 'compressed records decoded')
  t.ok(batches.every((x, i) => i === 0 || x.position === batches[i - 1].position + batches[i - 1].size), 'positions follow sizes')
  t.same(events[events.length - 1], { type: 'summary', file: log, kind: 'log', batches: 6, records: 13, firstOffset: 0, lastOffset: 12, corruptions: 0 })

  r = await runCli(['dump-log', log, '--records'])
  t.equal(r.code, 0)
  const human = lines(r.stdout)
  t.equal(human[0], `Dumping ${log}`)
  t.equal(human[1], 'Log starting offset: 0')
  t.match(human[2], /^baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: \d+ isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$/)
  t.match(human[3], /^\| offset: 0 CreateTime: \d+ keySize: 2 valueSize: 7 sequence: -1 headerKeys: \[h\] key: k0 payload: value 0$/)
  t.equal(human[human.length - 1], 'Summary: 6 batches, 13 records, offsets 0-12, no problems')

  r = await runCli(['dump-log', index, '--json'])
  t.equal(r.code, 0, r.stdout + r.stderr)
  const entries = lines(r.stdout).map(l => JSON.parse(l)).filter(e => e.type === 'entry')
  t.ok(entries.length >= 3, `sparse index entries (${entries.length})`)
  t.ok(entries.every(e => batches.some(x => x.position === e.position && x.lastOffset === e.offset)), 'each entry points at a batch and names its last offset')
  r = await runCli(['dump-log', timeindex])
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^Dumping .*\.timeindex\ntimestamp: \d+ offset: \d+\n/)

  r = await runCli(['dump-log', dir])
  t.equal(r.code, 0, 'a directory: every segment file')
  t.same(lines(r.stdout).filter(l => l.startsWith('Dumping')).map(l => path.basename(l)), [`${SEGMENT}.log`, `${SEGMENT}.index`, `${SEGMENT}.timeindex`])

  // Corrupted copies, named like the originals so that the index checks find their .log.
  const bad = tempDir('samsa-dump-')
  t.teardown(() => fs.rmSync(bad, { recursive: true, force: true }))
  const original = fs.readFileSync(log)
  const copy = (bytes: Buffer): string => {
    const f = path.join(bad, `${SEGMENT}.log`)
    fs.writeFileSync(f, bytes)
    return f
  }

  const flipped = Buffer.from(original)
  const at = batches[2].position + batches[2].size - 3
  flipped[at] = flipped[at]! ^ 0xff
  r = await runCli(['dump-log', copy(flipped)])
  t.equal(r.code, 1, 'a corrupt file exits 1')
  t.match(r.stdout, new RegExp(`corrupt at position ${batches[2].position}: CRC mismatch in batch 4-5: stored ${batches[2].crc}, computed \\d+\\n`))
  t.match(r.stdout, new RegExp(`position: ${batches[2].position} .* isvalid: false\\n`))
  t.match(r.stdout, /Summary: 6 batches, 13 records, offsets 0-12, 1 problem/, 'the walk goes on past a bad CRC')
  t.match(r.stderr, new RegExp(`is corrupt: 1 problem, the first at position ${batches[2].position}: CRC mismatch`))

  const torn = original.subarray(0, batches[5].position + 30)
  r = await runCli(['dump-log', copy(torn), '--json'])
  t.equal(r.code, 1)
  const tornEvents = lines(r.stdout).map(l => JSON.parse(l))
  t.same(tornEvents.filter(e => e.type === 'corruption').map(e => e.position), [batches[5].position])
  t.match(tornEvents.find(e => e.type === 'corruption').message, /truncated batch: its length says \d+ bytes, only 30 remain/)
  t.equal(tornEvents.filter(e => e.type === 'batch').length, 5, 'the batches before the tear are intact')

  r = await runCli(['dump-log', copy(Buffer.concat([original, Buffer.alloc(40)]))])
  t.equal(r.code, 1)
  t.match(r.stdout, new RegExp(`corrupt at position ${original.length}: batch length 0 is below the minimum 49`))

  fs.writeFileSync(path.join(bad, `${SEGMENT}.log`), original)
  const idx = fs.readFileSync(index)
  idx.writeInt32BE(idx.readInt32BE(4) + 1, 4) // first entry: one byte past its batch
  fs.writeFileSync(path.join(bad, `${SEGMENT}.index`), idx)
  r = await runCli(['dump-log', path.join(bad, `${SEGMENT}.index`)])
  t.equal(r.code, 1)
  t.match(r.stdout, new RegExp(`corrupt at position 0: entry 0: no batch of ${SEGMENT}\\.log starts at position ${idx.readInt32BE(4)}`))
  fs.writeFileSync(path.join(bad, `${SEGMENT}.timeindex`), fs.readFileSync(timeindex).subarray(0, 17))
  r = await runCli(['dump-log', path.join(bad, `${SEGMENT}.timeindex`)])
  t.equal(r.code, 1)
  t.match(r.stdout, /corrupt at position 12: 5 trailing bytes: the file size 17 is not a multiple of the 12-byte entry/)

  // Kafka preallocates an active index: zeros with no entry yet are unused space, not an entry for offset 0.
  fs.writeFileSync(path.join(bad, `${SEGMENT}.index`), Buffer.alloc(8 * 64))
  r = await runCli(['dump-log', path.join(bad, `${SEGMENT}.index`)])
  t.equal(r.code, 0, r.stdout)
  t.match(r.stdout, /\(512 bytes of preallocated, unused entries from position 0\)\nSummary: 0 entries, no problems/)

  // Apache Kafka's DumpLogSegments prints the same batch lines, when its jars are at hand.
  const kafkaSh = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/kafka/kafka.sh')
  const cache = path.join(process.env.SAMSA_CACHE ?? path.join(os.homedir(), '.cache/samsa'), 'kafka-3.9.1/.complete')
  if (!fs.existsSync(kafkaSh) || !fs.existsSync(cache) || spawnSync('java', ['-version']).status !== 0) {
    const why = 'Apache Kafka 3.9.1 is not in the cache (scripts/kafka/kafka.sh fetch) or java is missing: no cross-check with DumpLogSegments'
    t.pass(why, { skip: why })
    return
  }
  const k = spawnSync(kafkaSh, ['dump-log-segments', '--files', log], { encoding: 'utf8', timeout: 60_000 })
  t.equal(k.status, 0, k.stderr)
  const ours = lines((await runCli(['dump-log', log])).stdout).filter(l => l.startsWith('baseOffset:'))
  t.same(ours, lines(k.stdout).filter(l => l.startsWith('baseOffset:')), 'same batch lines as kafka-dump-log.sh')
})

t.test('--verify: exit 0 on a clean log; on damage, exit 1 and one line per bad batch (file, position, reason)', async t => {
  const dir = await writeSegment(t)
  const log = path.join(dir, `${SEGMENT}.log`)
  let r = await runCli(['dump-log', '--verify', dir])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^Verified 3 files \(6 batches, \d+ bytes of log\): no problems\n$/, 'only the summary')

  const bytes = fs.readFileSync(log)
  const positions: number[] = []
  for (let p = 0; p < bytes.length; p += bytes.readInt32BE(p + 8) + 12) positions.push(p)
  const damaged = Buffer.from(bytes)
  for (const b of [1, 3]) damaged[positions[b]! + 70] ^= 0x01 // inside the records: covered by the CRC only
  fs.writeFileSync(log, damaged)
  r = await runCli(['dump-log', '--verify', dir])
  t.equal(r.code, 1)
  const problems = lines(r.stdout).slice(0, -1)
  t.equal(problems.length, 2, 'one line per bad batch')
  for (const [i, b] of [1, 3].entries()) t.match(problems[i], new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: position ${positions[b]}: CRC32C mismatch in batch \\d+-\\d+: stored \\d+, computed \\d+$`))
  t.match(lines(r.stdout).at(-1), /: 2 problems$/)
  const json = await runCli(['dump-log', '--verify', '--json', log])
  t.equal(json.code, 1)
  t.same(lines(json.stdout).map(l => JSON.parse(l)).filter(e => e.type === 'corruption').map(e => [e.file, e.position]), [[log, positions[1]], [log, positions[3]]])

  // cut in half on a batch boundary: the walk of the .log alone cannot tell, its index points past its end
  fs.writeFileSync(log, bytes.subarray(0, positions[3]))
  r = await runCli(['dump-log', '--verify', dir])
  t.equal(r.code, 1)
  t.match(r.stdout, /00000000000000000000\.index: position \d+: entry \d+: position \d+ is past the end of 00000000000000000000\.log/)
  // cut through a batch: that batch is named
  fs.writeFileSync(log, bytes.subarray(0, positions[3]! + 20))
  r = await runCli(['dump-log', '--verify', log])
  t.equal(r.code, 1)
  t.match(r.stdout, new RegExp(`: position ${positions[3]}: .*the rest of the segment \\(20 bytes\\) cannot be read as batches`))
})

t.test('usage errors', async t => {
  const dir = tempDir('samsa-dump-')
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'x')
  const [missing, kind, none, flag, empty] = await Promise.all([
    runCli(['dump-log', path.join(dir, 'nope.log')]),
    runCli(['dump-log', path.join(dir, 'notes.txt')]),
    runCli(['dump-log']),
    runCli(['dump-log', dir, '--deep']),
    runCli(['dump-log', dir])
  ])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^samsa: cannot open .*nope\.log: ENOENT\n$/)
  t.equal(kind.code, 2)
  t.match(kind.stderr, /cannot tell what .*notes\.txt is: expected a \.log, \.index or \.timeindex file/)
  t.equal(none.code, 2)
  t.match(none.stderr, /samsa dump-log needs a PATH/)
  t.equal(flag.code, 2)
  t.match(flag.stderr, /unknown option --deep for 'samsa dump-log'/)
  t.equal(empty.code, 1)
  t.match(empty.stderr, /no segment files in /)
})
