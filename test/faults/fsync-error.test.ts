// An fsync error (injected through file-io.ts fileFaults.fsync, checked before each fdatasync): the appends it
// covered are not acknowledged, the partition answers KAFKA_STORAGE_ERROR from then on, with acks=-1 and acks=1,
// even once fsync works again, until a restart; other partitions carry on; the high watermark never covers
// what was not synced; a restart recovers the partition and produce works again.
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { fetchRecords } from '../helpers/fetch-records.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { errnoError, fileFaults } from '../../src/storage/file-io.js'
import { fetchPartition, produceBody } from '../helpers/wire.js'
import { buildRecordBatch } from '../../src/protocol/records/builder.js'

t.test('an fsync error takes the partition offline for appends until restart; nothing after it is acknowledged', async t => {
  const b = await withBroker(t, { fsync: 'always' })
  await b.current.broker.core.topics.create('t', 2, {})
  await b.current.broker.core.topics.create('u', 1, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => { fileFaults.fsync = null; c.close() })
  // a generous request timeout: on a loaded machine the first fdatasync (worker start included) can be slow
  const send = async (topic: string, partition: number, value: string, acks = -1): Promise<any> =>
    (await c.request(0, 9, { ...produceBody(topic, partition, buildRecordBatch([{ key: 'k', value }]), acks), timeoutMs: 60_000 })).responses[0].partitionResponses[0]
  const ok = await send('t', 0, 'acknowledged')
  t.same([ok.errorCode, ok.baseOffset], [0, 0n], 'before the fault: acknowledged')
  let failures = 0
  fileFaults.fsync = () => { failures++; fileFaults.fsync = null; return errnoError('EIO', 'input/output error (injected)') }
  const failed = await send('t', 0, 'not synced')
  t.equal(failed.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, 'the append whose fsync failed: KAFKA_STORAGE_ERROR')
  t.equal(failures, 1, 'one fsync failed; fsync works again from here on')
  t.match(failed.errorMessage, /EIO/)
  for (const acks of [-1, 1]) {
    const r = await send('t', 0, `after, acks=${acks}`, acks)
    t.equal(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, `acks=${acks} after the failure: still KAFKA_STORAGE_ERROR`)
    t.match(r.errorMessage, /offline after a storage error/)
  }
  const f = await fetchPartition(c, 't', 0, 0)
  t.equal(f.highWatermark, 1n, 'the high watermark stays at the last durable offset')
  t.same((await fetchRecords(b.port, 't', 0, 0)).records.map(r => r.valueString), ['acknowledged'], 'consumers see only the acknowledged record')
  t.equal((await send('t', 1, 'other partition')).errorCode, 0, 'another partition of the topic carries on')
  t.equal((await send('u', 0, 'other topic')).errorCode, 0, 'another topic carries on')
  c.close()
  await b.restart()
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  const records = (await fetchRecords(b.port, 't', 0, 0)).records.map(r => r.valueString)
  t.equal(records[0], 'acknowledged', 'after the restart the acknowledged record is there')
  t.ok(records.length <= 2, 'and at most the written-but-unsynced one after it (never acknowledged)')
  const again = (await c2.request(0, 9, { ...produceBody('t', 0, buildRecordBatch([{ key: 'd', value: 'after restart' }]), -1), timeoutMs: 60_000 })).responses[0].partitionResponses[0]
  t.same([again.errorCode, again.baseOffset], [0, BigInt(records.length)], 'produce works again after the restart')
})
