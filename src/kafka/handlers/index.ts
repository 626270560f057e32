// The handler table: every API this broker serves. ApiVersions advertises exactly these, in key order.
//
// The APIs every client uses from its first request (produce, fetch, offsets, metadata, versions) load with
// the svc. The others load right after the listener is up (or on their first request, which then waits
// for them): their modules, the group coordinator and their generated codecs are a third of the code, and
// `samsa start` answers sooner without them. Their version ranges are listed here so ApiVersions is exact
// before they load; Router.loadLazy() checks that each loaded handler declares the same range.
import type { Handler } from '../handler.js'
import produce from './00-produce.js'
import fetch from './01-fetch.js'
import listOffsets from './02-list-offsets.js'
import metadata from './03-metadata.js'
import apiVersions from './18-api-versions.js'
import saslHandshake from './17-sasl-handshake.js'
import saslAuthenticate from './36-sasl-authenticate.js'

export interface LazyHandler {
  apiKey: number
  minVersion: number
  maxVersion: number
  load: () => Promise<Handler>
}

// SaslHandshake and SaslAuthenticate are eager: they are a SASL client's first requests, and the handshake
// must run synchronously (the legacy v0 framing applies from the next frame).
export const EAGER_HANDLERS: readonly Handler[] = [produce, fetch, listOffsets, metadata, saslHandshake, apiVersions, saslAuthenticate]

export const LAZY_HANDLERS: readonly LazyHandler[] = [
  { apiKey: 8, minVersion: 0, maxVersion: 9, load: async () => (await import('./08-offset-commit.js')).default },
  { apiKey: 9, minVersion: 0, maxVersion: 9, load: async () => (await import('./09-offset-fetch.js')).default },
  { apiKey: 10, minVersion: 0, maxVersion: 5, load: async () => (await import('./10-find-coordinator.js')).default },
  { apiKey: 11, minVersion: 0, maxVersion: 9, load: async () => (await import('./11-join-group.js')).default },
  { apiKey: 12, minVersion: 0, maxVersion: 4, load: async () => (await import('./12-heartbeat.js')).default },
  { apiKey: 13, minVersion: 0, maxVersion: 5, load: async () => (await import('./13-leave-group.js')).default },
  { apiKey: 14, minVersion: 0, maxVersion: 5, load: async () => (await import('./14-sync-group.js')).default },
  { apiKey: 15, minVersion: 0, maxVersion: 5, load: async () => (await import('./15-describe-groups.js')).default },
  { apiKey: 16, minVersion: 0, maxVersion: 4, load: async () => (await import('./16-list-groups.js')).default },
  { apiKey: 19, minVersion: 0, maxVersion: 7, load: async () => (await import('./19-create-topics.js')).default },
  { apiKey: 20, minVersion: 0, maxVersion: 6, load: async () => (await import('./20-delete-topics.js')).default },
  { apiKey: 21, minVersion: 0, maxVersion: 2, load: async () => (await import('./21-delete-records.js')).default },
  { apiKey: 22, minVersion: 0, maxVersion: 5, load: async () => (await import('./22-init-producer-id.js')).default },
  { apiKey: 24, minVersion: 0, maxVersion: 3, load: async () => (await import('./24-add-partitions-to-txn.js')).default },
  { apiKey: 25, minVersion: 0, maxVersion: 4, load: async () => (await import('./25-add-offsets-to-txn.js')).default },
  { apiKey: 26, minVersion: 0, maxVersion: 4, load: async () => (await import('./26-end-txn.js')).default },
  { apiKey: 27, minVersion: 0, maxVersion: 1, load: async () => (await import('./27-write-txn-markers.js')).default },
  { apiKey: 28, minVersion: 0, maxVersion: 4, load: async () => (await import('./28-txn-offset-commit.js')).default },
  { apiKey: 29, minVersion: 0, maxVersion: 3, load: async () => (await import('./29-describe-acls.js')).default },
  { apiKey: 30, minVersion: 0, maxVersion: 3, load: async () => (await import('./30-create-acls.js')).default },
  { apiKey: 31, minVersion: 0, maxVersion: 3, load: async () => (await import('./31-delete-acls.js')).default },
  { apiKey: 32, minVersion: 0, maxVersion: 4, load: async () => (await import('./32-describe-configs.js')).default },
  { apiKey: 33, minVersion: 0, maxVersion: 2, load: async () => (await import('./33-alter-configs.js')).default },
  { apiKey: 37, minVersion: 0, maxVersion: 3, load: async () => (await import('./37-create-partitions.js')).default },
  { apiKey: 42, minVersion: 0, maxVersion: 2, load: async () => (await import('./42-delete-groups.js')).default },
  { apiKey: 44, minVersion: 0, maxVersion: 1, load: async () => (await import('./44-incremental-alter-configs.js')).default },
  { apiKey: 45, minVersion: 0, maxVersion: 0, load: async () => (await import('./45-alter-partition-reassignments.js')).default },
  { apiKey: 46, minVersion: 0, maxVersion: 0, load: async () => (await import('./46-list-partition-reassignments.js')).default },
  { apiKey: 47, minVersion: 0, maxVersion: 0, load: async () => (await import('./47-offset-delete.js')).default },
  { apiKey: 48, minVersion: 0, maxVersion: 1, load: async () => (await import('./48-describe-client-quotas.js')).default },
  { apiKey: 49, minVersion: 0, maxVersion: 1, load: async () => (await import('./49-alter-client-quotas.js')).default },
  { apiKey: 50, minVersion: 0, maxVersion: 0, load: async () => (await import('./50-describe-user-scram-credentials.js')).default },
  { apiKey: 51, minVersion: 0, maxVersion: 0, load: async () => (await import('./51-alter-user-scram-credentials.js')).default },
  { apiKey: 60, minVersion: 0, maxVersion: 1, load: async () => (await import('./60-describe-cluster.js')).default },
  { apiKey: 61, minVersion: 0, maxVersion: 0, load: async () => (await import('./61-describe-producers.js')).default },
  { apiKey: 65, minVersion: 0, maxVersion: 0, load: async () => (await import('./65-describe-transactions.js')).default },
  { apiKey: 66, minVersion: 0, maxVersion: 1, load: async () => (await import('./66-list-transactions.js')).default }
]
