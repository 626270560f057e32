// `samsa groups list | describe | reset | delete`: consumer-group administration, like
// kafka-consumer-groups.sh (or `rpk group`). describe shows members with their assignment and, per
// partition, the committed offset, the log end offset and the lag between them. reset commits new offsets
// for a topic (all or some partitions) while the group has no members, as Kafka requires; --dry-run shows the
// plan without committing.
import { UsageError } from './args.js'
import { CLIENT_OPTIONS_HELP, withCluster } from './common.js'
import { Options, parsePartitions } from './options.js'
import { CliError, out, table, toJson } from './output.js'
import { parsePosition, type PositionSpec } from './positions.js'
import { commitOffsets, committedOffsets, deleteGroup, describeGroup, listGroups, type CommittedOffset, type GroupDescription } from '../client/groups.js'
import { LATEST_TIMESTAMP, listOffsets } from '../client/offsets.js'
import { resolveOffsets } from '../client/seek.js'
import type { Cluster } from '../client/cluster.js'

export const GROUPS_HELP = `Usage: samsa groups <subcommand> [options]

Subcommands:
  list                        every consumer group with its state
  describe G                  members and assignments; per partition the committed offset, the log end
                              offset and the lag
  reset G --topic T --to POS [--partition P[,P]] [--dry-run]
                              set the group's committed offsets of T (the group must have no members):
                              POS is earliest | latest | OFFSET | -N (N before the end)
                              | TIME (2024-05-01T10:00:00Z, -15m, @epoch-ms)
  delete G                    delete a group that has no members, with its committed offsets

Options:
${CLIENT_OPTIONS_HELP}

Examples:
  samsa groups list
  samsa groups describe billing
  samsa groups reset billing --topic orders --to earliest --dry-run
  samsa groups reset billing --topic orders --to 2024-05-01T10:00:00Z
  samsa groups reset billing --topic orders --to 42 --partition 0
  samsa groups delete billing
`

interface OffsetRow { topic: string; partition: number; committed: number | null; logEndOffset: number | null; lag: number | null; memberId: string | null; clientId: string | null; host: string | null }

/** Log end offsets of topic-partitions; null for a topic that no longer exists. */
async function endOffsets (cluster: Cluster, wanted: Map<string, Set<number>>): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>()
  for (const [topic, parts] of wanted) {
    let ends: Awaited<ReturnType<typeof listOffsets>> | null = null
    try {
      const meta = await cluster.topic(topic, { refresh: true })
      const known = [...parts].filter(p => meta.partitions.some(x => x.partition === p))
      ends = await listOffsets(cluster, topic, known, LATEST_TIMESTAMP)
    } catch {
      ends = null
    }
    for (const p of parts) out.set(`${topic}\0${p}`, ends?.get(p)?.offset ?? null)
  }
  return out
}

type Subcommand = (opts: Options) => Promise<number>

/** Subcommands in the order the usage errors list them. */
const SUBCOMMANDS = new Map<string, Subcommand>([
  ['list', list],
  ['describe', describe],
  ['reset', reset],
  ['delete', remove]
])
const SUBCOMMAND_NAMES = [...SUBCOMMANDS.keys()].join(', ')

export async function groupsCommand (argv: string[]): Promise<number> {
  const opts = new Options('groups', argv, { booleans: ['json', 'dry-run'], values: ['brokers', 'topic', 'to', 'partition'] })
  if (opts.has('help')) {
    process.stdout.write(GROUPS_HELP)
    return 0
  }
  const sub = opts.positionals[0]
  if (sub === undefined) throw new UsageError(`samsa groups needs a subcommand: ${SUBCOMMAND_NAMES}\n\n${GROUPS_HELP}`)
  const run = SUBCOMMANDS.get(sub)
  if (run === undefined) throw new UsageError(`unknown subcommand 'groups ${sub}': expected one of ${SUBCOMMAND_NAMES}`)
  return await run(opts)
}

/** `groups list`: every consumer group with its state. */
async function list (opts: Options): Promise<number> {
  opts.expectPositionals([], 1)
  const groups = await withCluster(opts, listGroups)
  if (opts.has('json')) await out(toJson(groups) + '\n')
  else if (groups.length === 0) process.stderr.write('no groups\n')
  else {
    await out(table(groups, [
      { header: 'GROUP', get: g => g.groupId },
      { header: 'STATE', get: g => g.state },
      { header: 'PROTOCOL-TYPE', get: g => g.protocolType }
    ]))
  }
  return 0
}

/** `groups describe G`: the members with their assignments, then the committed offset and lag per partition. */
async function describe (opts: Options): Promise<number> {
  const [groupId] = opts.expectPositionals(['G'], 1)
  return await withCluster(opts, async cluster => {
    const [desc, committed] = await Promise.all([describeGroup(cluster, groupId!), committedOffsets(cluster, groupId!, null)])
    if (desc.state === 'Dead' && desc.members.length === 0 && committed.length === 0) throw new CliError(`unknown group '${groupId!}'`)
    const rows = await offsetRows(cluster, desc, committed)
    if (opts.has('json')) {
      await out(toJson({ groupId, state: desc.state, protocolType: desc.protocolType, protocol: desc.protocol, members: desc.members, offsets: rows }) + '\n')
      return 0
    }
    await out(`Group: ${groupId!}  state: ${desc.state}  protocol: ${desc.protocolType === '' ? '-' : `${desc.protocolType}/${desc.protocol || '-'}`}  members: ${desc.members.length}\n`)
    if (desc.members.length > 0) {
      await out('\n' + table(desc.members, [
        { header: 'MEMBER-ID', get: m => m.memberId },
        { header: 'CLIENT-ID', get: m => m.clientId },
        { header: 'HOST', get: m => m.clientHost },
        { header: 'ASSIGNMENT', get: m => m.assignment.map(a => `${a.topic}:${a.partitions.join(',')}`).join(' ') || '-' }
      ]))
    }
    if (rows.length > 0) {
      await out('\n' + table(rows, [
        { header: 'TOPIC', get: r => r.topic },
        { header: 'PARTITION', get: r => r.partition, right: true },
        { header: 'COMMITTED', get: r => r.committed, right: true },
        { header: 'LOG-END', get: r => r.logEndOffset, right: true },
        { header: 'LAG', get: r => r.lag, right: true },
        { header: 'MEMBER-ID', get: r => r.memberId }
      ]))
    }
    return 0
  })
}

