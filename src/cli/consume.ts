// `samsa consume TOPIC`: print records, replaying from anywhere (--from), stopping at a point (--until) or
// after --count records, or following new records like `tail -f` (the default). Ctrl-C (SIGINT) or SIGTERM
// stops cleanly: the current poll ends (at most maxWait, 500 ms), offsets are committed, the group is left,
// exit code 0; a second Ctrl-C exits at once (130).
//
// Start: --from, else (with --group) the group's committed offset, else the beginning (as kcat and rpk).
// Stop (exclusive): --until end = the log end offset when the partition was assigned; --until OFFSET =
// before that offset; --until TIME = before the first record whose timestamp is >= TIME (or at the end, when
// TIME has passed and the partition is caught up). Every partition stops on its own; the command ends when
// all have.
//
// --group G: joins G as a consumer (see client/group-member.ts), reads the partitions the group assigns and
// commits the offset after the last *printed* record of each partition about once a second and on exit,
// so a consumer stopped by --count resumes exactly after what it printed. --from places only the first
// assignment; after a rebalance each partition resumes at the group's committed offset.
//
// A lost connection or a restarting broker does not end a follow: the poll is retried (up to 5 times in a row,
// each reconnect being itself a bounded retry) with a warning on stderr.
import { UsageError } from './args.js'
import { CLIENT_OPTIONS_HELP, clusterFrom } from './common.js'
import { Options, parsePartitions } from './options.js'
import { CliError, exitQuietlyOnClosedStdout, out, warn } from './output.js'
import { describePosition, parsePosition, type PositionSpec } from './positions.js'
import { recordFormatter } from './record-format.js'
import { Fetcher } from '../client/fetcher.js'
import { GroupMember } from '../client/group-member.js'
import { LATEST_TIMESTAMP, listOffsets, offsetRange } from '../client/offsets.js'
import { resolveOffsets } from '../client/seek.js'
import type { Cluster } from '../client/cluster.js'
import { ErrorCode, errorCodeOf } from '../protocol/errors.js'

/** Consecutive failed polls (lost connection, broker unreachable) tolerated while following. */
const MAX_RECONNECTS = 5

export const CONSUME_HELP = `Usage: samsa consume TOPIC [options]

Prints the records of TOPIC and keeps following new ones, like tail -f (Ctrl-C stops), unless --until or
--count says when to stop.

Options:
  --from POS           where to start (default: the group's committed offset with --group, else beginning):
                         beginning | end | OFFSET | -N (N records before the end)
                         | TIME: 2024-05-01T10:00:00Z, a relative time -15m -2h -1d, or @epoch-ms
  --until POS          stop before POS instead of following: end (the end when reading starts) | OFFSET | TIME
  --count N            stop after N records
  --partition P[,P]    read only these partitions (default all)
  --group G            consume as a member of consumer group G and commit its offsets
  --format FMT         value (default) | json | a template: %t topic %p partition %o offset %T timestamp
                       %d ISO time %k key %v value %h headers %K/%S key/value length, \\n \\t
${CLIENT_OPTIONS_HELP.replace('machine-readable JSON on stdout instead of a table', 'the same as --format json')}

Examples:
  samsa consume orders                              # everything, then follow
  samsa consume orders --from end                   # only new records
  samsa consume orders --from 42 --partition 0 --until end
  samsa consume orders --from -15m --until end      # the last 15 minutes
  samsa consume orders --from 2024-05-01T10:00:00Z --until 2024-05-01T11:00:00Z
  samsa consume orders --from -10 --count 10 --format '%p@%o %k=%v'
  samsa consume orders --group billing --count 100 --json
`

