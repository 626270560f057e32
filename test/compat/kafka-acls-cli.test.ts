// Kafka's own kafka-acls.sh (kafka.admin.AclCommand, 3.9.1) against Samsa: --add (with the --producer/--consumer
// conveniences and a prefixed pattern), --list (pattern type match), --remove; then the effect of the ACLs on a
// client. Opt-in (each JVM start costs seconds): SAMSA_CLI_KAFKA=1 npx tap test/compat/kafka-acls-cli.test.ts;
// needs Kafka's jars in the cache (scripts/kafka/kafka.sh fetch) and java, otherwise it skips, saying why.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { metadataBody } from '../helpers/wire.js'

const KAFKA_SH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/kafka/kafka.sh')
const cached = fs.existsSync(path.join(process.env.SAMSA_CACHE ?? path.join(os.homedir(), '.cache/samsa'), 'kafka-3.9.1/.complete'))
const skip = process.env.SAMSA_CLI_KAFKA !== '1'
  ? 'opt-in: set SAMSA_CLI_KAFKA=1 to run kafka-acls.sh against Samsa'
  : !cached || spawnSync('java', ['-version']).status !== 0 ? 'Apache Kafka 3.9.1 is not in the cache (scripts/kafka/kafka.sh fetch) or java is missing' : false

t.setTimeout(240_000)

t.test('kafka-acls.sh --add, --list, --remove against Samsa, and their effect', { skip, timeout: 200_000 }, async t => {
  // the tool connects as User:ANONYMOUS from 127.0.0.1: allowed everything through an ACL on that host
  const b = await withBroker(t, { config: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'allow.everyone.if.no.acl.found': 'true' } })
  // asynchronous: the broker runs in this process and must keep serving while the tool runs
  const acls = async (...args: string[]): Promise<string> => {
    const r = await promisify(execFile)(KAFKA_SH, ['run', 'kafka.admin.AclCommand', '--bootstrap-server', b.brokers[0], ...args], { encoding: 'utf8', timeout: 60_000 })
    return r.stdout
  }
  await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--allow-host', '127.0.0.1', '--operation', 'All', '--cluster')
  await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--allow-host', '127.0.0.1', '--operation', 'All', '--topic', '*', '--group', '*')
  await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--allow-host', '127.0.0.2', '--consumer', '--topic', 'orders', '--resource-pattern-type', 'prefixed', '--group', 'billing')
  const listed = await acls('--list', '--topic', 'orders-eu', '--resource-pattern-type', 'match')
  t.match(listed, /name=orders, patternType=PREFIXED/)
  t.match(listed, /name=\*, patternType=LITERAL/)

  const admin = await RawClient.connect(b.port, '127.0.0.1', { localAddress: '127.0.0.1' })
  t.teardown(() => admin.close())
  await admin.request(3, 4, metadataBody(['orders-eu', 'payments']))
  const c = await RawClient.connect(b.port, '127.0.0.1', { localAddress: '127.0.0.2' })
  t.teardown(() => c.close())
  t.same((await c.request(3, 1, metadataBody(null))).topics.map((x: any) => x.name), ['orders-eu'], 'the consumer sees only the prefixed topics')

  await acls('--remove', '--force', '--allow-principal', 'User:ANONYMOUS', '--allow-host', '127.0.0.2', '--operation', 'Describe', '--operation', 'Read', '--topic', 'orders', '--resource-pattern-type', 'prefixed')
  t.same((await c.request(3, 1, metadataBody(null))).topics, [], 'removed: nothing visible')
})
