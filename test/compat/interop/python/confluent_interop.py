"""confluent-kafka-python (librdkafka) against a broker. Each subcommand runs one scenario and prints one line per
check, `ok NAME` or `not ok NAME: DETAIL`, plus `info KEY VALUE` lines (KEY without spaces);
test/compat/interop/confluent-kafka.test.ts turns every line into an assertion.

  admin BOOTSTRAP                                AdminClient: create, list, configs, add partitions, delete
  produce BOOTSTRAP TOPIC COUNT CODEC [idempotent]
                                                 compression.type=CODEC; idempotence off (librdkafka's default)
                                                 unless `idempotent`
  consume-from BOOTSTRAP TOPIC PARTITION OFFSET EXPECTED
  group BOOTSTRAP TOPIC GROUP                    two members (threads) read everything and commit synchronously;
                                                 committed() matches; a restarted member resumes from the commits
  txn BOOTSTRAP TOPIC GROUP                      transactional producer: commit, abort, send_offsets_to_transaction;
                                                 read_committed vs read_uncommitted consumers
"""
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

failures = 0


def check(name, ok, detail=''):
    global failures
    if ok:
        print(f'ok {name}', flush=True)
    else:
        failures += 1
        print(f'not ok {name}: ' + str(detail).replace('\n', ' '), flush=True)


def info(key, value):
    print(f'info {key} ' + str(value).replace('\n', ' '), flush=True)


def wait_all(futures):
    errors = {}
    for k, f in futures.items():
        try:
            f.result(timeout=30)
        except Exception as e:  # noqa: BLE001
            errors[k] = e
    return errors


def admin(boot):
    a = AdminClient({'bootstrap.servers': boot})
    md = a.list_topics(timeout=10)
    check('metadata: one broker, controller known', len(md.brokers) == 1 and md.controller_id in md.brokers,
          (md.brokers, md.controller_id))
    info('cluster_id', md.cluster_id)
    errors = wait_all(a.create_topics([NewTopic('ck-admin', num_partitions=3, replication_factor=1,
                                                config={'retention.ms': '3600000'})]))
    check('create_topics with 3 partitions and a config', not errors, errors)
    errors = wait_all(a.create_topics([NewTopic('ck-admin', num_partitions=1, replication_factor=1)]))
    err = errors.get('ck-admin')
    code = err.args[0].code() if err is not None and err.args and isinstance(err.args[0], KafkaError) else None
    check('creating it again: TOPIC_ALREADY_EXISTS', code == KafkaError.TOPIC_ALREADY_EXISTS, err)
    md = a.list_topics(timeout=10)
    check('list_topics: 3 partitions', 'ck-admin' in md.topics and len(md.topics['ck-admin'].partitions) == 3,
          list(md.topics))
    res = ConfigResource('topic', 'ck-admin')
    cfg = a.describe_configs([res])[res].result(timeout=30)
    check('describe_configs: retention.ms override', cfg.get('retention.ms') is not None
          and cfg['retention.ms'].value == '3600000', cfg.get('retention.ms'))
    check('describe_configs: lists defaults too (segment.bytes)', 'segment.bytes' in cfg, len(cfg))
    errors = wait_all(a.create_partitions([NewPartitions('ck-admin', 5)]))
    check('create_partitions to 5', not errors, errors)
    md = a.list_topics('ck-admin', timeout=10)
    check('now 5 partitions', len(md.topics['ck-admin'].partitions) == 5, len(md.topics['ck-admin'].partitions))
    errors = wait_all(a.delete_topics(['ck-admin']))
    check('delete_topics', not errors, errors)
    gone = False
    for _ in range(50):
        if 'ck-admin' not in a.list_topics(timeout=10).topics:
            gone = True
            break
        time.sleep(0.1)
    check('deleted topic is gone', gone)


