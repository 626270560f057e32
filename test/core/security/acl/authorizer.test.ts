// The authorizer (src/core/security/acl/): Kafka's StandardAuthorizer semantics with any principal, unit-tested
// without a broker: implications, deny wins, literal / wildcard / prefixed patterns, principal and host
// wildcards, super.users, allow.everyone.if.no.acl.found, the decision cache dropped on change, durability
// across reopen, and the authorizer log (a denial once).
import t from 'tap'
import fs from 'node:fs'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { Authorizer } from '../../../../src/core/security/acl/authorizer.js'
import { AclOperation as Op, AclPermission, PatternType, ResourceType, type AclBinding } from '../../../../src/core/security/acl/model.js'
import { MATCH_ALL, filterMatches, type AclBindingFilter } from '../../../../src/core/security/acl/filter.js'
import { userPrincipal } from '../../../../src/core/security/principal.js'
import { silentLogger } from '../../../../src/logger.js'
import { ConfigError } from '../../../../src/config/config-error.js'
import { tempDir } from '../../../helpers/broker.js'

const alice = userPrincipal('alice')
const bob = userPrincipal('bob')
const H = '10.0.0.1'

function cfg (extra: Record<string, string> = {}): { get: (k: string) => string | null } {
  const m: Record<string, string> = { 'authorizer.class.name': 'samsa', ...extra }
  return { get: k => m[k] ?? null }
}

function acl (over: Partial<AclBinding>): AclBinding {
  return { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permission: AclPermission.ALLOW, ...over }
}

async function open (t: { teardown: (fn: () => void) => void }, extra: Record<string, string> = {}, dir = tempDir()): Promise<Authorizer> {
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return await Authorizer.open(cfg(extra), dir, silentLogger)
}

t.test('disabled (authorizer.class.name empty): everything allowed', async t => {
  const a = await Authorizer.open({ get: () => null }, tempDir(), silentLogger)
  t.equal(a.enabled, false)
  t.ok(a.authorize(alice, H, Op.DELETE, ResourceType.TOPIC, '__consumer_offsets'))
})

t.test('an unknown authorizer.class.name is a ConfigError naming it; Kafka\'s names are accepted', async t => {
  await t.rejects(Authorizer.open(cfg({ 'authorizer.class.name': 'com.example.MyAuthorizer' }), tempDir(), silentLogger), ConfigError)
  await t.rejects(Authorizer.open(cfg({ 'authorizer.class.name': 'com.example.MyAuthorizer' }), tempDir(), silentLogger), /com\.example\.MyAuthorizer/)
  for (const n of ['org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer', 'samsa']) {
    t.equal((await open(t, { 'authorizer.class.name': n })).enabled, true, n)
  }
})

t.test('enabled with no ACL: denied; allow.everyone.if.no.acl.found=true: allowed only where no ACL applies', async t => {
  const a = await open(t)
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  const b = await open(t, { 'allow.everyone.if.no.acl.found': 'true' })
  t.ok(b.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  await b.create([acl({ principal: 'User:bob', operation: Op.WRITE })])
  t.notOk(b.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'), 'an ACL for someone else on the resource: no longer open')
  t.ok(b.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'payments'), 'another resource without ACLs stays open')
})

t.test('implications: READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, ALL covers all', async t => {
  const a = await open(t)
  for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
    await a.create([acl({ resourceName: `t${op}`, operation: op })])
    t.ok(a.authorize(alice, H, Op.DESCRIBE, ResourceType.TOPIC, `t${op}`), `ALLOW op ${op} implies DESCRIBE`)
    t.ok(a.authorize(alice, H, op, ResourceType.TOPIC, `t${op}`))
    t.notOk(a.authorize(alice, H, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, `t${op}`))
  }
  t.notOk(a.authorize(alice, H, Op.WRITE, ResourceType.TOPIC, `t${Op.READ}`), 'READ does not imply WRITE')
  await a.create([acl({ resourceName: 'cfg', operation: Op.ALTER_CONFIGS })])
  t.ok(a.authorize(alice, H, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'cfg'))
  t.notOk(a.authorize(alice, H, Op.DESCRIBE, ResourceType.TOPIC, 'cfg'), 'ALTER_CONFIGS does not imply DESCRIBE')
  await a.create([acl({ resourceName: 'all', operation: Op.ALL })])
  for (const op of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS]) {
    t.ok(a.authorize(alice, H, op, ResourceType.TOPIC, 'all'), `ALL covers ${op}`)
  }
  await a.create([acl({ resourceName: 'd', operation: Op.DESCRIBE })])
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'd'), 'DESCRIBE implies nothing else')
})

