// The client quotas service (core): the durable store of quota entities (quota-store.ts) and one manager per
// enforced quota (quota-manager.ts): producer_byte_rate (produced request bytes), consumer_byte_rate (fetch
// response bytes) and request_percentage (handler time as a percentage of one thread, per window; capped at
// one window of throttle, as Kafka). Front doors ask with a user (the principal's name) and a client id and get
// throttle times; they apply them (Kafka: the answer carries throttle_time_ms and the channel is muted).
// controller_mutation_rate and connection_creation_rate are stored, not enforced.
// `anyEnabled` is false until a quota of an enforced kind exists: front doors skip the quota path entirely.
// Clock: injected (ms), Date.now by default. Threading: main thread.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { numberConfig, type BrokerConfig } from '../../config/broker-config.js'
import { CLIENT_ID, USER, userClientKey, type QuotaEntity } from './entity.js'
import { CONSUMER_BYTE_RATE, PRODUCER_BYTE_RATE, REQUEST_PERCENTAGE } from './quota-keys.js'
import { QuotaManager } from './quota-manager.js'
import { ClientQuotaStore, type AlterResult, type FilterComponent, type FilterProblem, type IpCheck, type QuotaAlteration, type QuotaEntry } from './quota-store.js'
import type { RateWindow } from './rate.js'

export type Clock = () => number

export interface ClientQuotasOptions {
  dataDir: string
  window: RateWindow
  clock?: Clock
  ipValid?: IpCheck
}

export class ClientQuotas {
  readonly produce: QuotaManager
  readonly fetch: QuotaManager
  readonly request: QuotaManager
  readonly clock: Clock
  private readonly store: ClientQuotaStore

  private constructor (opts: ClientQuotasOptions) {
    this.clock = opts.clock ?? Date.now
    this.store = new ClientQuotaStore(opts.dataDir, opts.ipValid ?? resolvable)
    this.produce = new QuotaManager(PRODUCER_BYTE_RATE, opts.window)
    this.fetch = new QuotaManager(CONSUMER_BYTE_RATE, opts.window)
    this.request = new QuotaManager(REQUEST_PERCENTAGE, opts.window, opts.window.windowMs)
  }

  /** Opens the store (quota.window.num samples of quota.window.size.seconds from the config). */
  static async open (config: BrokerConfig, clock?: Clock): Promise<ClientQuotas> {
    return await ClientQuotas.openWith({ dataDir: config.dataDir, window: windowFrom(config), clock })
  }

  static async openWith (opts: ClientQuotasOptions): Promise<ClientQuotas> {
    const q = new ClientQuotas(opts)
    await q.store.load()
    q.refresh()
    return q
  }

  /** True once any enforced quota exists (sticky until restart). */
  get anyEnabled (): boolean {
    return this.produce.enabled || this.fetch.enabled || this.request.enabled
  }

  async alter (alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterResult[]> {
    const results = await this.store.alter(alterations, validateOnly)
    if (!validateOnly) this.refresh()
    return results
  }

  describe (components: readonly FilterComponent[], strict: boolean): QuotaEntry[] | FilterProblem {
    return this.store.describe(components, strict)
  }

  private refresh (): void {
    const entries = this.store.entries()
    for (const m of [this.produce, this.fetch, this.request]) {
      m.setQuotas(valuesOf(entries, m.key), managerKey)
    }
  }
}

export function windowFrom (config: BrokerConfig): RateWindow {
  return { samples: numberConfig(config, 'quota.window.num'), windowMs: numberConfig(config, 'quota.window.size.seconds') * 1000 }
}

function * valuesOf (entries: readonly QuotaEntry[], key: string): Iterable<{ entity: QuotaEntity, value: number }> {
  for (const e of entries) {
    const value = e.values.get(key)
    if (value !== undefined) yield { entity: e.entity, value }
  }
}

function managerKey (entity: QuotaEntity): string {
  const user = entity.find(c => c.type === USER)
  const client = entity.find(c => c.type === CLIENT_ID)
  return userClientKey(user === undefined ? undefined : user.name, client === undefined ? undefined : client.name)
}

async function resolvable (name: string): Promise<boolean> {
  if (isIP(name) !== 0) return true
  try {
    await lookup(name)
    return true
  } catch {
    return false
  }
}