def produce(boot, topic, count, codec, idempotent=False):
    conf = {'bootstrap.servers': boot, 'compression.type': codec, 'linger.ms': 20}
    if idempotent:
        conf['enable.idempotence'] = True
    logs = []
    conf['error_cb'] = lambda e: logs.append(str(e))
    p = Producer(conf)
    offsets = {}
    errors = []

    def delivered(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            offsets.setdefault(msg.partition(), []).append(msg.offset())

    t0 = time.time()
    for i in range(count):
        p.produce(topic, key=f'key-{i}', value=f'value-{i} ' + 'x' * 50, headers=[('h', f'header-{i}')],
                  on_delivery=delivered)
        p.poll(0)
    left = p.flush(30)
    check(f'every message delivered ({count}, {codec})', left == 0 and not errors, (left, errors[:3]))
    check('no client errors', not logs, logs[:3])
    consecutive = all(l[i] == l[0] + i for l in offsets.values() for i in range(len(l)))
    check('offsets consecutive per partition in produce order', consecutive, offsets)
    info('produce-ms', int((time.time() - t0) * 1000))


def consume_from(boot, topic, partition, offset, expected):
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'ck-unused', 'enable.auto.commit': False})
    c.assign([TopicPartition(topic, partition, offset)])
    got = []
    deadline = time.time() + 30
    while len(got) < expected and time.time() < deadline:
        for m in c.consume(num_messages=500, timeout=0.5):
            if m.error() is not None:
                check('no fetch errors', False, m.error())
                continue
            got.append(m)
    got = got[:expected]
    check(f'read {expected} records from offset {offset}', len(got) == expected, len(got))
    if got:
        check(f'first record is at offset {offset}', got[0].offset() == offset, got[0].offset())
        check('offsets consecutive', all(m.offset() == offset + i for i, m in enumerate(got)))
        h = dict(got[0].headers() or []).get('h', b'').decode()
        info('first', f'{got[0].key().decode()}={got[0].value().decode()[:12]} h={h}')
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    info('low', lo)
    info('high', hi)
    c.close()


def group(boot, topic, group_id):
    a = AdminClient({'bootstrap.servers': boot})
    nparts = len(a.list_topics(topic, timeout=10).topics[topic].partitions)
    probe = Consumer({'bootstrap.servers': boot, 'group.id': group_id + '-probe'})
    ends = {p: probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(nparts)}
    probe.close()
    total = sum(ends.values())
    info('records', total)
    lock = threading.Lock()
    seen = set()
    dups = [0]
    errors = []
    assigned = {}
    stop = threading.Event()

    def member(name):
        try:
            c = Consumer({'bootstrap.servers': boot, 'group.id': group_id, 'auto.offset.reset': 'earliest',
                          'enable.auto.commit': False})
            c.subscribe([topic])
            deadline = time.time() + 60
            while not stop.is_set() and time.time() < deadline:
                msgs = c.consume(num_messages=500, timeout=0.2)
                with lock:
                    for m in msgs:
                        if m.error() is not None:
                            errors.append(str(m.error()))
                            continue
                        k = (m.partition(), m.offset())
                        if k in seen:
                            dups[0] += 1
                        seen.add(k)
                if any(m.error() is None for m in msgs):
                    c.commit(asynchronous=False)
                with lock:
                    assigned[name] = sorted(tp.partition for tp in c.assignment())
                    if len(seen) >= total and len(assigned) == 2 and all(assigned.values()):
                        stop.set()
            c.close()
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))
            stop.set()

    threads = []
    for m in range(2):
        th = threading.Thread(target=member, args=(f'member-{m}',))
        th.start()
        threads.append(th)
        time.sleep(1)
    for th in threads:
        th.join()
    check('no consumer errors', not errors, errors[:5])
    check(f'the group read every record ({total})', len(seen) == total, len(seen))
    check('no record delivered twice', dups[0] == 0, dups[0])
    x, y = assigned.get('member-0', []), assigned.get('member-1', [])
    check('both members held partitions, disjointly', x and y and not set(x) & set(y), assigned)

    c = Consumer({'bootstrap.servers': boot, 'group.id': group_id})
    committed = {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(nparts)], timeout=10)}
    c.close()
    check('committed() equals the end offsets', committed == ends, f'{committed} vs {ends}')

    p = Producer({'bootstrap.servers': boot})
    for i in range(5):
        p.produce(topic, value=f'after-{i}')
    p.flush(30)
    c = Consumer({'bootstrap.servers': boot, 'group.id': group_id, 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False})
    c.subscribe([topic])
    resumed = []
    deadline = time.time() + 30
    while len(resumed) < 5 and time.time() < deadline:
        resumed.extend(m.value().decode() for m in c.consume(num_messages=100, timeout=0.3) if m.error() is None)
    resumed.extend(m.value().decode() for m in c.consume(num_messages=100, timeout=1.0) if m.error() is None)
    c.close()
    check('a restarted member resumes from the commits (only the 5 new records)',
          sorted(resumed) == [f'after-{i}' for i in range(5)], resumed)


