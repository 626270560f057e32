// __consumer_offsets (created compacted by the group coordinator) is cleaned by the same cleaner: the last
// OffsetCommitKey value per group-topic-partition survives, a deleted group's tombstones go after
// delete.retention.ms, and the coordinator rebuilds the same committed offsets from the compacted log.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { parseRecord } from '../../../src/core/groups/records.js'
import { iterateRecords } from '../../../src/protocol/records/record.js'
import { lastOffset } from '../../../src/protocol/records/batch-header.js'
import type { PartitionLog } from '../../../src/storage/log.js'

const CONFIG = { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 }

function commitBody (group: string, offsets: Array<[number, bigint]>): any {
  return {
    groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: 'data', partitions: offsets.map(([p, o]) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })) }]
  }
}

async function fetchOffsets (c: RawClient, group: string): Promise<bigint[]> {
  const f = await c.request(9, 1, { groupId: group, topics: [{ name: 'data', partitionIndexes: [0, 1, 2, 3] }], groups: [], requireStable: false })
  return f.topics[0].partitions.map((p: any) => p.committedOffset)
}

interface Row { offset: number; desc: string; tombstone: boolean }

async function rows (log: PartitionLog): Promise<Row[]> {
  const out: Row[] = []
  let next = log.logStartOffset
  while (next < log.highWatermark) {
    const r = await log.read(next, 1 << 22, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) {
      for (const rec of iterateRecords(b)) {
        const p = parseRecord(rec.key, rec.value)
        const desc = p.type === 'offset' ? `offset ${p.group} ${p.topic}-${p.partition}` : p.type === 'group' ? `group ${p.group}` : p.type
        out.push({ offset: rec.offset, desc, tombstone: rec.value === null })
      }
    }
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return out
}

t.test('__consumer_offsets is compacted: last commit per key, deleted groups vanish, the coordinator reloads it', async t => {
  const b = await withBroker(t, { config: CONFIG })
  const broker = b.current.broker
  await broker.core.topics.create('data', 4, {})
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  let failedCommits = 0
  const commit = async (group: string, round: number): Promise<void> => {
    const r = await c.request(8, 2, commitBody(group, [0, 1, 2, 3].map(p => [p, BigInt(round * 10 + p)])))
    if (!r.topics[0].partitions.every((p: any) => p.errorCode === 0)) failedCommits++
  }
  await commit('g1', 0)
  const offsetsTopic = broker.core.topics.get('__consumer_offsets')!
  t.equal(offsetsTopic.configs['cleanup.policy'], 'compact', 'the coordinator created it compacted')
  await broker.core.topics.updateConfigs('__consumer_offsets', { ...offsetsTopic.configs, 'segment.bytes': '4096', 'min.cleanable.dirty.ratio': '0.1', 'delete.retention.ms': '0' })
  for (let round = 1; round <= 60; round++) {
    await commit('g1', round)
    await commit('g2', round)
  }
  t.same((await c.request(42, 2, { groupsNames: ['g2'] })).results.map((r: any) => r.errorCode), [0], 'g2 deleted: tombstones written')
  for (let round = 61; round <= 90; round++) await commit('g1', round) // pushes g2's tombstones out of the active segment
  t.equal(failedCommits, 0, '181 rounds of commits accepted')
  const log = broker.core.topics.log('__consumer_offsets', 0)!
  const before = await rows(log)
  t.ok(log.segmentList().length > 5, `${log.segmentList().length} segments, ${before.length} records`)

  const cleaner = broker.core.topics.logs.cleaner!
  const first = await cleaner.cleanLog(log)
  t.ok(first !== null && !first.aborted, 'cleaned')
  const activeBase = log.activeSegment.baseOffset
  let after = (await rows(log)).filter(r => r.offset < activeBase)
  t.equal(new Set(after.map(r => r.desc)).size, after.length, 'one record per key (group-topic-partition or group) below the active segment')
  t.ok(after.filter(r => r.desc.includes('g2')).every(r => r.tombstone), 'what is left of g2 are tombstones')
  t.same(await fetchOffsets(c, 'g1'), [900n, 901n, 902n, 903n], 'g1\'s last commits')
  t.same(await fetchOffsets(c, 'g2'), [-1n, -1n, -1n, -1n], 'g2 is gone')

  // delete.retention.ms is 0: the next cleaning drops the tombstones
  await cleaner.cleanLog(log, Date.now() + 1)
  after = (await rows(log)).filter(r => r.offset < log.activeSegment.baseOffset)
  t.same(after.filter(r => r.desc.includes('g2')), [], 'after delete.retention.ms the tombstones of g2 are gone too')
  t.ok(after.length < before.length / 10, `${before.length} records compacted to ${after.length} (+ the active segment)`)

  c.close()
  await b.restart({ config: CONFIG })
  const c2 = await RawClient.connect(b.port)
  t.teardown(() => c2.close())
  let fetched: bigint[] = []
  for (let i = 0; i < 100; i++) {
    fetched = await fetchOffsets(c2, 'g1').catch(() => [])
    if (fetched[0] === 900n) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.same(fetched, [900n, 901n, 902n, 903n], 'after a restart the coordinator reloads the same offsets from the compacted log')
  t.same(await fetchOffsets(c2, 'g2'), [-1n, -1n, -1n, -1n])
})
