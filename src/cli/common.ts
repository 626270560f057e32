// What every networked command shares: the --brokers list (default 127.0.0.1:9092) turned into a Cluster
// that is closed when the command ends, and the common help text for --brokers and --json.
import { Cluster, parseBrokers } from '../client/cluster.js'
import { UsageError } from './args.js'
import type { Options } from './options.js'

export const DEFAULT_BROKERS = '127.0.0.1:9092'

export const CLIENT_OPTIONS_HELP = `  --brokers LIST       host:port[,host:port...] to bootstrap from (default ${DEFAULT_BROKERS})
  --json               machine-readable JSON on stdout instead of a table
  -h, --help           this help`

export function clusterFrom (opts: Options): Cluster {
  let brokers
  try {
    brokers = parseBrokers(opts.string('brokers') ?? DEFAULT_BROKERS)
  } catch (err) {
    throw new UsageError(`--brokers: ${(err as Error).message}`)
  }
  return new Cluster({ brokers, clientId: 'samsa-cli' })
}

/** Runs `fn` with a cluster built from --brokers, always closing its connections. */
export async function withCluster<T> (opts: Options, fn: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = clusterFrom(opts)
  try {
    return await fn(cluster)
  } finally {
    await cluster.close()
  }
}
