// Consumer groups with churn: one group of kafkajs members and one of @platformatic/kafka members, each
// subscribed to every soak topic from the earliest offset. Member 0 of a group stays for the whole run (so the
// group always reads, and drains at the end); the other members join, stay 20-60 s, leave (LeaveGroup) and come
// back 2-8 s later as new members, so the group rebalances every few tens of seconds. Every record read goes
// through the group's Ledger (gaps, in-session duplicates, corrupt values). Offsets are committed after
// processing (kafkajs: its autocommit after each batch; platformatic: each partition's last processed
// record, once a second), so delivery is at-least-once.
import { Kafka, logLevel } from 'kafkajs'
import { Consumer as PltConsumer, type Message } from '@platformatic/kafka'
import { Ledger } from './ledger.js'
import type { Metrics } from './metrics.js'
import { checkValue } from './payload.js'
import { randInt, withTimeout, type Stopper } from './stopper.js'

export interface GroupStats { joins: number, leaves: number, rebalances: number }

interface Member { leave: () => Promise<void> }

type Client = 'kafkajs' | 'platformatic'

const SESSION_TIMEOUT_MS = 10_000
const REBALANCE_TIMEOUT_MS = 20_000

async function kafkajsMember (bootstrap: string, groupId: string, name: string, topics: string[], ledger: Ledger, stats: GroupStats, metrics: Metrics): Promise<Member> {
  const kafka = new Kafka({ clientId: name, brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const c = kafka.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, rebalanceTimeout: REBALANCE_TIMEOUT_MS, heartbeatInterval: 1000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false })
  let session = new Map<string, number>()
  c.on(c.events.GROUP_JOIN, () => { session = new Map(); stats.rebalances++; ledger.rebalanced() })
  c.on(c.events.REBALANCING, () => ledger.rebalanced())
  c.on(c.events.CRASH, e => metrics.error('consumer kafkajs crash', e.payload.error))
  await c.connect()
  await c.subscribe({ topics, fromBeginning: true })
  await c.run({
    eachMessage: async ({ topic, partition, message }) => {
      ledger.record(session, topic, partition, Number(message.offset), checkValue(message.value))
      metrics.consumed(1)
    }
  })
  return { leave: async () => await c.disconnect() }
}

async function platformaticMember (bootstrap: string, groupId: string, name: string, topics: string[], ledger: Ledger, stats: GroupStats, metrics: Metrics): Promise<Member> {
  const c = new PltConsumer({
    clientId: name, groupId, bootstrapBrokers: [bootstrap], sessionTimeout: SESSION_TIMEOUT_MS, rebalanceTimeout: REBALANCE_TIMEOUT_MS,
    heartbeatInterval: 1000, maxWaitTime: 500, autocreateTopics: false
  })
  let session = new Map<string, number>()
  c.on('consumer:group:join', () => { session = new Map(); stats.rebalances++; ledger.rebalanced() })
  c.on('consumer:group:rebalance', () => { session = new Map(); ledger.rebalanced() })
  c.on('error', (err: Error) => metrics.error('consumer platformatic', err))
  const stream = await c.consume({ topics, mode: 'committed', fallbackMode: 'earliest', autocommit: false })
  stream.on('error', (err: Error) => metrics.error('consumer platformatic stream', err))
  const toCommit = new Map<string, Message>()
  let lastCommit = performance.now()
  const reading = (async () => {
    try {
      for await (const m of stream as AsyncIterable<Message>) {
        ledger.record(session, m.topic, m.partition, Number(m.offset), checkValue(m.value))
        metrics.consumed(1)
        toCommit.set(`${m.topic}/${m.partition}`, m)
        if (performance.now() - lastCommit > 1000) {
          lastCommit = performance.now()
          const batch = [...toCommit.values()]
          toCommit.clear()
          for (const msg of batch) {
            try {
              await msg.commit()
            } catch (err) {
              metrics.error('consumer platformatic commit', err)
            }
          }
        }
      }
    } catch (err) {
      metrics.error('consumer platformatic read', err)
    }
  })()
  return {
    leave: async () => {
      await stream.close()
      await reading
      await c.close()
    }
  }
}

/** Starts a member, or counts why it could not start and returns null. */
async function join (client: Client, bootstrap: string, groupId: string, name: string, topics: string[], ledger: Ledger, stats: GroupStats, metrics: Metrics): Promise<Member | null> {
  try {
    const m = await withTimeout((client === 'kafkajs' ? kafkajsMember : platformaticMember)(bootstrap, groupId, name, topics, ledger, stats, metrics), 60_000, `${name} join`)
    stats.joins++
    return m
  } catch (err) {
    metrics.error(`consumer ${client} join`, err)
    return null
  }
}

async function leave (client: Client, m: Member, stats: GroupStats, metrics: Metrics): Promise<void> {
  try {
    await withTimeout(m.leave(), 30_000, 'leave')
    stats.leaves++
  } catch (err) {
    metrics.error(`consumer ${client} leave`, err)
  }
}

export class ChurningGroup {
  readonly ledger: Ledger
  readonly stats: GroupStats = { joins: 0, leaves: 0, rebalances: 0 }
  private readonly tasks: Array<Promise<void>> = []
  private stable: Member | null = null

  constructor (readonly client: Client, readonly groupId: string, private readonly bootstrap: string, private readonly topics: string[], private readonly metrics: Metrics) {
    this.ledger = new Ledger(groupId)
  }

  /** Starts the stable member, then `churners` members that come and go until churnStop. */
  async start (churners: number, churnStop: Stopper): Promise<void> {
    this.stable = await join(this.client, this.bootstrap, this.groupId, `${this.groupId}-stable`, this.topics, this.ledger, this.stats, this.metrics)
    for (let i = 1; i <= churners; i++) this.tasks.push(this.churn(i, churnStop))
  }

  private async churn (slot: number, stop: Stopper): Promise<void> {
    await stop.sleep(randInt(5_000, 20_000))
    for (let n = 0; !stop.done; n++) {
      const m = await join(this.client, this.bootstrap, this.groupId, `${this.groupId}-m${slot}-${n}`, this.topics, this.ledger, this.stats, this.metrics)
      await stop.sleep(randInt(20_000, 60_000))
      if (m !== null) await leave(this.client, m, this.stats, this.metrics)
      this.ledger.rebalanced() // the others rebalance now
      await stop.sleep(randInt(2_000, 8_000))
    }
  }

  /** Waits for the churning members to have left. */
  async churnDone (): Promise<void> {
    await Promise.all(this.tasks)
  }

  /** The stable member leaves. */
  async close (): Promise<void> {
    if (this.stable !== null) await leave(this.client, this.stable, this.stats, this.metrics)
    this.stable = null
  }
}