def read_all(boot, topic, isolation, expected):
    c = Consumer({'bootstrap.servers': boot, 'group.id': f'ck-reader-{isolation}-{time.time()}', 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False, 'isolation.level': isolation})
    c.subscribe([topic])
    got = []
    deadline = time.time() + 20
    while len(got) < expected and time.time() < deadline:
        got.extend(m.value().decode() for m in c.consume(num_messages=100, timeout=0.3) if m.error() is None)
    got.extend(m.value().decode() for m in c.consume(num_messages=100, timeout=1.0) if m.error() is None)
    c.close()
    return sorted(got)


def txn(boot, topic, group_id):
    a = AdminClient({'bootstrap.servers': boot})
    wait_all(a.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]))
    p = Producer({'bootstrap.servers': boot, 'transactional.id': 'ck-txn'})
    p.init_transactions(30)
    check('init_transactions', True)
    p.begin_transaction()
    for i in range(10):
        p.produce(topic, key=f'k{i}', value=f'committed-{i}')
    p.commit_transaction(30)
    check('commit_transaction', True)
    p.begin_transaction()
    for i in range(5):
        p.produce(topic, key=f'k{i}', value=f'aborted-{i}')
    p.flush(30)
    p.abort_transaction(30)
    check('abort_transaction', True)
    # consume-transform-produce: the group's offset commits with the transaction
    c = Consumer({'bootstrap.servers': boot, 'group.id': group_id, 'enable.auto.commit': False})
    p.begin_transaction()
    p.produce(topic, key='eos', value='eos-output', partition=0)
    p.send_offsets_to_transaction([TopicPartition(topic, 0, 7)], c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    committed = c.committed([TopicPartition(topic, 0)], timeout=10)
    check('send_offsets_to_transaction: the offset is committed with the transaction', committed[0].offset == 7, committed)
    c.close()
    got = read_all(boot, topic, 'read_committed', 11)
    check('read_committed consumer: committed records only', got == sorted([f'committed-{i}' for i in range(10)] + ['eos-output']), got)
    got = read_all(boot, topic, 'read_uncommitted', 16)
    check('read_uncommitted consumer: the aborted records too (16)', len(got) == 16, got)


def main():
    cmd, boot, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == 'admin':
        admin(boot)
    elif cmd == 'produce':
        produce(boot, args[0], int(args[1]), args[2], len(args) > 3 and args[3] == 'idempotent')
    elif cmd == 'consume-from':
        consume_from(boot, args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == 'group':
        group(boot, args[0], args[1])
    elif cmd == 'txn':
        txn(boot, args[0], args[1])
    else:
        sys.exit(f'unknown command {cmd}')
    print(f'done {failures} failed', flush=True)


if __name__ == '__main__':
    try:
        main()
    except KafkaException as e:
        print(f'not ok crashed: {e}', flush=True)
        sys.exit(1)
