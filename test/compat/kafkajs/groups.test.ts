// kafkajs 2.2.4 consumer groups against a real broker: three consumers share six partitions; one leaves
// (LeaveGroup), one crashes (a child process killed with SIGKILL: only its session timeout tells the
// broker). After every rebalance each partition is assigned exactly once, and every produced record is
// consumed by someone (at-least-once: redeliveries after the crash are allowed, losses are not).
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer } from 'kafkajs'
import { withBroker } from '../../helpers/broker.js'

const TOPIC = 'six'
const GROUP = 'sharing'
const SESSION_TIMEOUT = 6000

function client (brokers: string[], clientId: string): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } })
}

async function waitFor (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** The group's members and their decoded assignments, once it is Stable with `members` members. */
async function stableAssignment (admin: Admin, members: number): Promise<Map<string, number[]>> {
  let result = new Map<string, number[]>()
  await waitFor(`a Stable group of ${members}`, async () => {
    const { groups: [g] } = await admin.describeGroups([GROUP])
    if (g.state !== 'Stable' || g.members.length !== members) return false
    result = new Map(g.members.map(m => [m.clientId + ':' + m.memberId, AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[TOPIC] ?? []]))
    return true
  })
  return result
}

function assertExactlyOnce (t: Test, assignment: Map<string, number[]>, label: string): void {
  const all = [...assignment.values()].flat().sort((a, b) => a - b)
  t.same(all, [0, 1, 2, 3, 4, 5], `${label}: every partition assigned exactly once (${[...assignment.values()].map(p => `[${p.join(',')}]`).join(' ')})`)
}

/** A kafkajs consumer in a child process that reports each record over IPC; SIGKILL makes it a crash. */
function spawnConsumer (brokers: string[], onRecord: (value: string) => void): ChildProcess {
  const kafkajsPath = createRequire(import.meta.url).resolve('kafkajs')
  const code = `
    const { Kafka, logLevel } = require(process.env.KAFKAJS_PATH)
    const kafka = new Kafka({ brokers: JSON.parse(process.env.BROKERS), clientId: 'crasher', logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: process.env.GROUP, sessionTimeout: ${SESSION_TIMEOUT}, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
    ;(async () => {
      await consumer.connect()
      await consumer.subscribe({ topic: process.env.TOPIC, fromBeginning: true })
      await consumer.run({ eachMessage: async ({ message }) => { process.send({ value: message.value.toString() }) } })
      process.send({ running: true })
    })().catch(err => { console.error(err); process.exit(1) })
  `
  const child = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, KAFKAJS_PATH: kafkajsPath, BROKERS: JSON.stringify(brokers), GROUP, TOPIC },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  child.on('message', (m: { value?: string }) => { if (m.value !== undefined) onRecord(m.value) })
  return child
}

t.test('three consumers on six partitions: one leaves, one crashes; every rebalance covers each partition once and nothing is lost', async t => {
  const b = await withBroker(t, { config: { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 300 } })
  const kafka = client(b.brokers, 'groups-test')
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6 }] })
  const producer = kafka.producer()
  await producer.connect()
  t.teardown(() => producer.disconnect())

  const seen = new Map<string, number>()
  const record = (value: string): void => { seen.set(value, (seen.get(value) ?? 0) + 1) }
  const consumers: Consumer[] = []
  async function startConsumer (clientId: string): Promise<Consumer> {
    const c = client(b.brokers, clientId).consumer({ groupId: GROUP, sessionTimeout: SESSION_TIMEOUT, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
    consumers.push(c)
    await c.connect()
    await c.subscribe({ topic: TOPIC, fromBeginning: true })
    await c.run({ eachMessage: async ({ message }) => record(String(message.value)) })
    return c
  }
  t.teardown(async () => { for (const c of consumers) await c.disconnect().catch(() => {}) })

  let produced = 0
  async function produce (n: number): Promise<void> {
    const messages = Array.from({ length: n }, (_, i) => ({ partition: (produced + i) % 6, value: `r${produced + i}` }))
    produced += n
    await producer.send({ topic: TOPIC, messages })
  }
  const allSeen = async (): Promise<void> => await waitFor(`all ${produced} records consumed`, () => {
    for (let i = 0; i < produced; i++) if (!seen.has(`r${i}`)) return false
    return true
  })

  const crasher = spawnConsumer(b.brokers, record)
  t.teardown(() => { if (crasher.exitCode === null) crasher.kill('SIGKILL') })
  await startConsumer('stayer')
  const leaver = await startConsumer('leaver')

  assertExactlyOnce(t, await stableAssignment(admin, 3), 'three members')
  await produce(60)
  await allSeen()
  t.pass('phase 1: 60 records consumed by three members')

  await leaver.disconnect()
  const two = await stableAssignment(admin, 2)
  t.notOk([...two.keys()].some(k => k.startsWith('leaver:')), 'the leaver is gone')
  assertExactlyOnce(t, two, 'after a LeaveGroup')
  await produce(60)
  await allSeen()
  t.pass('phase 2: 60 more consumed by the two remaining members')

  crasher.kill('SIGKILL')
  const crashedAt = Date.now()
  const one = await stableAssignment(admin, 1)
  t.ok([...one.keys()][0].startsWith('stayer:'), 'only the stayer is left')
  t.ok(Date.now() - crashedAt >= SESSION_TIMEOUT - 1000, `the crashed member was dropped by its session timeout (${Date.now() - crashedAt} ms)`)
  assertExactlyOnce(t, one, 'after a crash')
  await produce(60)
  await allSeen()
  t.equal([...seen.keys()].length, produced, `all ${produced} records consumed, none lost (${[...seen.values()].filter(n => n > 1).length} redelivered)`)
})
