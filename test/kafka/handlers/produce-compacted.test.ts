// Produce to a compacted topic: a batch holding a record with a null key is refused with INVALID_RECORD (as
// Kafka), naming the topic-partition and the record, compressed or not; nothing of it is stored. Keyed
// batches, and keyless ones on delete-policy topics, are accepted.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { CompressionCodec } from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch } from '../../../src/protocol/records/builder.js'
import { fetchPartition, produceBody } from '../../helpers/wire.js'

t.test('keyless records are refused on compacted topics only', async t => {
  const b = await withBroker(t)
  await b.current.broker.core.topics.create('compacted', 1, { 'cleanup.policy': 'compact' })
  await b.current.broker.core.topics.create('both', 1, { 'cleanup.policy': 'compact,delete' })
  await b.current.broker.core.topics.create('plain', 1, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const keyless = buildRecordBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'c', value: '3' }])
  for (const version of [3, 8, 9, 11]) {
    const r = (await c.request(0, version, produceBody('compacted', 0, Buffer.from(keyless)))).responses[0].partitionResponses[0]
    t.equal(r.errorCode, ErrorCode.INVALID_RECORD, `v${version}: INVALID_RECORD`)
    if (version >= 8) {
      t.match(r.errorMessage, /Compacted topic cannot accept message without key in topic partition compacted-0.*record 1/, 'the message names the partition and the record')
      t.same(r.recordErrors.map((e: any) => e.batchIndex), [1], 'recordErrors point at record 1')
    }
  }
  for (const codec of [CompressionCodec.Gzip, CompressionCodec.Zstd]) {
    const r = (await c.request(0, 9, produceBody('both', 0, buildRecordBatch([{ key: 'k', value: 'v' }, { value: 'no key' }], { compression: codec })))).responses[0].partitionResponses[0]
    t.equal(r.errorCode, ErrorCode.INVALID_RECORD, `compressed (${CompressionCodec[codec]}) keyless records are found too, on compact,delete`)
  }
  t.equal((await fetchPartition(c, 'compacted', 0, 0)).highWatermark, 0n, 'nothing stored')
  let r = (await c.request(0, 9, produceBody('compacted', 0, buildRecordBatch([{ key: 'a', value: '1' }, { key: '', value: 'empty key is a key' }])))).responses[0].partitionResponses[0]
  t.same([r.errorCode, r.baseOffset], [ErrorCode.NONE, 0n], 'keyed records (an empty key counts) are accepted')
  r = (await c.request(0, 9, produceBody('plain', 0, Buffer.from(keyless)))).responses[0].partitionResponses[0]
  t.equal(r.errorCode, ErrorCode.NONE, 'keyless records are fine on a delete-policy topic')
})
