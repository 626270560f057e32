// Produce v0-v2 with legacy message sets and Fetch v0-v3 with down-conversion, end to end.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { writeMessageSet, writeCompressedMessageSet, parseMessageSet } from '../../../src/protocol/records/legacy.js'
import { CompressionCodec } from '../../../src/protocol/records/batch-header.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { fetchRecords } from '../../helpers/fetch-records.js'
import { metadataBody, produceBody } from '../../helpers/wire.js'

t.test('legacy produce is stored as v2 batches; legacy fetch gets legacy messages', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  await c.request(3, 1, metadataBody(['old']))
  const mk = (i: number): any => ({ offset: 0, timestamp: 1_700_000_000_000 + i, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })
  const sets = [
    [0, writeMessageSet([mk(0), mk(1)], 0)],
    [1, writeMessageSet([mk(2)], 1)],
    [2, writeCompressedMessageSet([mk(3), mk(4)], CompressionCodec.Gzip)],
    [2, writeCompressedMessageSet([mk(5)], CompressionCodec.Snappy)]
  ] as const
  for (const [version, set] of sets) {
    const res = await c.request(0, version, produceBody('old', 0, set, 1))
    t.equal(res.responses[0].partitionResponses[0].errorCode, 0, `Produce v${version}`)
  }
  const bad = Buffer.from(writeMessageSet([mk(9)], 1))
  bad[bad.length - 1] ^= 1
  const badRes = await c.request(0, 2, produceBody('old', 0, bad, 1))
  t.equal(badRes.responses[0].partitionResponses[0].errorCode, ErrorCode.CORRUPT_MESSAGE, 'bad CRC32 in a legacy message')

  const stored = await fetchRecords(b.port, 'old', 0)
  t.same(stored.records.map(r => [r.offset, r.keyString, r.valueString]), [0, 1, 2, 3, 4, 5].map(i => [i, `k${i}`, `v${i}`]), 'stored in order as v2')
  t.equal(stored.records[0].timestamp, -1, 'magic 0 has no timestamp')
  t.equal(stored.records[2].timestamp, 1_700_000_000_002)

  for (const [version, magic] of [[0, 0], [1, 0], [2, 1], [3, 1]] as const) {
    const body = { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'old', topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' }
    const res = await c.request(1, version, body)
    const p = res.responses[0].partitions[0]
    t.equal(p.errorCode, 0)
    const msgs = parseMessageSet(p.records)
    t.ok(msgs.every(m => m.magic === magic), `Fetch v${version}: magic ${magic}`)
    t.same(msgs.map(m => m.offset), [0, 1, 2, 3, 4, 5], `Fetch v${version}: whole batches from the one holding offset 1`)
    t.equal(msgs[1].value?.toString(), 'v1')
  }
})
