// The minimal classic group member: the range assignor, two members splitting a topic's partitions, a
// rebalance when one leaves (the other then owns everything), commits as a generation member, and a commit
// from a stale generation refused (rebalanceNeeded set instead of an error).
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { Cluster, parseBrokers } from '../../src/client/cluster.js'
import { createTopic } from '../../src/client/admin.js'
import { GroupMember, rangeAssign } from '../../src/client/group-member.js'
import { committedOffsets, describeGroup } from '../../src/client/groups.js'

t.test('range assignment as Kafka\'s RangeAssignor', async t => {
  const plan = rangeAssign([{ memberId: 'b', topics: ['x', 'y'] }, { memberId: 'a', topics: ['x'] }, { memberId: 'c', topics: ['x'] }], new Map([['x', 7], ['y', 2]]))
  t.same(Object.fromEntries([...plan].map(([m, a]) => [m, Object.fromEntries(a)])), {
    a: { x: [0, 1, 2] },
    b: { x: [3, 4], y: [0, 1] },
    c: { x: [5, 6] }
  }, 'contiguous ranges in member-id order, the first ones one larger')
  t.same([...rangeAssign([{ memberId: 'a', topics: ['x'] }, { memberId: 'b', topics: ['x'] }], new Map([['x', 1]]))].map(([m, a]) => [m, [...a]]), [['a', [['x', [0]]]], ['b', []]])
})

t.test('two members split the partitions; after one leaves the other gets them all', async t => {
  const b = await withBroker(t)
  const cluster = new Cluster({ brokers: parseBrokers(b.brokers[0]!) })
  t.teardown(() => cluster.close())
  await createTopic(cluster, { name: 'shared', partitions: 4 })
  const other = new Cluster({ brokers: parseBrokers(b.brokers[0]!) })
  t.teardown(() => other.close())

  const m1 = new GroupMember(cluster, { groupId: 'pair', topic: 'shared', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 5000 })
  t.same(await m1.join(), [0, 1, 2, 3], 'alone, the first member owns everything')
  const m2 = new GroupMember(other, { groupId: 'pair', topic: 'shared', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 5000 })
  // m2's join starts a rebalance; m1 learns it from a heartbeat and rejoins, as the consume loop does.
  const joining = m2.join()
  for (let i = 0; i < 100 && !m1.rebalanceNeeded; i++) await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(m1.rebalanceNeeded, 'the heartbeat reported the rebalance')
  t.equal(await m1.commit(new Map([[0, 5]])), true, 'a commit of the current generation is accepted while the group prepares the rebalance (as Kafka does)')
  const [a1, a2] = await Promise.all([m1.join(), joining])
  t.same([...a1, ...a2].sort(), [0, 1, 2, 3], 'together they own every partition')
  t.equal(a1.length, 2)
  t.equal(a2.length, 2)
  const d = await describeGroup(cluster, 'pair')
  t.equal(d.state, 'Stable')
  t.equal(d.protocol, 'range')
  t.equal(d.members.length, 2)

  t.equal(await m1.commit(new Map(a1.map(p => [p, 1]))), true)
  const committed = await committedOffsets(cluster, 'pair', null)
  t.same(committed.filter(c => a1.includes(c.partition)).map(c => c.offset), [1, 1], 'committed as a member of the generation')

  await m2.leave()
  for (let i = 0; i < 100 && !m1.rebalanceNeeded; i++) await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(m1.rebalanceNeeded, 'the leave triggers a rebalance')
  t.same(await m1.join(), [0, 1, 2, 3], 'the remaining member takes every partition')
  m1.generationId -= 1
  t.equal(await m1.commit(new Map([[0, 9]])), false, 'a stale generation\'s commit is refused...')
  t.ok(m1.rebalanceNeeded, '...and asks for a rejoin instead of failing the command')
  await m1.leave()
  t.equal((await describeGroup(cluster, 'pair')).state, 'Empty')
})
