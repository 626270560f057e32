// `samsa topics list | create | describe | delete | add-partitions | alter`: topic administration, like
// kafka-topics.sh and kafka-configs.sh (or `rpk topic`), against Samsa or any Kafka cluster.
import { UsageError } from './args.js'
import { CLIENT_OPTIONS_HELP, withCluster } from './common.js'
import { Options } from './options.js'
import { CliError, out, table, toJson } from './output.js'
import { addPartitions, alterTopicConfigs, createTopic, deleteTopic, describeConfigs, listTopics, RESOURCE_TOPIC } from '../client/admin.js'
import { offsetRange } from '../client/offsets.js'
import { ErrorCode, errorCodeOf } from '../protocol/errors.js'

export const TOPICS_HELP = `Usage: samsa topics <subcommand> [options]

Subcommands:
  list                                   every topic with its partition count
  create NAME [--partitions N] [--replication-factor N] [--config k=v ...] [--if-not-exists]
  describe NAME [--all-configs]          partitions (leader, replicas, log start and end offsets) and the
                                         configs that differ from the defaults (all of them with --all-configs)
  delete NAME
  add-partitions NAME --partitions N     grow the topic to N partitions in total
  alter NAME --config k=v ... [--delete-config k ...]
                                         set or remove topic config overrides (IncrementalAlterConfigs,
                                         or AlterConfigs on brokers without it)

Options:
${CLIENT_OPTIONS_HELP}

Without --partitions or --replication-factor, create uses the broker's defaults (num.partitions,
default.replication.factor).

Examples:
  samsa topics list
  samsa topics create orders --partitions 3 --config retention.ms=86400000
  samsa topics describe orders
  samsa topics describe orders --json
  samsa topics add-partitions orders --partitions 6
  samsa topics alter orders --config cleanup.policy=compact --delete-config retention.ms
  samsa topics delete orders --brokers kafka1:9092,kafka2:9092
`

type Subcommand = (opts: Options) => Promise<number>

/** Subcommands in the order the usage errors list them. */
const SUBCOMMANDS = new Map<string, Subcommand>([
  ['list', list],
  ['create', create],
  ['describe', describe],
  ['delete', remove],
  ['add-partitions', addPartitionsTo],
  ['alter', alter]
])
const SUBCOMMAND_NAMES = [...SUBCOMMANDS.keys()].join(', ')

export async function topicsCommand (argv: string[]): Promise<number> {
  const opts = new Options('topics', argv, {
    booleans: ['json', 'if-not-exists', 'all-configs'],
    values: ['brokers', 'partitions', 'replication-factor', 'config', 'delete-config']
  })
  if (opts.has('help')) {
    process.stdout.write(TOPICS_HELP)
    return 0
  }
  const sub = opts.positionals[0]
  if (sub === undefined) throw new UsageError(`samsa topics needs a subcommand: ${SUBCOMMAND_NAMES}\n\n${TOPICS_HELP}`)
  const run = SUBCOMMANDS.get(sub)
  if (run === undefined) throw new UsageError(`unknown subcommand 'topics ${sub}': expected one of ${SUBCOMMAND_NAMES}`)
  return await run(opts)
}

/** `topics list`: every topic with its partition count and replication factor. */
async function list (opts: Options): Promise<number> {
  opts.expectPositionals([], 1)
  const topics = await withCluster(opts, listTopics)
  const rows = topics.map(t => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.length, replicationFactor: t.partitions[0]?.replicas.length ?? 0, internal: t.internal }))
  if (opts.has('json')) await out(toJson(rows) + '\n')
  else if (rows.length === 0) process.stderr.write('no topics\n')
  else {
    await out(table(rows, [
      { header: 'NAME', get: r => r.name },
      { header: 'PARTITIONS', get: r => r.partitions, right: true },
      { header: 'REPLICAS', get: r => r.replicationFactor, right: true },
      { header: 'INTERNAL', get: r => r.internal ? 'yes' : '' }
    ]))
  }
  return 0
}

/** `topics create NAME`: with --if-not-exists, an existing topic is reported and is not an error. */
async function create (opts: Options): Promise<number> {
  const [name] = opts.expectPositionals(['NAME'], 1)
  const partitions = opts.int('partitions', 1, 0x7fffffff)
  const replicationFactor = opts.int('replication-factor', 1, 0x7fff)
  const configs = opts.pairs('config')
  const json = opts.has('json')
  return await withCluster(opts, async cluster => {
    try {
      const created = await createTopic(cluster, { name: name!, partitions, replicationFactor, configs })
      if (json) await out(toJson(created) + '\n')
      else await out(`created topic ${created.name} (${created.partitions} partition${created.partitions === 1 ? '' : 's'}, replication factor ${created.replicationFactor})\n`)
    } catch (err) {
      if (opts.has('if-not-exists') && errorCodeOf(err) === ErrorCode.TOPIC_ALREADY_EXISTS) {
        if (json) await out(toJson({ name, existed: true }) + '\n')
        else await out(`topic ${name!} already exists\n`)
        return 0
      }
      throw err
    }
    return 0
  })
}