export async function consumeCommand (argv: string[]): Promise<number> {
  const opts = new Options('consume', argv, {
    booleans: ['json'],
    values: ['brokers', 'from', 'until', 'count', 'partition', 'group', 'format']
  })
  if (opts.has('help')) {
    process.stdout.write(CONSUME_HELP)
    return 0
  }
  const [topic] = opts.expectPositionals(['TOPIC'])
  const now = Date.now()
  const from = opts.given('from') ? parsePosition('--from', opts.string('from')!, now) : undefined
  const until = opts.given('until') ? parsePosition('--until', opts.string('until')!, now) : undefined
  if (until?.kind === 'beginning') throw new UsageError('bad --until \'beginning\': there is nothing before the beginning; use end, an offset or a time')
  const count = opts.int('count', 1)
  const only = opts.given('partition') ? parsePartitions(opts.string('partition')!) : undefined
  const groupId = opts.string('group')
  if (groupId !== undefined && only !== undefined) throw new UsageError('--partition and --group cannot be combined: the group decides the partitions')
  if (groupId === '') throw new UsageError('--group cannot be empty')
  const format = recordFormatter(opts.has('json') ? 'json' : opts.string('format'))

  const cluster = clusterFrom(opts)
  exitQuietlyOnClosedStdout()
  let stopping = false
  let signals = 0
  const onSignal = (): void => {
    stopping = true
    if (++signals > 1) process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const member = groupId === undefined ? null : new GroupMember(cluster, { groupId, topic: topic! })
  try {
    const meta = await cluster.topic(topic!)
    const all = meta.partitions.map(p => p.partition)
    for (const p of only ?? []) {
      if (!all.includes(p)) throw new CliError(`topic '${topic!}' has no partition ${p} (it has ${all.length}: 0-${all.length - 1})`)
    }
    const fetcher = new Fetcher(cluster, topic!, {}, async (p, pos) => {
      const r = (await offsetRange(cluster, topic!, [p])).get(p)!
      const np = pos < r.start ? r.start : r.end
      warn(`${topic!}-${p}: offset ${pos} is no longer in the log (${r.start} to ${r.end}); continuing at ${np}`)
      return np
    })
    const stopAt = new Map<number, number>() // exclusive; Infinity: follow
    const stopTime = until?.kind === 'time' ? until.timestamp : null
    const done = new Set<number>()
    const next = new Map<number, number>() // after the last printed record, for commits
    let assigned: number[] = []
    let firstAssignment = true

    const setup = async (partitions: number[]): Promise<void> => {
      assigned = partitions
      done.clear()
      next.clear()
      // --from places the first assignment; after a rebalance the group's commits (made just before) decide.
      const start = await startPositions(cluster, topic!, partitions, firstAssignment ? from : undefined, member, from)
      firstAssignment = false
      const fresh = partitions.filter(p => !stopAt.has(p))
      for (const [p, o] of await stopPositions(cluster, topic!, fresh, until)) stopAt.set(p, o)
      const positions = new Map<number, number>()
      for (const p of partitions) {
        const o = start.get(p)!
        next.set(p, o)
        if (o >= stopAt.get(p)!) done.add(p)
        else positions.set(p, o)
      }
      fetcher.assign(positions)
      if (process.stderr.isTTY === true && until === undefined && count === undefined) {
        process.stderr.write(`following ${topic!} (partition${partitions.length === 1 ? '' : 's'} ${partitions.join(',') || 'none yet'}) from ${from === undefined ? (member !== null ? 'the committed offsets' : 'the beginning') : describePosition(from)}; Ctrl-C to stop\n`)
      }
    }

    let lastCommit = Date.now()
    const commit = async (): Promise<void> => {
      if (member === null || member.generationId < 0) return
      const offsets = new Map([...next].filter(([p]) => assigned.includes(p)))
      await member.commit(offsets)
      lastCommit = Date.now()
    }

    if (member === null) await setup(only ?? all)
    let printed = 0
    let lost = 0
    while (!stopping) {
      let records
      try {
        if (member !== null && member.rebalanceNeeded) {
          if (member.generationId >= 0) await commit()
          await setup(await member.join())
          continue
        }
        if (until !== undefined && assigned.every(p => done.has(p))) break
        records = await fetcher.poll()
        lost = 0
      } catch (err) {
        // A broker restart or a dropped connection (NETWORK_EXCEPTION): reconnect (each attempt is itself a bounded retry).
        if (stopping || errorCodeOf(err) !== ErrorCode.NETWORK_EXCEPTION || ++lost > MAX_RECONNECTS) throw err
        warn(`${(err as Error).message}; reconnecting (${lost}/${MAX_RECONNECTS})`)
        cluster.invalidate(topic!)
        if (member !== null) member.rebalanceNeeded = true
        await new Promise(resolve => setTimeout(resolve, 250 * lost))
        continue
      }
      // One write per poll: a write per record costs a syscall each (3x slower on big replays).
      let text = ''
      for (const r of records) {
        if (done.has(r.partition)) continue
        if (r.offset >= stopAt.get(r.partition)! || (stopTime !== null && r.timestamp >= stopTime)) {
          done.add(r.partition)
          fetcher.positions.delete(r.partition)
          continue
        }
        text += format(r)
        next.set(r.partition, r.offset + 1)
        if (count !== undefined && ++printed >= count) {
          stopping = true
          break
        }
      }
      if (text !== '') await out(text)
      for (const [p, pos] of fetcher.positions) {
        const caughtUp = (fetcher.highWatermarks.get(p) ?? Infinity) <= pos
        if (pos >= stopAt.get(p)! || (stopTime !== null && caughtUp && Date.now() >= stopTime)) {
          done.add(p)
          fetcher.positions.delete(p)
        }
      }
      if (member !== null && Date.now() - lastCommit >= 1000) await commit()
    }
    await commit()
    return 0
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await member?.leave()
    await cluster.close()
  }
}

/** Start offsets: `from`, else the group's commits (else `fallback`, else the beginning), else the beginning. */
async function startPositions (cluster: Cluster, topic: string, partitions: number[], from: PositionSpec | undefined, member: GroupMember | null,
  fallback?: PositionSpec): Promise<Map<number, number>> {
  if (partitions.length === 0) return new Map()
  if (from !== undefined) return await resolveOffsets(cluster, topic, partitions, from)
  const out = new Map<number, number>()
  if (member !== null) {
    const committed = await member.committed()
    const ranges = await offsetRange(cluster, topic, partitions)
    for (const p of partitions) {
      const c = committed.get(p)
      const r = ranges.get(p)!
      if (c !== undefined) out.set(p, Math.min(Math.max(c, r.start), r.end))
    }
  }
  const missing = partitions.filter(p => !out.has(p))
  if (missing.length > 0) for (const [p, o] of await resolveOffsets(cluster, topic, missing, fallback ?? { kind: 'beginning' })) out.set(p, o)
  return out
}

/** Exclusive stop offsets (Infinity: follow). */
async function stopPositions (cluster: Cluster, topic: string, partitions: number[], until: PositionSpec | undefined): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  if (partitions.length === 0) return out
  if (until === undefined) {
    for (const p of partitions) out.set(p, Infinity)
    return out
  }
  if (until.kind === 'offset') {
    for (const p of partitions) out.set(p, until.offset)
    return out
  }
  if (until.kind === 'time') {
    const found = await listOffsets(cluster, topic, partitions, until.timestamp)
    const ends = until.timestamp <= Date.now() ? await listOffsets(cluster, topic, partitions, LATEST_TIMESTAMP) : null
    for (const p of partitions) {
      const o = found.get(p)!.offset
      // No record that recent: a past time stops at today's end, a future one is watched for.
      out.set(p, o >= 0 ? o : ends !== null ? ends.get(p)!.offset : Infinity)
    }
    return out
  }
  return await resolveOffsets(cluster, topic, partitions, until)
}
