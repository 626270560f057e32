// ACLs over the wire: CreateAcls (30), DescribeAcls (29), DeleteAcls (31), DescribeCluster (60), and the checks
// in every handler family. Principals reachable on PLAINTEXT: User:ANONYMOUS, told apart by host — the admin
// connects from 127.0.0.1 (ALLOW ALL from that host), the intruder from 127.0.0.2 (no ALLOW: denied). Each
// refusal answers Kafka's code and writes nothing (checked afterwards through the admin).
import t from 'tap'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { fetchPartition, listOffsetsBody, metadataBody, produce, ZERO_UUID } from '../../helpers/wire.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { AclOperation as Op, AclPermission, PatternType, ResourceType } from '../../../src/core/security/acl/model.js'

const ADMIN_HOST = '127.0.0.1'
const INTRUDER_HOST = '127.0.0.2'

function creation (resourceType: number, resourceName: string, over: Record<string, unknown> = {}): any {
  return { resourceType, resourceName, resourcePatternType: PatternType.LITERAL, principal: 'User:ANONYMOUS', host: ADMIN_HOST, operation: Op.ALL, permissionType: AclPermission.ALLOW, ...over }
}

const ADMIN_ACLS = [
  creation(ResourceType.CLUSTER, 'kafka-cluster'),
  creation(ResourceType.TOPIC, '*'),
  creation(ResourceType.GROUP, '*'),
  creation(ResourceType.TRANSACTIONAL_ID, '*')
]

const MATCH_ALL = { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY }

async function secured (t: any): Promise<{ b: TestBroker, admin: RawClient }> {
  // allow.everyone.if.no.acl.found lets the first CreateAcls through; once the admin ACLs exist it no longer applies
  const b = await withBroker(t, { config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': 'true' } })
  const admin = await RawClient.connect(b.port, '127.0.0.1', { localAddress: ADMIN_HOST })
  t.teardown(() => admin.close())
  const r = await admin.request(30, 3, { creations: ADMIN_ACLS })
  t.same(r.results.map((x: any) => x.errorCode), [0, 0, 0, 0], 'admin ACLs created')
  return { b, admin }
}

async function intruder (t: any, b: TestBroker): Promise<RawClient> {
  const c = await RawClient.connect(b.port, '127.0.0.1', { localAddress: INTRUDER_HOST })
  t.teardown(() => c.close())
  return c
}

async function endOffset (c: RawClient, topic: string): Promise<number> {
  const r = await c.request(2, 1, listOffsetsBody(topic, 0, -1))
  return Number(r.topics[0].partitions[0].offset)
}

t.test('without an authorizer the ACL APIs answer SECURITY_DISABLED', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  t.equal((await c.request(29, 1, MATCH_ALL)).errorCode, ErrorCode.SECURITY_DISABLED)
  t.equal((await c.request(30, 1, { creations: [creation(ResourceType.TOPIC, 'x')] })).results[0].errorCode, ErrorCode.SECURITY_DISABLED)
  t.equal((await c.request(31, 1, { filters: [MATCH_ALL] })).filterResults[0].errorCode, ErrorCode.SECURITY_DISABLED)
})

t.test('an unknown authorizer.class.name stops the broker from starting, naming the value', async t => {
  await t.rejects(withBroker(t, { config: { 'authorizer.class.name': 'com.example.Nope' } }), /com\.example\.Nope/)
})

t.test('CreateAcls validates, DescribeAcls filters and groups, DeleteAcls returns the matched bindings, ACLs survive a restart', async t => {
  const { b, admin } = await secured(t)
  const bad = await admin.request(30, 3, { creations: [creation(ResourceType.TOPIC, 'x', { resourcePatternType: PatternType.MATCH }), creation(ResourceType.TOPIC, 'x', { principal: 'nobody' }), creation(ResourceType.CLUSTER, 'other')] })
  t.same(bad.results.map((x: any) => x.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST])
  t.match(bad.results[1].errorMessage, /principal/)
  await admin.request(30, 3, { creations: [creation(ResourceType.TOPIC, 'ord', { resourcePatternType: PatternType.PREFIXED, principal: 'User:bob', host: '*', operation: Op.READ })] })

  const all = await admin.request(29, 3, MATCH_ALL)
  t.equal(all.errorCode, 0)
  t.equal(all.resources.length, 5, 'five resource patterns')
  const match = await admin.request(29, 3, { ...MATCH_ALL, resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: 'orders', patternTypeFilter: PatternType.MATCH })
  t.same(match.resources.map((r: any) => [r.resourceName, r.patternType]).sort(), [['*', PatternType.LITERAL], ['ord', PatternType.PREFIXED]])
  t.equal((await admin.request(29, 3, { ...MATCH_ALL, operation: 0 })).errorCode, ErrorCode.INVALID_REQUEST, 'an UNKNOWN operation filter')

  await b.restart()
  const again = await RawClient.connect(b.port, '127.0.0.1', { localAddress: ADMIN_HOST })
  t.teardown(() => again.close())
  t.equal((await again.request(29, 1, MATCH_ALL)).resources.length, 5, 'every ACL is back after a restart')
  const del = await again.request(31, 3, { filters: [{ ...MATCH_ALL, principalFilter: 'User:bob' }, { ...MATCH_ALL, patternTypeFilter: 0 }] })
  t.equal(del.filterResults[0].errorCode, 0)
  t.match(del.filterResults[0].matchingAcls, [{ resourceName: 'ord', patternType: PatternType.PREFIXED, principal: 'User:bob', host: '*', operation: Op.READ, permissionType: AclPermission.ALLOW }])
  t.equal(del.filterResults[0].matchingAcls.length, 1)
  t.equal(del.filterResults[1].errorCode, ErrorCode.INVALID_REQUEST)
  t.equal((await again.request(29, 0, MATCH_ALL)).resources.length, 4)
})

t.test('a denied principal is refused by every handler family with Kafka\'s code, and nothing is written', async t => {
  const { b, admin } = await secured(t)
  t.equal((await admin.request(19, 5, { topics: [{ name: 'orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })).topics[0].errorCode, 0)
  for (let i = 0; i < 3; i++) t.equal((await produce(admin, 'orders', 0, [{ value: `v${i}` }])).errorCode, 0)
  const commit = (groupId: string): any => ({ groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }] })
  t.equal((await admin.request(8, 2, commit('g'))).topics[0].partitions[0].errorCode, 0, 'the admin commits (creates __consumer_offsets)')

  const c = await intruder(t, b)
  t.equal((await produce(c, 'orders', 0, [{ value: 'evil' }])).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'produce')
  t.equal((await fetchPartition(c, 'orders', 0, 0)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'fetch')
  t.equal((await c.request(2, 1, listOffsetsBody('orders', 0, -1))).topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'list offsets')
  t.equal((await c.request(8, 2, commit('g'))).topics[0].partitions[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'offset commit')
  const del = await c.request(20, 1, { topicNames: ['orders', '__consumer_offsets'], topics: [], timeoutMs: 5000 })
  t.same(del.responses.map((r: any) => r.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED], 'delete topic, delete __consumer_offsets')
  t.equal((await c.request(22, 1, { transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'init a transactional id')
  t.equal((await c.request(22, 1, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'an idempotent producer id')
  t.equal((await c.request(19, 5, { topics: [{ name: 'sneaky', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })).topics[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'create topic')
  t.equal((await c.request(33, 1, { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1' }] }], validateOnly: false })).responses[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'alter topic configs')
  t.equal((await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '0', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1' }] }], validateOnly: false })).responses[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'alter broker configs')
  t.equal((await c.request(21, 1, { topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5000 })).topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'delete records')
  t.equal((await c.request(37, 1, { topics: [{ name: 'orders', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false })).results[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'create partitions')
  t.equal((await c.request(42, 1, { groupsNames: ['g'] })).results[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'delete groups')
  t.equal((await c.request(29, 1, MATCH_ALL)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'describe ACLs')
  t.equal((await c.request(30, 1, { creations: [creation(ResourceType.TOPIC, '*', { host: INTRUDER_HOST })] })).results[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'grant itself an ACL')
  t.equal((await c.request(31, 1, { filters: [MATCH_ALL] })).filterResults[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'delete the ACLs')

  // nothing was written
  t.equal(await endOffset(admin, 'orders'), 3, 'log end offset unchanged')
  const md = await admin.request(3, 1, metadataBody(null))
  t.same(md.topics.map((x: any) => x.name).filter((n: string) => !n.startsWith('__')).sort(), ['orders'], 'no topic created or deleted')
  t.ok(md.topics.some((x: any) => x.name === '__consumer_offsets'), '__consumer_offsets still there')
  t.equal(md.topics.find((x: any) => x.name === 'orders').partitions.length, 1, 'no partitions added')
  const lso = await admin.request(2, 1, listOffsetsBody('orders', 0, -2))
  t.equal(Number(lso.topics[0].partitions[0].offset), 0, 'no records deleted')
  const fetched = await admin.request(9, 1, { groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0] }] })
  t.equal(Number(fetched.topics[0].partitions[0].committedOffset), 1, 'the group and its offset are still there')
  t.equal((await admin.request(29, 1, MATCH_ALL)).resources.length, 4, 'the ACLs are unchanged')
})

t.test('Metadata: all-topics leaves out what the client may not DESCRIBE; named: TOPIC_AUTHORIZATION_FAILED; auto-create needs CREATE', async t => {
  const { b, admin } = await secured(t)
  t.same((await admin.request(3, 4, metadataBody(['visible', 'hidden']))).topics.map((x: any) => x.errorCode), [0, 0], 'the admin auto-creates')
  await admin.request(30, 3, { creations: [creation(ResourceType.TOPIC, 'visible', { host: INTRUDER_HOST, operation: Op.READ })] })
  const c = await intruder(t, b)
  const all = await c.request(3, 1, metadataBody(null))
  t.same(all.topics.map((x: any) => x.name), ['visible'])
  const named = await c.request(3, 4, metadataBody(['hidden', 'visible', 'brand-new']))
  t.same(named.topics.map((x: any) => [x.name, x.errorCode]), [['hidden', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['visible', 0], ['brand-new', ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
  const md = await admin.request(3, 1, metadataBody(null))
  t.notOk(md.topics.some((x: any) => x.name === 'brand-new'), 'not auto-created')
})

t.test('authorized operations: Metadata (topic and cluster), DescribeCluster; INT32_MIN when not asked', async t => {
  const { b, admin } = await secured(t)
  await admin.request(3, 4, metadataBody(['visible']))
  await admin.request(30, 3, { creations: [creation(ResourceType.TOPIC, 'visible', { host: INTRUDER_HOST, operation: Op.READ })] })
  const c = await intruder(t, b)
  const body = { ...metadataBody(['visible']), includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true }
  const mine = await c.request(3, 8, body)
  t.equal(mine.topics[0].topicAuthorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE), 'READ and the DESCRIBE it implies')
  t.equal(mine.clusterAuthorizedOperations, 0)
  const theirs = await admin.request(3, 8, body)
  t.equal(theirs.topics[0].topicAuthorizedOperations, [3, 4, 5, 6, 7, 8, 10, 11].reduce((a, op) => a | (1 << op), 0))
  t.equal((await admin.request(3, 8, metadataBody(['visible']))).topics[0].topicAuthorizedOperations, -2147483648)
  const dc = await admin.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })
  t.equal(dc.errorCode, 0)
  t.same(dc.brokers.map((x: any) => x.port), [b.port])
  t.equal(dc.clusterAuthorizedOperations, [5, 7, 8, 9, 10, 11, 12].reduce((a, op) => a | (1 << op), 0))
  t.equal((await c.request(60, 0, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations, 0)
  t.equal((await c.request(60, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 })).clusterAuthorizedOperations, -2147483648)
})

t.test('groups, transactions, configs and reassignments refuse a denied principal with Kafka\'s codes', async t => {
  const { b, admin } = await secured(t)
  await admin.request(3, 4, metadataBody(['orders']))
  const c = await intruder(t, b)
  t.equal((await c.request(10, 1, { key: 'g', keyType: 0, coordinatorKeys: [] })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'find group coordinator')
  t.equal((await c.request(10, 4, { key: '', keyType: 1, coordinatorKeys: ['tx'] })).coordinators[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'find transaction coordinator')
  const join = await c.request(11, 5, { groupId: 'g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null })
  t.equal(join.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'join group')
  t.equal((await c.request(12, 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'heartbeat')
  t.equal((await c.request(14, 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'sync group')
  t.equal((await c.request(13, 3, { groupId: 'g', memberId: '', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'leave group')
  t.equal((await c.request(9, 3, { groupId: 'g', topics: null, groups: [], requireStable: false })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'offset fetch')
  t.equal((await c.request(15, 3, { groups: ['g'], includeAuthorizedOperations: true })).groups[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'describe groups')
  t.equal((await c.request(47, 0, { groupId: 'g', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'offset delete')
  const addParts = await c.request(24, 1, { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'orders', partitions: [0] }], transactions: [] })
  t.equal(addParts.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'add partitions to txn')
  t.equal((await c.request(25, 1, { transactionalId: 'tx', producerId: 1n, producerEpoch: 0, groupId: 'g' })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'add offsets to txn')
  t.equal((await c.request(26, 1, { transactionalId: 'tx', producerId: 1n, producerEpoch: 0, committed: true })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'end txn')
  const txnCommit = await c.request(28, 1, { transactionalId: 'tx', groupId: 'g', producerId: 1n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }] })
  t.equal(txnCommit.topics[0].partitions[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'txn offset commit')
  const markers = await c.request(27, 0, { markers: [{ producerId: 1n, producerEpoch: 0, transactionResult: true, topics: [{ name: 'orders', partitionIndexes: [0] }], coordinatorEpoch: 0 }] })
  t.equal(markers.markers[0].topics[0].partitions[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'write txn markers')
  const dc = await c.request(32, 1, { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }, { resourceType: 4, resourceName: '', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })
  t.same(dc.results.map((r: any) => r.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED], 'describe configs')
  t.equal((await c.request(46, 0, { timeoutMs: 1000, topics: null })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'list reassignments')
  t.equal((await c.request(45, 0, { timeoutMs: 1000, topics: [] })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'alter reassignments')
  t.equal((await c.request(61, 0, { topics: [{ name: 'orders', partitionIndexes: [0] }] })).topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'describe producers')
  t.equal((await c.request(65, 0, { transactionalIds: ['tx'] })).transactionStates[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'describe transactions')
  t.same((await c.request(16, 2, { statesFilter: [], typesFilter: [] })).groups, [], 'list groups shows nothing')
  t.equal((await admin.request(9, 3, { groupId: 'g', topics: null, groups: [], requireStable: false })).errorCode, 0, 'the admin may fetch offsets')
})

t.test('OffsetFetch hides topics the client may not DESCRIBE; DescribeGroups fills in authorized operations', async t => {
  const { b, admin } = await secured(t)
  await admin.request(3, 4, metadataBody(['open', 'secret']))
  const commit = { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: ['open', 'secret'].map(name => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] })) }
  t.same((await admin.request(8, 2, commit)).topics.map((x: any) => x.partitions[0].errorCode), [0, 0])
  await admin.request(30, 3, { creations: [creation(ResourceType.GROUP, 'g', { host: INTRUDER_HOST, operation: Op.READ }), creation(ResourceType.TOPIC, 'open', { host: INTRUDER_HOST, operation: Op.READ })] })
  const c = await intruder(t, b)
  const all = await c.request(9, 3, { groupId: 'g', topics: null, groups: [], requireStable: false })
  t.same(all.topics.map((x: any) => x.name), ['open'], 'an all-topics fetch leaves out "secret"')
  const named = await c.request(9, 3, { groupId: 'g', topics: [{ name: 'open', partitionIndexes: [0] }, { name: 'secret', partitionIndexes: [0] }], groups: [], requireStable: false })
  t.same(named.topics.map((x: any) => [x.name, x.partitions[0].errorCode]), [['open', 0], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
  const dg = await c.request(15, 3, { groups: ['g'], includeAuthorizedOperations: true })
  t.equal(dg.groups[0].errorCode, 0)
  t.equal(dg.groups[0].authorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE), 'READ and the DESCRIBE it implies')
  t.equal((await admin.request(15, 3, { groups: ['g'], includeAuthorizedOperations: true })).groups[0].authorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE) | (1 << Op.DELETE))
  t.equal((await admin.request(15, 3, { groups: ['g'], includeAuthorizedOperations: false })).groups[0].authorizedOperations, -2147483648)
  t.same((await c.request(16, 2, { statesFilter: [], typesFilter: [] })).groups.map((g: any) => g.groupId), ['g'], 'ListGroups shows the group it may describe')
})
