// bench/acl-authorize.ts: the cost of one Authorizer.authorize() call, the check every Produce / Fetch makes per
// topic: disabled (authorizer.class.name empty), cached (the same principal, host, operation and resource
// again: one map lookup), and uncached (the cache dropped before every call: the index walk of
// acl-index.ts over literal, '*' and prefixed bindings) with 1,000 ACL bindings stored.
//
//   npx tsx bench/acl-authorize.ts [--n 1000000]
//
// Prints ns per call for each case. Single thread, bounded loops; the data dir is a temp dir removed at the end.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Authorizer } from '../src/core/security/acl/authorizer.js'
import { AclOperation, AclPermission, PatternType, ResourceType, type AclBinding } from '../src/core/security/acl/model.js'
import { userPrincipal } from '../src/core/security/principal.js'
import { silentLogger } from '../src/logger.js'

const n = Number(process.argv[process.argv.indexOf('--n') + 1] ?? 0) || 1_000_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-acl-bench-'))
const enabledCfg = { get: (k: string) => k === 'authorizer.class.name' ? 'samsa' : null }

function bindings (count: number): AclBinding[] {
  const out: AclBinding[] = []
  for (let i = 0; i < count; i++) {
    out.push({
      resourceType: ResourceType.TOPIC,
      resourceName: i % 4 === 0 ? `team-${i}-` : `topic-${i}`,
      patternType: i % 4 === 0 ? PatternType.PREFIXED : PatternType.LITERAL,
      principal: `User:user-${i % 50}`,
      host: '*',
      operation: i % 3 === 0 ? AclOperation.READ : AclOperation.WRITE,
      permission: AclPermission.ALLOW
    })
  }
  out.push({ resourceType: ResourceType.TOPIC, resourceName: 'rr-', patternType: PatternType.PREFIXED, principal: 'User:alice', host: '*', operation: AclOperation.WRITE, permission: AclPermission.ALLOW })
  out.push({ resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: AclOperation.WRITE, permission: AclPermission.ALLOW })
  return out
}

function time (label: string, iterations: number, fn: (i: number) => boolean): void {
  let allowed = 0
  for (let i = 0; i < Math.min(iterations, 10_000); i++) if (fn(i)) allowed++ // warm-up
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) if (fn(i)) allowed++
  const ns = Number(process.hrtime.bigint() - start) / iterations
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(8)} ns/call  (${iterations} calls, ${allowed} allowed)`)
}

async function main (): Promise<void> {
  const alice = userPrincipal('alice')
  const disabled = await Authorizer.open({ get: () => null }, dir, silentLogger)
  const a = await Authorizer.open(enabledCfg, dir, silentLogger)
  await a.create(bindings(1000))
  console.log(`authorize(): ${a.size} ACL bindings, node ${process.version}`)
  time('disabled', n, () => disabled.authorize(alice, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, 'orders'))
  time('enabled, cached (same resource)', n, () => a.authorize(alice, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, 'orders'))
  const names = Array.from({ length: 100 }, (_, i) => `rr-${i}`)
  time('enabled, cached (100 resources round robin)', n, i => a.authorize(alice, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, names[i % 100]))
  const denied = Array.from({ length: 100 }, (_, i) => `topic-${i}`)
  time('enabled, cached denials (logged once each)', n, i => a.authorize(alice, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, denied[i % 100]))
  const clear = (a as unknown as { cache: Map<string, unknown> }).cache
  time('enabled, uncached (cache dropped every call)', Math.min(n, 200_000), i => {
    clear.clear()
    return a.authorize(alice, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, names[i % 100], false)
  })
}

main().finally(() => fs.rmSync(dir, { recursive: true, force: true })).catch(err => { console.error(err); process.exitCode = 1 })