/**
 * One row per partition the group is assigned or has committed, sorted by topic and partition: the committed
 * offset, the log end offset, the lag between them and the member that owns the partition.
 */
async function offsetRows (cluster: Cluster, desc: GroupDescription, committed: CommittedOffset[]): Promise<OffsetRow[]> {
  const owner = new Map<string, { memberId: string, clientId: string, host: string }>()
  const wanted = new Map<string, Set<number>>()
  const want = (t: string, p: number): void => { wanted.set(t, (wanted.get(t) ?? new Set()).add(p)) }
  for (const m of desc.members) {
    for (const a of m.assignment) {
      for (const p of a.partitions) {
        owner.set(`${a.topic}\0${p}`, { memberId: m.memberId, clientId: m.clientId, host: m.clientHost })
        want(a.topic, p)
      }
    }
  }
  for (const c of committed) want(c.topic, c.partition)
  const ends = await endOffsets(cluster, wanted)
  const byKey = new Map(committed.map(c => [`${c.topic}\0${c.partition}`, c.offset]))
  return [...wanted].flatMap(([topic, parts]) => [...parts].map(partition => {
    const key = `${topic}\0${partition}`
    const c = byKey.get(key) ?? null
    const end = ends.get(key) ?? null
    const o = owner.get(key)
    return { topic, partition, committed: c, logEndOffset: end, lag: c !== null && end !== null ? Math.max(0, end - c) : null, memberId: o?.memberId ?? null, clientId: o?.clientId ?? null, host: o?.host ?? null }
  })).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
}

/** `groups reset G --topic T --to POS`: commits new offsets for T while the group has no members. */
async function reset (opts: Options): Promise<number> {
  const [groupId] = opts.expectPositionals(['G'], 1)
  const topic = opts.string('topic')
  if (topic === undefined) throw new UsageError('samsa groups reset needs --topic T')
  const toRaw = opts.string('to')
  if (toRaw === undefined) throw new UsageError('samsa groups reset needs --to earliest|latest|OFFSET|TIME')
  const to = parsePosition('--to', toRaw)
  const only = opts.given('partition') ? parsePartitions(opts.string('partition')!) : undefined
  const dryRun = opts.has('dry-run')
  return await withCluster(opts, async cluster => {
    const rows = await resetOffsets(cluster, groupId!, topic, to, only, dryRun)
    if (opts.has('json')) {
      await out(toJson({ groupId, dryRun, offsets: rows }) + '\n')
      return 0
    }
    await out(table(rows, [
      { header: 'TOPIC', get: r => r.topic },
      { header: 'PARTITION', get: r => r.partition, right: true },
      { header: 'PREVIOUS', get: r => r.previous, right: true },
      { header: dryRun ? 'NEW (DRY RUN)' : 'NEW', get: r => r.offset, right: true }
    ]))
    process.stderr.write(dryRun ? 'dry run: nothing was committed\n' : `reset group ${groupId!} on ${topic}\n`)
    return 0
  })
}

interface ResetRow { topic: string, partition: number, previous: number | null, offset: number }

/**
 * Resolves `to` on the partitions of `topic` (`only`, else all) and commits the result for the group, unless
 * `dryRun`; the group must be Empty or Dead. Returns the previous and the new offset of each partition.
 */
async function resetOffsets (cluster: Cluster, groupId: string, topic: string, to: PositionSpec, only: number[] | undefined,
  dryRun: boolean): Promise<ResetRow[]> {
  const desc = await describeGroup(cluster, groupId)
  if (desc.state !== 'Empty' && desc.state !== 'Dead') {
    throw new CliError(`cannot reset group '${groupId}' while it has active members (state ${desc.state}, ${desc.members.length} member${desc.members.length === 1 ? '' : 's'}); stop its consumers first`)
  }
  const meta = await cluster.topic(topic)
  const all = meta.partitions.map(p => p.partition)
  for (const p of only ?? []) {
    if (!all.includes(p)) throw new CliError(`topic '${topic}' has no partition ${p} (it has ${all.length}: 0-${all.length - 1})`)
  }
  const partitions = only ?? all
  const [target, committed] = await Promise.all([
    resolveOffsets(cluster, topic, partitions, to),
    committedOffsets(cluster, groupId, [{ topic, partitions }])
  ])
  const before = new Map(committed.filter(c => c.topic === topic).map(c => [c.partition, c.offset]))
  if (!dryRun) await commitOffsets(cluster, groupId, topic, target)
  return partitions.map(p => ({ topic, partition: p, previous: before.get(p) ?? null, offset: target.get(p)! }))
}

/** `groups delete G`: only a group without members can be deleted. */
async function remove (opts: Options): Promise<number> {
  const [groupId] = opts.expectPositionals(['G'], 1)
  await withCluster(opts, cluster => deleteGroup(cluster, groupId!))
  if (opts.has('json')) await out(toJson({ groupId, deleted: true }) + '\n')
  else await out(`deleted group ${groupId!}\n`)
  return 0
}
