// kafkajs 2.2.4 admin ACL calls (createAcls, describeAcls, deleteAcls) against Samsa with an authorizer, and the
// effect of each ACL on a kafkajs producer (principal User:ANONYMOUS on PLAINTEXT).
import t from 'tap'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs as any

t.test('kafkajs admin creates, describes and deletes ACLs; a DENY WRITE stops its producer until deleted', async t => {
  const b = await withBroker(t, { config: { 'authorizer.class.name': 'samsa', 'allow.everyone.if.no.acl.found': 'true' } })
  const kafka = new Kafka({ brokers: b.brokers, clientId: 'acl-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'locked' }] })

  const base = { resourceType: AclResourceTypes.TOPIC, resourceName: 'locked', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:ANONYMOUS', host: '*' }
  await admin.createAcls({
    acl: [
      { ...base, operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
      { ...base, operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }
    ]
  })
  const described = await admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'locked', resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY })
  t.equal(described.resources.length, 1)
  t.equal(described.resources[0].acls.length, 2)

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  t.teardown(() => producer.disconnect())
  await t.rejects(producer.send({ topic: 'locked', messages: [{ value: 'x' }] }), { type: 'TOPIC_AUTHORIZATION_FAILED' } as any, 'DENY WRITE refuses the producer')

  const deleted = await admin.deleteAcls({ filters: [{ ...base, operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }] })
  t.equal(deleted.filterResponses[0].matchingAcls.length, 1, 'the DENY is returned as deleted')
  const sent = await producer.send({ topic: 'locked', messages: [{ value: 'y' }] })
  t.equal(sent[0].errorCode, 0, 'the producer writes once the DENY is gone')
})