t.test('DENY wins over ALLOW; DENY ALL denies everything; DENY READ leaves DESCRIBE', async t => {
  const a = await open(t)
  await a.create([acl({ operation: Op.ALL }), acl({ operation: Op.WRITE, permission: AclPermission.DENY })])
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  t.notOk(a.authorize(alice, H, Op.WRITE, ResourceType.TOPIC, 'orders'))
  await a.create([acl({ resourceName: 'x', operation: Op.ALL }), acl({ resourceName: 'x', operation: Op.READ, permission: AclPermission.DENY })])
  t.ok(a.authorize(alice, H, Op.DESCRIBE, ResourceType.TOPIC, 'x'))
  await a.create([acl({ resourceName: 'o', patternType: PatternType.PREFIXED, operation: Op.ALL, permission: AclPermission.DENY, principal: 'User:*' })])
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'), 'a prefixed DENY for User:* beats a literal ALLOW')
  t.notOk(a.authorize(alice, H, Op.DESCRIBE, ResourceType.TOPIC, 'orders'))
})

t.test('patterns: LITERAL exact, LITERAL *, PREFIXED; resource types are separate', async t => {
  const a = await open(t)
  await a.create([
    acl({ resourceName: 'exact' }),
    acl({ resourceName: 'pre-', patternType: PatternType.PREFIXED }),
    acl({ resourceName: '*', operation: Op.DESCRIBE }),
    acl({ resourceType: ResourceType.GROUP, resourceName: 'g', patternType: PatternType.PREFIXED })
  ])
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'exact'))
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'exactly'), 'a literal is not a prefix')
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'pre-1'))
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'pre-'))
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'pre'))
  t.ok(a.authorize(alice, H, Op.DESCRIBE, ResourceType.TOPIC, 'anything'), 'the * wildcard')
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'anything'))
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.GROUP, 'group-1'))
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'g'), 'group ACLs do not apply to topics')
  t.notOk(a.authorize(alice, H, Op.DESCRIBE, ResourceType.GROUP, 'x'), 'topic * does not apply to groups')
})

t.test('principals and hosts: exact, User:*, host *', async t => {
  const a = await open(t)
  await a.create([
    acl({ principal: 'User:*', operation: Op.DESCRIBE }),
    acl({ principal: 'User:bob', host: '10.0.0.2', operation: Op.WRITE })
  ])
  t.ok(a.authorize(bob, H, Op.DESCRIBE, ResourceType.TOPIC, 'orders'), 'User:* matches everyone')
  t.ok(a.authorize({ type: 'Group', name: 'ops' }, H, Op.DESCRIBE, ResourceType.TOPIC, 'orders'), 'User:* matches any principal type')
  t.notOk(a.authorize(bob, H, Op.WRITE, ResourceType.TOPIC, 'orders'), 'bob from another host')
  t.ok(a.authorize(bob, '10.0.0.2', Op.WRITE, ResourceType.TOPIC, 'orders'))
  t.ok(a.authorize(bob, '::ffff:10.0.0.2', Op.WRITE, ResourceType.TOPIC, 'orders'), 'an IPv4-mapped address is its IPv4 address')
  t.notOk(a.authorize(alice, '10.0.0.2', Op.WRITE, ResourceType.TOPIC, 'orders'))
})

t.test('super.users (; separated) are allowed everything, even against DENY', async t => {
  const a = await open(t, { 'super.users': 'User:admin; User:CN=ops' })
  await a.create([acl({ principal: 'User:*', operation: Op.ALL, permission: AclPermission.DENY })])
  t.ok(a.authorize(userPrincipal('admin'), H, Op.DELETE, ResourceType.TOPIC, 'orders'))
  t.ok(a.authorize(userPrincipal('CN=ops'), H, Op.CLUSTER_ACTION, ResourceType.CLUSTER, 'kafka-cluster'))
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  t.ok(a.isSuperUser(userPrincipal('admin')))
})

