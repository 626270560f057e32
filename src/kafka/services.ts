// What the Kafka front door's handlers may use: the core's services, plus the APIs the front door serves
// (ApiVersions). The address a client is told to connect to is its listener's (ctx.session.listener).
//
// A handler declares the names it uses (`uses` in its defineHandler) and receives only those (see
// handler.ts); nothing here hands out the broker itself. Coordinators that load on first use (groups,
// transactions) are Lazy: a handler awaits get(), or reads `current` where it must not wait; the group coordinator
// is created before any handler that uses it is loaded.
import type { BrokerConfig } from '../config/broker-config.js'
import type { Logger } from '../logger.js'
import type { FetchPurgatory } from '../core/fetch-purgatory.js'
import type { FetchReadAhead } from '../core/fetch-readahead.js'
import type { GroupCoordinator } from '../core/groups/coordinator.js'
import type { Lazy } from '../core/lazy.js'
import type { ProducerIdManager } from '../core/producer-ids.js'
import type { Topics } from '../core/topics.js'
import type { ScramCredentialStore } from '../core/security/sasl/scram-credentials.js'
import type { TransactionCoordinator } from '../core/transactions/coordinator.js'
import type { ClientQuotas } from '../core/quotas/client-quotas.js'
import type { Authorizer } from '../core/security/acl/authorizer.js'

export interface AdvertisedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** What the Kafka front door serves (the listener a request arrived on is the request's: ctx.session.listener). */
export interface ListenerInfo {
  /** Every served API and its version range, in key order (ApiVersions). */
  apis: () => AdvertisedApi[]
}

export interface KafkaServices {
  readonly config: BrokerConfig
  readonly logger: Logger
  readonly nodeId: number
  readonly clusterId: string
  /** True once the broker is shutting down. */
  readonly closing: boolean
  readonly topics: Topics
  /** Producer ids for InitProducerId (the partitions' producer state is their own: storage/partition.ts). */
  readonly producerIds: ProducerIdManager
  readonly purgatory: FetchPurgatory
  readonly readAhead: FetchReadAhead
  /** The group coordinator; only the lazily loaded handlers use it, and they load after it is created. */
  readonly groups: GroupCoordinator
  readonly transactions: Lazy<TransactionCoordinator>
  /** Deletes a topic with everything that hangs off it (producer state, committed offsets). */
  deleteTopic: (name: string) => Promise<void>
  /** Whether the producer's open transaction holds the partition (see Core.checkTransactionPartition). */
  checkTransactionPartition: (transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number, fenced: boolean) => Promise<{ errorCode: number, message: string | null }>
  /** Appends a transaction marker to a partition, as WriteTxnMarkers asks (see core/transactions/markers.ts). */
  appendTxnMarker: (topic: string, partition: number, producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number) => Promise<{ errorCode: number, message: string | null }>
  /** ACL checks: ask through kafka/authorize.ts with the request's session (principal, client host). */
  readonly authorizer: Authorizer
  readonly listener: ListenerInfo
  /** Durable SCRAM credentials (Describe/AlterUserScramCredentials; the SASL exchange reads them too). */
  readonly scramCredentials: ScramCredentialStore
  /** Client quotas: the store (DescribeClientQuotas, AlterClientQuotas) and the usage managers (quota-throttle.ts). */
  readonly quotas: ClientQuotas
}

export type ServiceName = keyof KafkaServices

/**
 * A view of `services` with only `names` (read through, so a value that changes, like `closing`, is current).
 * A handler gets its view once, when it is registered.
 */
export function narrow<const N extends ServiceName> (services: KafkaServices, names: readonly N[]): Pick<KafkaServices, N> {
  const view = {}
  for (const name of names) {
    if (!(name in services)) throw new Error(`unknown service '${String(name)}' (services: ${Object.keys(services).join(', ')})`)
    Object.defineProperty(view, name, { enumerable: true, get: () => services[name] })
  }
  return view as Pick<KafkaServices, N>
}
