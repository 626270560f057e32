// `samsa groups` and `samsa consume --group` end to end (spawned, against a broker the test starts): a group
// consumer commits exactly what it printed and the next one resumes there; describe shows members,
// assignments, committed offsets, log end offsets and lag; reset (to an offset, a time, earliest, latest,
// dry run) followed by a consume that resumes at the reset point; reset and delete refused while members are
// active; list; delete; and the error paths.
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { runCli, startCli } from './run-cli.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const lines = (s: string): string[] => s.split('\n').filter(l => l !== '')

t.test('a group consumer resumes where it stopped; reset moves it; describe shows the lag', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['produce', 'orders', ...B], { input: Array.from({ length: 6 }, (_, i) => `r${i}`).join('\n') + '\n' })).code, 0)
  await sleep(50)
  const middle = Date.now()
  await sleep(50)
  t.equal((await runCli(['produce', 'orders', ...B], { input: 'r6\nr7\nr8\nr9\n' })).code, 0)

  let r = await runCli(['consume', 'orders', '--group', 'billing', '--count', '3', ...B])
  t.equal(r.code, 0, r.stderr)
  t.same(lines(r.stdout), ['r0', 'r1', 'r2'], 'a new group starts at the beginning')

  r = await runCli(['groups', 'describe', 'billing', '--json', ...B])
  t.equal(r.code, 0, r.stderr)
  let d = JSON.parse(r.stdout)
  t.equal(d.state, 'Empty', 'the member left when it exited')
  t.same(d.offsets.map((o: any) => [o.topic, o.partition, o.committed, o.logEndOffset, o.lag]), [['orders', 0, 3, 10, 7]], 'committed after the last printed record')
  r = await runCli(['groups', 'describe', 'billing', ...B])
  t.match(r.stdout, /^Group: billing {2}state: Empty/)
  t.match(r.stdout, /TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG\s+MEMBER-ID\norders\s+0\s+3\s+10\s+7\s+-\n/)

  r = await runCli(['consume', 'orders', '--group', 'billing', '--count', '2', ...B])
  t.same(lines(r.stdout), ['r3', 'r4'], 'the next consumer resumes at the committed offset')

  r = await runCli(['groups', 'reset', 'billing', '--topic', 'orders', '--to', '1', '--dry-run', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /TOPIC\s+PARTITION\s+PREVIOUS\s+NEW \(DRY RUN\)\norders\s+0\s+5\s+1\n/)
  t.match(r.stderr, /dry run: nothing was committed/)
  r = await runCli(['groups', 'reset', 'billing', '--topic', 'orders', '--to', '1', ...B])
  t.equal(r.code, 0, r.stderr)
  r = await runCli(['consume', 'orders', '--group', 'billing', '--until', 'end', ...B])
  t.same(lines(r.stdout), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'], 'after a reset, consume resumes at the reset point')

  r = await runCli(['groups', 'reset', 'billing', '--topic', 'orders', '--to', new Date(middle).toISOString(), '--json', ...B])
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout).offsets, [{ topic: 'orders', partition: 0, previous: 10, offset: 6 }], 'reset to a time: the first offset at or after it')
  r = await runCli(['consume', 'orders', '--group', 'billing', '--count', '1', ...B])
  t.same(lines(r.stdout), ['r6'], 'consume resumes at the time reset point')

  for (const [to, want] of [['earliest', 0], ['latest', 10], ['-3', 7]] as const) {
    r = await runCli(['groups', 'reset', 'billing', '--topic', 'orders', '--to', to, '--json', ...B])
    t.equal(JSON.parse(r.stdout).offsets[0].offset, want, `reset --to ${to}`)
  }

  r = await runCli(['groups', 'list', ...B])
  t.match(r.stdout, /^GROUP\s+STATE\s+PROTOCOL-TYPE\nbilling\s+Empty\s+consumer\n/)

  // An active member: describe shows it; reset and delete are refused.
  const member = startCli(['consume', 'orders', '--group', 'billing', ...B])
  t.same(await member.lines(3), ['r7', 'r8', 'r9'])
  r = await runCli(['groups', 'describe', 'billing', '--json', ...B])
  d = JSON.parse(r.stdout)
  t.equal(d.state, 'Stable')
  t.equal(d.members.length, 1)
  t.same(d.members[0].assignment, [{ topic: 'orders', partitions: [0] }], 'the member owns the partition (range assignor)')
  t.equal(d.offsets[0].memberId, d.members[0].memberId)
  r = await runCli(['groups', 'reset', 'billing', '--topic', 'orders', '--to', 'earliest', ...B])
  t.equal(r.code, 1)
  t.match(r.stderr, /cannot reset group 'billing' while it has active members \(state Stable, 1 member\); stop its consumers first/)
  r = await runCli(['groups', 'delete', 'billing', ...B])
  t.equal(r.code, 1)
  t.match(r.stderr, /group 'billing' still has members/)
  const stopped = await member.stop('SIGINT')
  t.equal(stopped.code, 0, stopped.stderr)

  r = await runCli(['groups', 'describe', 'billing', '--json', ...B])
  d = JSON.parse(r.stdout)
  t.equal(d.state, 'Empty', 'Ctrl-C left the group at once')
  t.equal(d.offsets[0].committed, 10, 'and committed what it printed')

  r = await runCli(['groups', 'delete', 'billing', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /deleted group billing/)
  r = await runCli(['groups', 'describe', 'billing', ...B])
  t.equal(r.code, 1)
  t.equal(r.stderr, "samsa: unknown group 'billing'\n")
})

