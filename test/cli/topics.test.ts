// `samsa topics` end to end (spawned, against a broker the test starts): create with partitions and configs,
// list, describe (partitions, offsets, non-default configs), add-partitions, alter, delete; and the error
// paths: unknown topic, existing topic, bad flags and values (exit 2), an unreachable broker (exit 1).
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { runCli } from './run-cli.js'

t.test('create, list, describe, add-partitions, delete', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  let r = await runCli(['topics', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=86400000', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /created topic orders \(3 partitions, replication factor 1\)/)

  r = await runCli(['topics', 'create', 'orders', ...B])
  t.equal(r.code, 1, 'creating an existing topic fails')
  t.match(r.stderr, /^samsa: create topic 'orders': TOPIC_ALREADY_EXISTS/)
  r = await runCli(['topics', 'create', 'orders', '--if-not-exists', ...B])
  t.equal(r.code, 0, '--if-not-exists tolerates it')
  t.match(r.stdout, /topic orders already exists/)

  r = await runCli(['topics', 'list', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^NAME\s+PARTITIONS\s+REPLICAS\s+INTERNAL\norders\s+3\s+1\n/)
  r = await runCli(['topics', 'list', '--json', ...B])
  const listed = JSON.parse(r.stdout)
  t.same(listed.map((x: any) => [x.name, x.partitions]), [['orders', 3]])

  // Three records in partition 1, so describe has offsets to show.
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const { buildRecordBatch } = await import('../../src/protocol/records/builder.js')
  const res = await c.request(0, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'orders', partitionData: [{ index: 1, records: buildRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }]) }] }] })
  t.equal(res.responses[0].partitionResponses[0].errorCode, 0)

  r = await runCli(['topics', 'describe', 'orders', '--json', ...B])
  t.equal(r.code, 0, r.stderr)
  const d = JSON.parse(r.stdout)
  t.equal(d.name, 'orders')
  t.same(d.partitions.map((p: any) => [p.partition, p.leader, p.logStartOffset, p.logEndOffset]), [[0, 1, 0, 0], [1, 1, 0, 3], [2, 1, 0, 0]])
  t.same(d.configs.map((x: any) => [x.name, x.value, x.source]), [['retention.ms', '86400000', 'DYNAMIC_TOPIC_CONFIG']], 'only configs that differ from the defaults')
  r = await runCli(['topics', 'describe', 'orders', ...B])
  t.match(r.stdout, /PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+LOG-START\s+LOG-END\s+RECORDS/)
  t.match(r.stdout, /\n\s+1\s+1\s+\d+\s+1\s+1\s+0\s+3\s+3\n/)
  t.match(r.stdout, /retention\.ms\s+86400000\s+DYNAMIC_TOPIC_CONFIG/)
  r = await runCli(['topics', 'describe', 'orders', '--all-configs', '--json', ...B])
  t.ok(JSON.parse(r.stdout).configs.some((x: any) => x.name === 'cleanup.policy' && x.source === 'DEFAULT_CONFIG'), '--all-configs lists defaults too')

  r = await runCli(['topics', 'add-partitions', 'orders', '--partitions', '5', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /topic orders now has 5 partitions/)
  r = await runCli(['topics', 'add-partitions', 'orders', '--partitions', '2', ...B])
  t.equal(r.code, 1)
  t.match(r.stderr, /topic orders already has 5 partitions; --partitions is the new total and must be larger/)

  r = await runCli(['topics', 'delete', 'orders', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /deleted topic orders/)
  r = await runCli(['topics', 'list', '--json', ...B])
  t.same(JSON.parse(r.stdout), [])
})