/** `topics describe NAME`: partitions with their log start and end offsets, then the topic's configs. */
async function describe (opts: Options): Promise<number> {
  const [name] = opts.expectPositionals(['NAME'], 1)
  const allConfigs = opts.has('all-configs')
  return await withCluster(opts, async cluster => {
    const t = await cluster.topic(name!, { refresh: true })
    const [ranges, configs] = await Promise.all([
      offsetRange(cluster, t.name, t.partitions.map(p => p.partition)),
      describeConfigs(cluster, RESOURCE_TOPIC, t.name)
    ])
    const shown = allConfigs ? configs : configs.filter(c => c.source !== 'DEFAULT_CONFIG')
    const partitions = t.partitions.map(p => ({
      partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr,
      logStartOffset: ranges.get(p.partition)!.start, logEndOffset: ranges.get(p.partition)!.end
    }))
    if (opts.has('json')) {
      await out(toJson({ name: t.name, topicId: t.topicId, internal: t.internal, partitions, configs: shown }) + '\n')
      return 0
    }
    await out(`Topic: ${t.name}  id: ${t.topicId}  partitions: ${t.partitions.length}  replication factor: ${t.partitions[0]?.replicas.length ?? 0}${t.internal ? '  (internal)' : ''}\n\n`)
    await out(table(partitions, [
      { header: 'PARTITION', get: r => r.partition, right: true },
      { header: 'LEADER', get: r => r.leader, right: true },
      { header: 'EPOCH', get: r => r.leaderEpoch, right: true },
      { header: 'REPLICAS', get: r => r.replicas.join(',') },
      { header: 'ISR', get: r => r.isr.join(',') },
      { header: 'LOG-START', get: r => r.logStartOffset, right: true },
      { header: 'LOG-END', get: r => r.logEndOffset, right: true },
      { header: 'RECORDS', get: r => r.logEndOffset - r.logStartOffset, right: true }
    ]))
    await out(`\n${allConfigs ? 'Configs' : 'Configs that differ from the defaults'}:${shown.length === 0 ? ' none' : ''}\n`)
    if (shown.length > 0) {
      await out(table(shown, [
        { header: 'KEY', get: c => c.name },
        { header: 'VALUE', get: c => c.sensitive ? '(sensitive)' : c.value },
        { header: 'SOURCE', get: c => c.source }
      ]))
    }
    return 0
  })
}

/** `topics delete NAME`. */
async function remove (opts: Options): Promise<number> {
  const [name] = opts.expectPositionals(['NAME'], 1)
  await withCluster(opts, cluster => deleteTopic(cluster, name!))
  if (opts.has('json')) await out(toJson({ name, deleted: true }) + '\n')
  else await out(`deleted topic ${name!}\n`)
  return 0
}

/** `topics add-partitions NAME --partitions N`: N is the new total and must exceed the current count. */
async function addPartitionsTo (opts: Options): Promise<number> {
  const [name] = opts.expectPositionals(['NAME'], 1)
  const total = opts.int('partitions', 1, 0x7fffffff)
  if (total === undefined) throw new UsageError('samsa topics add-partitions needs --partitions N (the new total)')
  await withCluster(opts, async cluster => {
    const t = await cluster.topic(name!)
    if (total <= t.partitions.length) {
      throw new CliError(`topic ${name!} already has ${t.partitions.length} partition${t.partitions.length === 1 ? '' : 's'}; --partitions is the new total and must be larger`)
    }
    await addPartitions(cluster, name!, total)
  })
  if (opts.has('json')) await out(toJson({ name, partitions: total }) + '\n')
  else await out(`topic ${name!} now has ${total} partitions\n`)
  return 0
}

/** `topics alter NAME`: sets (--config) and removes (--delete-config) topic config overrides. */
async function alter (opts: Options): Promise<number> {
  const [name] = opts.expectPositionals(['NAME'], 1)
  const set = opts.pairs('config')
  const del = opts.all('delete-config')
  if (Object.keys(set).length === 0 && del.length === 0) throw new UsageError('samsa topics alter needs --config key=value or --delete-config key')
  const how = await withCluster(opts, cluster => alterTopicConfigs(cluster, name!, { set, delete: del }))
  if (opts.has('json')) await out(toJson({ name, set, deleted: del, api: how === 'incremental' ? 'IncrementalAlterConfigs' : 'AlterConfigs' }) + '\n')
  else await out(`altered configs of topic ${name!}${how === 'replace' ? ' (with AlterConfigs: the broker has no IncrementalAlterConfigs)' : ''}\n`)
  return 0
}
