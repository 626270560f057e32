// The partitioner matches Kafka's: murmur2 against the values in Kafka's own UtilsTest and against kafkajs's
// Java-compatible implementation for random keys; keyless records stick to one partition per batch.
import t from 'tap'
import { createRequire } from 'node:module'
import { murmur2, partitionForKey, StickyPartitioner } from '../../src/client/partitioner.js'

const require = createRequire(import.meta.url)
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number

t.test('murmur2 gives Kafka\'s values', async t => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  const cases: Array<[string | number[], number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    [[0x61, 0x62, 0x63], 479470107]
  ]
  for (const [input, want] of cases) {
    t.equal(murmur2(typeof input === 'string' ? Buffer.from(input) : Buffer.from(input)), want, JSON.stringify(input))
  }
  const mismatches: string[] = []
  for (let i = 0; i < 500; i++) {
    const key = Buffer.from(Array.from({ length: i % 37 }, (_, j) => (i * 31 + j * 7) & 0xff))
    if (murmur2(key) !== kafkajsMurmur2(key)) mismatches.push(key.toString('hex'))
  }
  t.same(mismatches, [], '500 keys of 0-36 bytes hash as kafkajs\'s Java-compatible murmur2 does')
  t.equal(partitionForKey(Buffer.from('foobar'), 7), (-790332482 & 0x7fffffff) % 7, 'toPositive then modulo')
})

t.test('sticky: one partition per batch, rotating', async t => {
  const s = new StickyPartitioner(5)
  t.same([s.nextBatch(3), s.nextBatch(3), s.nextBatch(3), s.nextBatch(3)], [2, 0, 1, 2])
})