t.test('alter sets and deletes overrides (skips when the broker cannot alter configs)', async t => {
  const b = await withBroker(t)
  const c = await RawClient.connect(b.port)
  const versions = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })
  c.close()
  const keys = new Set(versions.apiKeys.map((k: any) => k.apiKey))
  if (!keys.has(44) && !keys.has(33)) {
    const why = 'the broker serves neither IncrementalAlterConfigs (44) nor AlterConfigs (33)'
    t.pass(why, { skip: why })
    const B = ['--brokers', b.brokers[0]!]
    await runCli(['topics', 'create', 'cfg', ...B])
    const r = await runCli(['topics', 'alter', 'cfg', '--config', 'retention.ms=1000', ...B])
    t.equal(r.code, 1, 'the command says so instead of failing obscurely')
    t.match(r.stderr, /does not support IncrementalAlterConfigs \(api key 44\) nor AlterConfigs \(api key 33\)/)
    return
  }
  const B = ['--brokers', b.brokers[0]!]
  t.equal((await runCli(['topics', 'create', 'cfg', '--config', 'retention.ms=1000', ...B])).code, 0)
  let r = await runCli(['topics', 'alter', 'cfg', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=1048576', ...B])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /altered configs of topic cfg/)
  r = await runCli(['topics', 'alter', 'cfg', '--delete-config', 'retention.ms', ...B])
  t.equal(r.code, 0, r.stderr)
  r = await runCli(['topics', 'describe', 'cfg', '--json', ...B])
  const configs = Object.fromEntries(JSON.parse(r.stdout).configs.filter((x: any) => x.source === 'DYNAMIC_TOPIC_CONFIG').map((x: any) => [x.name, x.value]))
  t.same(configs, { 'cleanup.policy': 'compact', 'segment.bytes': '1048576' }, 'set two, deleted one')
  r = await runCli(['topics', 'alter', 'nope', '--config', 'retention.ms=1', ...B])
  t.equal(r.code, 1)
  t.match(r.stderr, /unknown topic 'nope'/)
  r = await runCli(['topics', 'alter', 'cfg', '--config', 'no.such.config=1', ...B])
  t.equal(r.code, 1, 'a config the broker rejects')
  t.match(r.stderr, /alter configs of topic 'cfg': INVALID_CONFIG/)
})

t.test('errors: unknown topic, bad flags, unreachable broker', async t => {
  const b = await withBroker(t)
  const B = ['--brokers', b.brokers[0]!]
  // [args, exit code, stderr pattern]; independent, so run side by side.
  const cases: Array<[string[], number, RegExp]> = [
    [['topics', 'describe', 'nope', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['topics', 'delete', 'nope', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['topics', 'add-partitions', 'nope', '--partitions', '2', ...B], 1, /^samsa: unknown topic 'nope'\n$/],
    [['topics', 'create', 'x', '--partitions', 'three', ...B], 2, /bad --partitions 'three': expected a whole number/],
    [['topics', 'create', 'x', '--partitions', '0', ...B], 2, /bad --partitions '0': expected a whole number between 1 and/],
    [['topics', 'create', 'x', '--config', 'retention.ms', ...B], 2, /bad --config 'retention.ms': expected key=value/],
    [['topics', 'create', 'bad name!', ...B], 1, /create topic 'bad name!': INVALID_TOPIC_EXCEPTION/],
    [['topics', 'list', '--partitons', '3', ...B], 2, /unknown option --partitons for 'samsa topics'/],
    [['topics', 'frob', ...B], 2, /unknown subcommand 'topics frob'/],
    [['topics', ...B], 2, /samsa topics needs a subcommand/],
    [['topics', 'describe', ...B], 2, /samsa topics needs NAME/],
    [['topics', 'describe', 'a', 'b', ...B], 2, /unexpected argument 'b' for 'samsa topics'/],
    [['topics', 'add-partitions', 'a', ...B], 2, /needs --partitions N \(the new total\)/],
    [['topics', 'list', '--brokers', 'localhost'], 2, /--brokers: bad broker address 'localhost': expected host:port/],
    [['topics', 'list', '--brokers', '127.0.0.1:1'], 1, /^samsa: cannot reach broker 127\.0\.0\.1:1 after 3 attempts: ECONNREFUSED\n$/],
    [['topics', 'list', '--brokers', '127.0.0.1:1,127.0.0.1:2'], 1, /^samsa: cannot reach brokers 127\.0\.0\.1:1,127\.0\.0\.1:2 after 3 attempts: ECONNREFUSED\n$/]
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args)))
  cases.forEach(([args, code, pattern], i) => {
    t.equal(results[i]!.code, code, `${args.slice(0, 4).join(' ')}: exit ${code}`)
    t.match(results[i]!.stderr, pattern, `${args.slice(0, 4).join(' ')}: names what was wrong`)
    t.equal(results[i]!.stdout, '', 'nothing on stdout')
  })
})
