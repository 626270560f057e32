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
import { recordFormatter, type RecordFormatter } from './record-format.js'
import { Fetcher, type ConsumedRecord } from '../client/fetcher.js'
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
  const settings = consumeSettings(opts)
  const cluster = clusterFrom(opts)
  exitQuietlyOnClosedStdout()
  const stop = new StopSignals()
  const member = settings.groupId === undefined ? null : new GroupMember(cluster, { groupId: settings.groupId, topic: settings.topic })
  try {
    const meta = await cluster.topic(settings.topic)
    const all = meta.partitions.map(p => p.partition)
    for (const p of settings.only ?? []) {
      if (!all.includes(p)) throw new CliError(`topic '${settings.topic}' has no partition ${p} (it has ${all.length}: 0-${all.length - 1})`)
    }
    const run = new ConsumeRun(cluster, settings, member, stop)
    if (member === null) await run.assign(settings.only ?? all)
    await run.loop()
    await run.commit()
    return 0
  } finally {
    stop.remove()
    await member?.leave()
    await cluster.close()
  }
}

/** What `samsa consume` was asked to do, checked before any connection is made. */
interface ConsumeSettings {
  topic: string
  from: PositionSpec | undefined
  until: PositionSpec | undefined
  count: number | undefined
  /** --partition; undefined: every partition (or, with a group, the ones it assigns). */
  only: number[] | undefined
  groupId: string | undefined
  format: RecordFormatter
}

function consumeSettings (opts: Options): ConsumeSettings {
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
  return { topic: topic!, from, until, count, only, groupId, format }
}

/** SIGINT and SIGTERM while consuming: the first asks the loop to stop, a second exits at once (130). */
class StopSignals {
  /** Set by a signal, or by the loop itself when --count is reached. */
  requested = false
  private received = 0
  private readonly onSignal = (): void => {
    this.requested = true
    if (++this.received > 1) process.exit(130)
  }

