// NetworkLimits: the bounds of the Kafka front door's network layer, read once from the broker config and
// shared by every listener (README, "Connections, memory and time"):
//
//   queued.max.request.bytes               RequestPool: request bytes being read, broker-wide
//   connection.max.queued.response.bytes   per connection: responses handled but unwritten + socket buffer
//                                          + fetches being read; above it the connection reads nothing more
//   fetch.max.memory.bytes                 FetchMemory (core): fetch bytes in memory broker-wide, read-ahead included
//   max.connections, max.connections.per.ip(.overrides)   ConnectionQuotas
//   connections.max.idle.ms, request.read.timeout.ms      ConnectionReaper
import { numberConfig, type BrokerConfig } from '../../config/broker-config.js'
import { FetchMemory } from '../../core/fetch-memory.js'
import { RequestPool } from './request-pool.js'
import { ConnectionQuotas, parseIpOverrides } from './connection-quotas.js'
import { ConnectionReaper } from './connection-reaper.js'

export interface NetworkLimits {
  requestPool: RequestPool
  fetchMemory: FetchMemory
  /** connection.max.queued.response.bytes */
  responseQueueBytes: number
  quotas: ConnectionQuotas
  reaper: ConnectionReaper
  /** The clock the connections and the reaper read (ms). */
  now: () => number
}

/** Kafka-compatible defaults as in config/definitions.ts (tests building a SocketServer by hand). */
export function defaultNetworkLimits (fetchMemory?: FetchMemory): NetworkLimits {
  return {
    requestPool: new RequestPool(128 * 1024 * 1024),
    fetchMemory: fetchMemory ?? new FetchMemory(128 * 1024 * 1024),
    responseQueueBytes: 8 * 1024 * 1024,
    quotas: new ConnectionQuotas({ maxConnections: Infinity, maxPerIp: Infinity, overrides: new Map() }),
    reaper: new ConnectionReaper({ idleMs: 600000, requestReadTimeoutMs: 60000 }),
    now: Date.now
  }
}

export function networkLimitsFrom (config: Pick<BrokerConfig, 'get'>, fetchMemory: FetchMemory): NetworkLimits {
  const num = (k: string): number => numberConfig(config, k)
  return {
    requestPool: new RequestPool(num('queued.max.request.bytes')),
    fetchMemory,
    responseQueueBytes: num('connection.max.queued.response.bytes'),
    quotas: new ConnectionQuotas({
      maxConnections: num('max.connections'),
      maxPerIp: num('max.connections.per.ip'),
      overrides: parseIpOverrides(config.get('max.connections.per.ip.overrides') ?? '')
    }),
    reaper: new ConnectionReaper({ idleMs: num('connections.max.idle.ms'), requestReadTimeoutMs: num('request.read.timeout.ms') }),
    now: Date.now
  }
}
