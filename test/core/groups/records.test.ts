// __consumer_offsets records byte for byte as Kafka writes them, group -> partition as Kafka maps it, and
// the coordinator's clock and timers.
import t from 'tap'
import { groupMetadataRecord, offsetCommitRecord, parseRecord } from '../../../src/core/groups/records.js'
import { javaStringHashCode, partitionForGroup } from '../../../src/core/groups/offsets-log.js'
import { KeyedTimers, ManualClock } from '../../../src/core/groups/clock.js'
import { selectProtocol } from '../../../src/core/groups/protocol.js'
import { GroupMember } from '../../../src/core/groups/member.js'
import { canTransition, parseGroupState } from '../../../src/core/groups/states.js'

t.test('OffsetCommitKey v1 + OffsetCommitValue v3, as Kafka 3.x writes them', async t => {
  const r = offsetCommitRecord('g', 't', 2, { offset: 7n, leaderEpoch: 5, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n })
  t.same(r.key, Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 2]), 'int16 version 1, group, topic, int32 partition')
  t.same(r.value, Buffer.from([
    0, 3, // value version 3
    0, 0, 0, 0, 0, 0, 0, 7, // offset
    0, 0, 0, 5, // leader epoch
    0, 1, 0x6d, // metadata
    0, 0, 0, 0, 0, 0, 0x03, 0xe8 // commit timestamp
  ]))
  const withExpiry = offsetCommitRecord('g', 't', 2, { offset: 7n, leaderEpoch: 5, metadata: '', commitTimestamp: 1000n, expireTimestamp: 2000n })
  t.equal(withExpiry.value?.readInt16BE(0), 1, 'an explicit expire timestamp needs value version 1')
  t.match(parseRecord(withExpiry.key, withExpiry.value), { type: 'offset', value: { offset: 7n, expireTimestamp: 2000n, leaderEpoch: -1 } })
  t.match(parseRecord(r.key, null), { type: 'offset', group: 'g', topic: 't', partition: 2, value: null }, 'tombstone')
})

t.test('GroupMetadataKey v2 + GroupMetadataValue v3 round-trip', async t => {
  const r = groupMetadataRecord('grp', {
    protocolType: 'consumer',
    generation: 4,
    protocol: 'range',
    leader: 'm1',
    currentStateTimestamp: 123n,
    members: [{ memberId: 'm1', groupInstanceId: 'i', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeout: 300, sessionTimeout: 100, subscription: Buffer.from('s'), assignment: Buffer.from('a') }]
  })
  t.same(r.key, Buffer.from([0, 2, 0, 3, 0x67, 0x72, 0x70]))
  t.equal(r.value?.readInt16BE(0), 3)
  t.match(parseRecord(r.key, r.value), { type: 'group', group: 'grp', value: { generation: 4, protocol: 'range', leader: 'm1', currentStateTimestamp: 123n, members: [{ memberId: 'm1', groupInstanceId: 'i', sessionTimeout: 100 }] } })
  t.match(parseRecord(groupMetadataRecord('grp', null).key, null), { type: 'group', value: null })
})

t.test('records that are not ours, or not decodable, are reported, never thrown', async t => {
  t.match(parseRecord(Buffer.from([0, 5, 1, 2, 3]), null), { type: 'other', keyVersion: 5 })
  t.match(parseRecord(Buffer.from([0, 1, 0, 9]), null), { type: 'invalid' })
  t.match(parseRecord(null, null), { type: 'invalid' })
  const good = offsetCommitRecord('g', 't', 0, { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 0n, expireTimestamp: -1n })
  t.match(parseRecord(good.key, Buffer.from([0, 3, 1])), { type: 'invalid' })
})

t.test('group -> __consumer_offsets partition is Kafka\'s abs(String.hashCode) % partitions', async t => {
  t.equal(javaStringHashCode('hello'), 99162322)
  t.equal(javaStringHashCode(''), 0)
  t.equal(javaStringHashCode('my-group'), -1906497762)
  t.equal(partitionForGroup('my-group', 50), 12, 'negative hash: absolute value, not a bit mask')
  t.equal(partitionForGroup('test-group', 50), 12)
  t.equal(javaStringHashCode('polygenelubricants'), -2147483648)
  t.equal(partitionForGroup('polygenelubricants', 50), 0, 'Integer.MIN_VALUE maps to 0 (Kafka\'s Utils.abs)')
})

t.test('ManualClock fires timers in deadline order, including ones scheduled while advancing', async t => {
  const clock = new ManualClock(0)
  const fired: string[] = []
  clock.schedule(20, () => fired.push('b'))
  clock.schedule(10, () => { fired.push('a'); clock.schedule(5, () => fired.push('a+5')) })
  const c = clock.schedule(12, () => fired.push('cancelled'))
  c.cancel()
  clock.advance(14)
  t.same(fired, ['a'])
  clock.advance(10)
  t.same(fired, ['a', 'a+5', 'b'])
  t.equal(clock.now(), 24)
  const timers = new KeyedTimers(clock)
  timers.schedule('k', 5, () => fired.push('old'))
  timers.schedule('k', 7, () => fired.push('new'))
  t.equal(timers.size, 1, 'one timer per key')
  clock.advance(10)
  t.same(fired.slice(3), ['new'], 'rescheduling a key replaces its timer')
  t.equal(timers.size, 0)
  timers.schedule('x', 1, () => fired.push('x'))
  timers.cancel('x')
  clock.advance(5)
  t.equal(fired.length, 4)
})

t.test('state transitions and names', async t => {
  t.ok(canTransition('Empty', 'PreparingRebalance'))
  t.ok(canTransition('Stable', 'PreparingRebalance'))
  t.notOk(canTransition('Empty', 'Stable'))
  t.notOk(canTransition('Dead', 'Empty'), 'nothing leaves Dead')
  t.equal(parseGroupState('completingrebalance'), 'CompletingRebalance')
  t.equal(parseGroupState('nope'), undefined)
})

t.test('protocol vote', async t => {
  const member = (id: string, ...names: string[]) => new GroupMember({
    memberId: id, groupInstanceId: null, clientId: 'c', clientHost: 'h', rebalanceTimeoutMs: 1, sessionTimeoutMs: 1, protocolType: 'consumer',
    protocols: names.map(name => ({ name, metadata: Buffer.alloc(0) }))
  })
  t.equal(selectProtocol([member('a', 'x', 'y'), member('b', 'y', 'x'), member('c', 'y')]), 'y')
  t.equal(selectProtocol([member('a', 'x', 'y'), member('b', 'y', 'x'), member('c', 'x', 'y')]), 'x')
  t.equal(selectProtocol([]), null)
})
