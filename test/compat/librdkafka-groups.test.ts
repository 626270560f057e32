// librdkafka consumer groups through Debian's python3-confluent-kafka (run with /usr/bin/python3): a group
// with manual commits, committed() read back after a broker restart, and consumption resuming exactly at
// the committed offsets. Skips with a reason when the module is not importable.
import t from 'tap'
import fs from 'node:fs'
import { spawn, spawnSync } from 'node:child_process'
import { withBroker } from '../helpers/broker.js'

const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const probe = spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { encoding: 'utf8' })
const skip = probe.status === 0 ? false : `confluent_kafka is not importable by ${PYTHON} (apt-get install python3-confluent-kafka)`

const COMMON = `
import json, os, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
BOOTSTRAP = os.environ['BOOTSTRAP']
def out(kind, **kw):
    kw['kind'] = kind
    print(json.dumps(kw), flush=True)
def produce(values):
    p = Producer({'bootstrap.servers': BOOTSTRAP})
    for i, v in enumerate(values):
        p.produce('rdk', value=v.encode(), partition=i % 3)
    assert p.flush(15) == 0
def consumer():
    return Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': 'rdk-group', 'enable.auto.commit': False,
                     'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
def consume(c, n, extra_s):
    got = []
    deadline = time.time() + 30
    while len(got) < n and time.time() < deadline:
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            got.append((m.partition(), m.offset(), m.value().decode()))
    end = time.time() + extra_s
    while time.time() < end:
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            got.append((m.partition(), m.offset(), m.value().decode()))
    return got
PARTS = [TopicPartition('rdk', p) for p in range(3)]
`

const BEFORE = COMMON + `
a = AdminClient({'bootstrap.servers': BOOTSTRAP})
for f in a.create_topics([NewTopic('rdk', 3, 1)]).values():
    f.result(15)
produce(['before-%d' % i for i in range(30)])
c = consumer()
c.subscribe(['rdk'])
got = consume(c, 30, 0)
out('consumed', values=[v for _, _, v in got])
last = {}
for p, o, _ in got:
    last[p] = max(last.get(p, -1), o)
c.commit(offsets=[TopicPartition('rdk', p, o + 1) for p, o in last.items()], asynchronous=False)
out('committed', offsets={str(tp.partition): tp.offset for tp in c.committed(PARTS, timeout=10)})
c.close()
`

const AFTER = COMMON + `
c = consumer()
out('committed', offsets={str(tp.partition): tp.offset for tp in c.committed(PARTS, timeout=15)})
produce(['after-%d' % i for i in range(6)])
c.subscribe(['rdk'])
got = consume(c, 6, 1.5)
out('consumed', values=[v for _, _, v in got])
c.close()
`

function python (script: string, bootstrap: string): Promise<{ code: number | null, lines: any[], stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['-c', script], { env: { ...process.env, BOOTSTRAP: bootstrap }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', d => { stdout += d })
    p.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => p.kill('SIGKILL'), 50_000)
    p.on('error', reject)
    p.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stderr, lines: stdout.trim().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)) })
    })
  })
}

t.test('librdkafka: manual commits, committed() after a broker restart, resume at the committed offsets', { skip }, async t => {
  const b = await withBroker(t, { config: { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 0 } })
  const before = await python(BEFORE, b.brokers[0])
  t.equal(before.code, 0, before.stderr)
  const consumed = before.lines.find(l => l.kind === 'consumed')
  t.same([...consumed.values].sort(), Array.from({ length: 30 }, (_, i) => `before-${i}`).sort(), 'all 30 consumed by the group')
  t.same(before.lines.find(l => l.kind === 'committed')?.offsets, { 0: 10, 1: 10, 2: 10 }, 'committed() right after commit()')

  await b.restart()
  const after = await python(AFTER, b.brokers[0])
  t.equal(after.code, 0, after.stderr)
  t.same(after.lines.find(l => l.kind === 'committed')?.offsets, { 0: 10, 1: 10, 2: 10 }, 'committed() after the restart')
  t.same([...after.lines.find(l => l.kind === 'consumed').values].sort(), Array.from({ length: 6 }, (_, i) => `after-${i}`).sort(),
    'consumption resumed at the committed offsets: only the new records')
})
