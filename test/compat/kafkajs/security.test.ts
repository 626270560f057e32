// TLS, SASL, ACLs and quotas together, as a user runs them: a broker with a loopback PLAINTEXT listener for the
// operator (User:ANONYMOUS is a super user there) and a SASL_SSL listener for applications. kafkajs over SASL_SSL:
// alice (SCRAM-SHA-512, her credential made with AlterUserScramCredentials) may write `orders` and read it in
// group `billing`; bob (PLAIN) has no ACL: his produce and topic deletion are refused, he sees no topic, and he
// writes nothing; a quota on alice's user never refuses her; credential, ACLs and quota survive a restart.
import t from 'tap'
import crypto from 'node:crypto'
import kafkajs from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { testCerts } from '../../helpers/tls-certs.js'

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs as any

const certs = testCerts(t)

function saltedPassword (password: string, salt: Buffer, iterations: number): Buffer {
  return crypto.pbkdf2Sync(password, salt, iterations, 64, 'sha512')
}

t.test('kafkajs over SASL_SSL: SCRAM and PLAIN principals, ACLs decide, quotas throttle, all durable', async t => {
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.files.server,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'sasl.plain.users': 'bob:bob-secret',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      'auto.create.topics.enable': 'false'
    }
  })
  const plain = (): number => b.current.listeners[0].port
  const secure = (): string => `localhost:${b.current.listeners[1].port}`
  const client = (sasl: object): any => new Kafka({ clientId: 'app', brokers: [secure()], ssl: certs.kafkajsSsl(), sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const alice = { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' }
  const bob = { mechanism: 'plain', username: 'bob', password: 'bob-secret' }

  // the operator, on loopback PLAINTEXT: alice's SCRAM credential, the topic, alice's ACLs
  const op = await RawClient.connect(plain())
  t.teardown(() => op.close())
  const salt = crypto.randomBytes(16)
  const scram = await op.request(51, 0, { deletions: [], upsertions: [{ name: 'alice', mechanism: 2, iterations: 8192, salt, saltedPassword: saltedPassword('alice-secret', salt, 8192) }] })
  t.same(scram.results.map((r: any) => r.errorCode), [0], 'alice\'s SCRAM-SHA-512 credential stored')
  const admin = new Kafka({ brokers: [`127.0.0.1:${plain()}`], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] })
  const acl = (resourceType: number, resourceName: string, operation: number): object => ({
    resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionTypes.ALLOW
  })
  await admin.createAcls({ acl: [acl(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE), acl(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ), acl(AclResourceTypes.GROUP, 'billing', AclOperationTypes.READ)] })
  await admin.disconnect()

  // alice writes and reads
  const aliceProducer = client(alice).producer()
  await aliceProducer.connect()
  await aliceProducer.send({ topic: 'orders', messages: [{ value: 'one' }, { value: 'two' }] })
  await aliceProducer.disconnect()
  const consumer = client(alice).consumer({ groupId: 'billing' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'orders', fromBeginning: true })
  const seen: string[] = []
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachMessage: async ({ message }: any) => { seen.push(message.value.toString()); if (seen.length === 2) resolve() } }).catch(reject)
  })
  await consumer.disconnect()
  t.same(seen, ['one', 'two'], 'alice reads what she wrote, committing in group billing')

  // bob authenticates but may do nothing
  const bobProducer = client(bob).producer()
  await bobProducer.connect()
  const refused = await bobProducer.send({ topic: 'orders', messages: [{ value: 'intruder' }] }).then(() => null, (e: any) => e)
  t.equal(refused?.cause?.type, 'TOPIC_AUTHORIZATION_FAILED', 'bob\'s produce is refused')
  await bobProducer.disconnect()
  const bobAdmin = client(bob).admin()
  await bobAdmin.connect()
  const del = await bobAdmin.deleteTopics({ topics: ['orders'] }).then(() => null, (e: any) => e)
  t.ok(del !== null, `bob cannot delete the topic (${String(del?.message ?? del)})`)
  const topics = await bobAdmin.listTopics()
  t.same(topics, [], 'bob does not even see the topic')
  await bobAdmin.disconnect()

  // a wrong password is refused (a fresh sasl object: kafkajs stores its authenticator, bound to the password, in
  // the sasl object it was given, so a spread copy of alice's would still log in with her password)
  const wrong = client({ mechanism: 'scram-sha-512', username: 'alice', password: 'nope' }).producer()
  const failed = await wrong.connect().then(() => null, (e: any) => e)
  t.match(String(failed?.message), /SASL SCRAM SHA512 authentication failed/, 'a wrong password fails authentication')

  // a produce quota on alice's user (throttling itself: test/kafka/quota-enforcement.test.ts): she is slowed, never refused
  const q = await op.request(49, 1, { entries: [{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: false })
  t.same(q.entries.map((e: any) => e.errorCode), [0], 'quota set for User:alice')

  // after a restart the credential, the ACLs and the quota are still there
  await b.restart()
  const afterRestart = client(alice).producer()
  await afterRestart.connect()
  const r = await afterRestart.send({ topic: 'orders', messages: [{ value: 'x'.repeat(3000) }] })
  t.equal(r[0].errorCode, 0, 'alice still logs in with SCRAM and may write after a restart')
  await afterRestart.disconnect()
  const op2 = await RawClient.connect(plain())
  t.teardown(() => op2.close())
  const quotas = await op2.request(48, 1, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false })
  t.same(quotas.entries.map((e: any) => e.values.map((v: any) => [v.key, v.value])), [[['producer_byte_rate', 1024]]], 'the quota survived')
  const offsets = await op2.request(2, 1, { replicaId: -1, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] })
  t.equal(Number(offsets.topics[0].partitions[0].offset), 3, 'three records: bob wrote nothing')
})
