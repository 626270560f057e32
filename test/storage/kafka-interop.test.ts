// Files written by Apache Kafka 3.9.0's own LogSegment (fixtures/kafka-3.9.0/kt-0, made by WriteSeg.java.txt:
// 100 batches of 7 records, codecs none/gzip/snappy(xerial)/lz4/zstd in turn, index.interval.bytes 512).
// Samsa must read them and rebuild byte-identical indexes.
import t from 'tap'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../../src/logger.js'
import { CompressionCodec, compressionCodec } from '../../src/protocol/records/batch-header.js'
import { iterateRecords } from '../../src/protocol/records/record.js'
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../src/storage/log.js'
import { Flusher } from '../../src/storage/workers/flusher.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/kafka-3.9.0/kt-0', import.meta.url))
const SEG = '00000000000000000000'

async function openCopy (t: { teardown: (fn: () => void) => void }, cleanShutdown: boolean): Promise<PartitionLog> {
  const root = mkdtempSync(join(tmpdir(), 'samsa-kafka-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const dir = join(root, 'kt-0')
  cpSync(FIXTURE, dir, { recursive: true })
  return await PartitionLog.open({ dir, topic: 'kt', partition: 0, config: { ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 512, fsync: 'never' }, flusher: new Flusher({ mode: 'never', logger: silentLogger }), logger: silentLogger, cleanShutdown })
}

for (const clean of [true, false]) {
  t.test(`a Kafka-written segment reads record for record (${clean ? 'trusting its indexes' : 'recovered'})`, async t => {
    const log = await openCopy(t, clean)
    t.equal(log.logEndOffset, 700)
    t.equal(log.recoveredBytes, 0, 'nothing to truncate')
    const r = await log.read(0, 1 << 22, { minOneBatch: true, maxOffset: log.highWatermark })
    t.equal(r.batches.length, 100)
    const codecs = new Set(r.batches.map(b => compressionCodec(b)))
    t.same([...codecs].sort(), [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd])
    let n = 0
    for (let i = 0; i < r.batches.length; i++) {
      let j = 0
      for (const rec of iterateRecords(r.batches[i]!)) {
        const expect = `value ${i} ${j} ${'x'.repeat(j * 20)}`
        if (rec.offset !== n || rec.key!.toString() !== `k${i}-${j}` || rec.value!.toString() !== expect ||
          rec.timestamp !== 1_700_000_000_000 + n || rec.headers[0]!.key !== `h${j}` || rec.headers[0]!.value!.toString() !== `hv${j}`) {
          t.fail(`record ${n} differs: ${JSON.stringify({ offset: rec.offset, key: rec.key?.toString(), value: rec.value?.toString() })}`)
          return
        }
        n++; j++
      }
    }
    t.equal(n, 700, 'all 700 records decode with their keys, values, headers and timestamps')
    t.same(await log.offsetForTimestamp(1_700_000_000_350), { offset: 350, timestamp: 1_700_000_000_350 })
    t.same((await log.read(353, 1, { minOneBatch: true, maxOffset: 700 })).batches.map(b => Number(b.readBigInt64BE(0))), [350])
    await log.close()
    t.ok(readFileSync(join(log.dir, `${SEG}.index`)).equals(readFileSync(join(FIXTURE, `${SEG}.index`))), '.index byte-identical to Kafka\'s')
    t.ok(readFileSync(join(log.dir, `${SEG}.timeindex`)).equals(readFileSync(join(FIXTURE, `${SEG}.timeindex`))), '.timeindex byte-identical to Kafka\'s')
  })
}