  constructor () {
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  remove (): void {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}

/**
 * One consume run: the partitions assigned, where each stops, which are done, and the offset after the last
 * printed record of each (what commit() commits for the group).
 */
class ConsumeRun {
  private readonly topic: string
  private readonly fetcher: Fetcher
  /** Exclusive stop offset per partition; Infinity: follow. Kept across rebalances. */
  private readonly stopAt = new Map<number, number>()
  private readonly stopTime: number | null
  private readonly done = new Set<number>()
  /** After the last printed record, for commits. */
  private readonly next = new Map<number, number>()
  private assigned: number[] = []
  private firstAssignment = true
  private lastCommit = Date.now()
  private printed = 0

  constructor (private readonly cluster: Cluster, private readonly settings: ConsumeSettings, private readonly member: GroupMember | null,
    private readonly stop: StopSignals) {
    const topic = this.topic = settings.topic
    this.fetcher = new Fetcher(cluster, topic, {}, async (p, pos) => {
      const r = (await offsetRange(cluster, topic, [p])).get(p)!
      const np = pos < r.start ? r.start : r.end
      warn(`${topic}-${p}: offset ${pos} is no longer in the log (${r.start} to ${r.end}); continuing at ${np}`)
      return np
    })
    this.stopTime = settings.until?.kind === 'time' ? settings.until.timestamp : null
  }

  /** Starts reading `partitions` (the whole assignment, replacing the previous one). */
  async assign (partitions: number[]): Promise<void> {
    const { from, until, count } = this.settings
    this.assigned = partitions
    this.done.clear()
    this.next.clear()
    // --from places the first assignment; after a rebalance the group's commits (made just before) decide.
    const start = await startPositions(this.cluster, this.topic, partitions, this.firstAssignment ? from : undefined, this.member, from)
    this.firstAssignment = false
    const fresh = partitions.filter(p => !this.stopAt.has(p))
    for (const [p, o] of await stopPositions(this.cluster, this.topic, fresh, until)) this.stopAt.set(p, o)
    const positions = new Map<number, number>()
    for (const p of partitions) {
      const o = start.get(p)!
      this.next.set(p, o)
      if (o >= this.stopAt.get(p)!) this.done.add(p)
      else positions.set(p, o)
    }
    this.fetcher.assign(positions)
    if (process.stderr.isTTY === true && until === undefined && count === undefined) {
      process.stderr.write(`following ${this.topic} (partition${partitions.length === 1 ? '' : 's'} ${partitions.join(',') || 'none yet'}) from ${from === undefined ? (this.member !== null ? 'the committed offsets' : 'the beginning') : describePosition(from)}; Ctrl-C to stop\n`)
    }
  }

  /** Commits the group's offsets of the assigned partitions (nothing without a group or before joining). */
  async commit (): Promise<void> {
    const member = this.member
    if (member === null || member.generationId < 0) return
    const offsets = new Map([...this.next].filter(([p]) => this.assigned.includes(p)))
    await member.commit(offsets)
    this.lastCommit = Date.now()
  }

  /** Polls and prints until a stop is requested, --count is reached, or (with --until) every partition is done. */
  async loop (): Promise<void> {
    const member = this.member
    let lost = 0
    while (!this.stop.requested) {
      let records
      try {
        if (member !== null && member.rebalanceNeeded) {
          if (member.generationId >= 0) await this.commit()
          await this.assign(await member.join())
          continue
        }
        if (this.settings.until !== undefined && this.assigned.every(p => this.done.has(p))) break
        records = await this.fetcher.poll()
        lost = 0
      } catch (err) {
        // A broker restart or a dropped connection (NETWORK_EXCEPTION): reconnect (each attempt is itself a bounded retry).
        if (this.stop.requested || errorCodeOf(err) !== ErrorCode.NETWORK_EXCEPTION || ++lost > MAX_RECONNECTS) throw err
        await this.reconnect(err as Error, lost)
        continue
      }
      await this.print(records)
      this.finishCaughtUp()
      if (member !== null && Date.now() - this.lastCommit >= 1000) await this.commit()
    }
  }

  /** After the `lost`-th failed poll in a row: forget the topic's leaders (and rejoin the group), then wait. */
  private async reconnect (err: Error, lost: number): Promise<void> {
    warn(`${err.message}; reconnecting (${lost}/${MAX_RECONNECTS})`)
    this.cluster.invalidate(this.topic)
    if (this.member !== null) this.member.rebalanceNeeded = true
    await new Promise(resolve => setTimeout(resolve, 250 * lost))
  }

  /** Prints the records before each partition's stop, up to --count; a partition reaching its stop is done. */
  private async print (records: ConsumedRecord[]): Promise<void> {
    const { count, format } = this.settings
    // One write per poll: a write per record costs a syscall each (3x slower on big replays).
    let text = ''
    for (const r of records) {
      if (this.done.has(r.partition)) continue
      if (r.offset >= this.stopAt.get(r.partition)! || (this.stopTime !== null && r.timestamp >= this.stopTime)) {
        this.done.add(r.partition)
        this.fetcher.positions.delete(r.partition)
        continue
      }
      text += format(r)
      this.next.set(r.partition, r.offset + 1)
      if (count !== undefined && ++this.printed >= count) {
        this.stop.requested = true
        break
      }
    }
    if (text !== '') await out(text)
  }

  /** Partitions whose position reached their stop offset, or that caught up after --until TIME passed, are done. */
  private finishCaughtUp (): void {
    const fetcher = this.fetcher
    for (const [p, pos] of fetcher.positions) {
      const caughtUp = (fetcher.highWatermarks.get(p) ?? Infinity) <= pos
      if (pos >= this.stopAt.get(p)! || (this.stopTime !== null && caughtUp && Date.now() >= this.stopTime)) {
        this.done.add(p)
        fetcher.positions.delete(p)
      }
    }
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