t.test('errors', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['produce', 'one', ...B], { input: 'a\n' })).code, 0)
  const cases: Array<[string[], number, RegExp]> = [
    [['groups', 'reset', 'g', '--to', 'earliest', ...B], 2, /samsa groups reset needs --topic T/],
    [['groups', 'reset', 'g', '--topic', 'one', ...B], 2, /samsa groups reset needs --to earliest\|latest\|OFFSET\|TIME/],
    [['groups', 'reset', 'g', '--topic', 'one', '--to', 'whenever', ...B], 2, /bad --to 'whenever'/],
    [['groups', 'reset', 'g', '--topic', 'one', '--to', '7', ...B], 1, /offset 7 is out of range for one-0: its offsets run from 0 to 1/],
    [['groups', 'reset', 'g', '--topic', 'nope', '--to', 'earliest', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['groups', 'reset', 'g', '--topic', 'one', '--to', 'earliest', '--partition', '3', ...B], 1, /topic 'one' has no partition 3/],
    [['groups', 'describe', 'nobody', ...B], 1, /^samsa: unknown group 'nobody'\n$/],
    [['groups', 'delete', 'nobody', ...B], 1, /^samsa: unknown group 'nobody'\n$/],
    [['groups', 'describe', ...B], 2, /samsa groups needs G/],
    [['groups', 'rebalance', ...B], 2, /unknown subcommand 'groups rebalance'/],
    [['groups', 'list', '--all', ...B], 2, /unknown option --all for 'samsa groups'/],
    [['groups', 'list', '--brokers', '127.0.0.1:1'], 1, /^samsa: cannot reach broker 127\.0\.0\.1:1 after 3 attempts: ECONNREFUSED\n$/]
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args)))
  cases.forEach(([args, code, pattern], i) => {
    const what = args.filter(a => a !== B[0] && a !== B[1]).join(' ')
    t.equal(results[i]!.code, code, `${what}: exit ${code}`)
    t.match(results[i]!.stderr, pattern, `${what}: names what was wrong`)
  })
  const r = await runCli(['groups', 'list', '--json', ...B])
  t.same(JSON.parse(r.stdout), [], 'no group was created by the failed commands')
})