t.test('the decision cache is dropped when ACLs change', async t => {
  const a = await open(t)
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  await a.create([acl({})])
  t.ok(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
  const removed = await a.delete([{ ...MATCH_ALL, principal: 'User:alice' }])
  t.equal(removed[0].length, 1)
  t.notOk(a.authorize(alice, H, Op.READ, ResourceType.TOPIC, 'orders'))
})

t.test('create validates each binding (INVALID_REQUEST messages), stores the valid ones once', async t => {
  const a = await open(t)
  const r = await a.create([
    acl({}),
    acl({}),
    acl({ patternType: PatternType.MATCH }),
    acl({ resourceType: ResourceType.ANY }),
    acl({ operation: Op.ANY }),
    acl({ permission: AclPermission.ANY }),
    acl({ principal: 'alice' }),
    acl({ resourceName: '' }),
    acl({ resourceType: ResourceType.CLUSTER, resourceName: 'other' })
  ])
  t.same(r.slice(0, 2), [null, null])
  for (const why of r.slice(2)) t.type(why, 'string')
  t.match(r[6], /principal/)
  t.match(r[8], /kafka-cluster/)
  t.equal(a.size, 1, 'duplicates and invalid bindings are not stored')
})

t.test('ACLs survive a reopen (samsa-acls.msgpack); deletions too', async t => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const a = await Authorizer.open(cfg(), dir, silentLogger)
  await a.create([acl({}), acl({ resourceName: 'p-', patternType: PatternType.PREFIXED, operation: Op.WRITE })])
  t.ok(fs.existsSync(`${dir}/samsa-acls.msgpack`))
  const b = await Authorizer.open(cfg(), dir, silentLogger)
  t.equal(b.size, 2)
  t.ok(b.authorize(alice, H, Op.WRITE, ResourceType.TOPIC, 'p-1'))
  await b.delete([{ ...MATCH_ALL, patternType: PatternType.PREFIXED }])
  const c = await Authorizer.open(cfg(), dir, silentLogger)
  t.equal(c.size, 1)
  t.notOk(c.authorize(alice, H, Op.WRITE, ResourceType.TOPIC, 'p-1'))
})

t.test('filters: ANY, MATCH (what applies to a name), exact pattern type', async t => {
  const lit = acl({})
  const wild = acl({ resourceName: '*' })
  const pre = acl({ resourceName: 'ord', patternType: PatternType.PREFIXED })
  const f = (over: Partial<AclBindingFilter>): AclBindingFilter => ({ ...MATCH_ALL, ...over })
  const match = f({ resourceName: 'orders', patternType: PatternType.MATCH })
  t.same([lit, wild, pre].map(b => filterMatches(match, b)), [true, true, true])
  t.same([lit, wild, pre].map(b => filterMatches(f({ resourceName: 'orders' }), b)), [true, false, false], 'ANY with a name: exact names only')
  t.same([lit, wild, pre].map(b => filterMatches(f({ patternType: PatternType.PREFIXED }), b)), [false, false, true])
  t.same([lit, wild, pre].map(b => filterMatches(f({ resourceType: ResourceType.GROUP }), b)), [false, false, false])
  t.notOk(filterMatches(f({ operation: Op.WRITE }), lit))
  t.notOk(filterMatches(f({ host: '1.2.3.4' }), lit))
})

t.test('the authorizer log: a denial once per (principal, host, operation, resource), at INFO, with all four', async t => {
  const lines: any[] = []
  const logger = pino({ level: 'info' }, new Writable({ write (c, _e, cb) { lines.push(JSON.parse(c.toString())); cb() } }))
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const a = await Authorizer.open(cfg(), dir, logger)
  lines.length = 0
  for (let i = 0; i < 100; i++) a.authorize(bob, H, Op.WRITE, ResourceType.TOPIC, 'orders')
  a.authorize(bob, H, Op.READ, ResourceType.TOPIC, 'orders', false)
  const denials = lines.filter(l => /Denied/.test(l.msg))
  t.equal(denials.length, 1)
  t.match(denials[0], { principal: 'User:bob', host: H, operation: 'WRITE', resource: 'Topic:LITERAL:orders' })
})
