// Apache Kafka 3.9's kafka-configs (kafka.admin.ConfigCommand, run from the jars scripts/kafka/kafka.sh fetches)
// managing client quotas on Samsa through AlterClientQuotas/DescribeClientQuotas: --alter --add-config and
// --delete-config for clients, users, user+client and the defaults, --describe of each, Kafka's refusals (an
// unknown key, a fractional byte rate), ip entities. Skips when Java, Maven or Maven Central are unavailable.
// Describing a named user also lists its SCRAM credentials (DescribeUserScramCredentials, key 50): that part is
// asserted only when the broker serves key 50.
import t, { type Test } from 'tap'
import { withBroker, type TestBroker } from '../../helpers/broker.js'
import { ensureKafka, kafkaTool, tail, type RunResult } from './lib/common.js'

t.setTimeout(10 * 60_000)

const kafka = await ensureKafka()
if (kafka.error !== undefined) t.fail(kafka.error)
const skip = kafka.ok ? false : kafka.reason ?? 'Apache Kafka could not be fetched'

let b: TestBroker
t.before(async () => {
  if (skip !== false) return
  b = await withBroker(t)
})

async function configs (args: string[]): Promise<RunResult> {
  return await kafkaTool('run', ['kafka.admin.ConfigCommand', '--bootstrap-server', b.brokers[0], ...args])
}

function ok (t: Test, r: RunResult, what: string): void {
  t.equal(r.code, 0, `${what} exits 0${r.code === 0 ? '' : `\n${tail(r.stderr + r.stdout, 20)}`}`)
}

t.test('kafka-configs --alter / --describe for clients', { skip }, async t => {
  let r = await configs(['--alter', '--add-config', 'producer_byte_rate=1024,consumer_byte_rate=2048', '--entity-type', 'clients', '--entity-name', 'c1'])
  ok(t, r, 'alter clients c1')
  t.match(r.stdout, /Completed updating config for client c1\./)
  r = await configs(['--alter', '--add-config', 'request_percentage=25', '--entity-type', 'clients', '--entity-default'])
  ok(t, r, 'alter the default client')
  r = await configs(['--describe', '--entity-type', 'clients', '--entity-name', 'c1'])
  ok(t, r, 'describe c1')
  t.match(r.stdout, /Quota configs for client-id 'c1' are consumer_byte_rate=2048\.0, producer_byte_rate=1024\.0/)
  r = await configs(['--describe', '--entity-type', 'clients'])
  ok(t, r, 'describe all clients')
  t.match(r.stdout, /client-id 'c1'/)
  t.match(r.stdout, /Quota configs for the default client-id are request_percentage=25\.0/)
  r = await configs(['--alter', '--delete-config', 'producer_byte_rate', '--entity-type', 'clients', '--entity-name', 'c1'])
  ok(t, r, 'delete-config')
  r = await configs(['--describe', '--entity-type', 'clients', '--entity-name', 'c1'])
  t.match(r.stdout, /Quota configs for client-id 'c1' are consumer_byte_rate=2048\.0\s*$/, 'only the remaining key')
  t.equal(b.current.broker.core.quotas.fetch.quotaFor('ANONYMOUS', 'c1'), 2048, 'the broker applies it')
})

t.test('kafka-configs --alter / --describe for users and user + client', { skip }, async t => {
  let r = await configs(['--alter', '--add-config', 'producer_byte_rate=4096', '--entity-type', 'users', '--entity-default'])
  ok(t, r, 'alter the default user')
  t.match(r.stdout, /Completed updating default config for users in the cluster\./)
  r = await configs(['--alter', '--add-config', 'producer_byte_rate=10,request_percentage=12.5', '--entity-type', 'users', '--entity-name', 'bob', '--entity-type', 'clients', '--entity-name', 'c9'])
  ok(t, r, 'alter user bob + client c9')
  r = await configs(['--alter', '--add-config', 'consumer_byte_rate=100', '--entity-type', 'users', '--entity-name', 'alice'])
  ok(t, r, 'alter user alice')
  r = await configs(['--describe', '--entity-type', 'users', '--entity-default'])
  ok(t, r, 'describe the default user')
  t.match(r.stdout, /Quota configs for the default user-principal are producer_byte_rate=4096\.0/)
  r = await configs(['--describe', '--entity-type', 'users', '--entity-name', 'bob', '--entity-type', 'clients', '--entity-name', 'c9'])
  ok(t, r, 'describe bob + c9')
  t.match(r.stdout, /Quota configs for user-principal 'bob', client-id 'c9' are (producer_byte_rate=10\.0, request_percentage=12\.5|request_percentage=12\.5, producer_byte_rate=10\.0)/)
  r = await configs(['--describe', '--entity-type', 'users', '--entity-type', 'clients'])
  ok(t, r, 'describe every user + client')
  t.match(r.stdout, /user-principal 'bob', client-id 'c9'/)
  const scram = b.current.broker.router.advertised().some(a => a.apiKey === 50)
  r = await configs(['--describe', '--entity-type', 'users', '--entity-name', 'alice'])
  if (scram) {
    ok(t, r, 'describe user alice')
    t.match(r.stdout, /Quota configs for user-principal 'alice' are consumer_byte_rate=100\.0/)
  } else {
    t.match(r.stderr + r.stdout, /does not support DESCRIBE_USER_SCRAM_CREDENTIALS/, 'describing a named user needs DescribeUserScramCredentials (50), served by the SASL work')
  }
  t.equal(b.current.broker.core.quotas.produce.quotaFor('bob', 'c9'), 10, 'user + client wins')
  t.equal(b.current.broker.core.quotas.produce.quotaFor('carol', 'x'), 4096, 'the default user for everyone else')
})

t.test('kafka-configs: Kafka\'s refusals and ip entities', { skip }, async t => {
  let r = await configs(['--alter', '--add-config', 'producer_byte_rate=1.5', '--entity-type', 'clients', '--entity-name', 'c1'])
  t.not(r.code, 0, 'a fractional byte rate is refused')
  t.match(r.stderr + r.stdout, /InvalidRequestException: producer_byte_rate cannot be a fractional value\./)
  r = await configs(['--alter', '--add-config', 'connection_creation_rate=5', '--entity-type', 'ips', '--entity-name', '127.0.0.1'])
  ok(t, r, 'alter ip')
  r = await configs(['--describe', '--entity-type', 'ips'])
  ok(t, r, 'describe ips')
  t.match(r.stdout, /Quota configs for ip '127\.0\.0\.1' are connection_creation_rate=5\.0/)
})
