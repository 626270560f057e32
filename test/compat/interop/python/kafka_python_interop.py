"""kafka-python against a broker. Each subcommand runs one scenario and prints one line per check, `ok NAME` or
`not ok NAME: DETAIL`, plus `info KEY VALUE` lines (KEY without spaces); test/compat/interop/kafka-python.test.ts
turns every line into an assertion.

  admin BOOTSTRAP                           KafkaAdminClient: create, list, describe, add partitions, delete
  produce BOOTSTRAP TOPIC COUNT [CODEC]     default producer (idempotent, acks=all in kafka-python 3), keyed records
  consume-from BOOTSTRAP TOPIC PARTITION OFFSET EXPECTED
  group BOOTSTRAP TOPIC GROUP               two members (threads) read everything and commit; a restarted member
                                            resumes from the commits
"""
import sys
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import TopicAlreadyExistsError

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


def admin(boot):
    adm = KafkaAdminClient(bootstrap_servers=boot)
    try:
        adm.create_topics([NewTopic('py-admin', 3, 1, topic_configs={'retention.ms': '3600000'})])
        check('create_topics with 3 partitions and a config', True)
        try:
            adm.create_topics([NewTopic('py-admin', 1, 1)])
            check('creating it again raises TopicAlreadyExistsError', False, 'no error')
        except TopicAlreadyExistsError:
            check('creating it again raises TopicAlreadyExistsError', True)
        names = adm.list_topics()
        check('list_topics includes it', 'py-admin' in names, names)
        d = adm.describe_topics(['py-admin'])
        check('describe_topics: 3 partitions', len(d) == 1 and len(d[0]['partitions']) == 3, d)
        adm.create_partitions({'py-admin': NewPartitions(5)})
        d = adm.describe_topics(['py-admin'])
        check('create_partitions to 5', len(d[0]['partitions']) == 5, d)
        adm.delete_topics(['py-admin'])
        gone = False
        for _ in range(50):
            if 'py-admin' not in adm.list_topics():
                gone = True
                break
            time.sleep(0.1)
        check('delete_topics removes it', gone)
    finally:
        adm.close()


def produce(boot, topic, count, codec=None):
    kw = {}
    if codec and codec != 'none':
        kw['compression_type'] = codec
    producer = KafkaProducer(bootstrap_servers=boot, **kw)
    t0 = time.time()
    futures = [producer.send(topic, key=f'key-{i}'.encode(), value=f'value-{i}'.encode(),
                             headers=[('h', f'header-{i}'.encode())]) for i in range(count)]
    producer.flush()
    offsets = {}
    errors = []
    for f in futures:
        try:
            md = f.get(timeout=30)
            offsets.setdefault(md.partition, []).append(md.offset)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    producer.close()
    check(f'every send acknowledged ({count})', not errors, errors[:3])
    consecutive = all(l[i] == l[0] + i for l in offsets.values() for i in range(len(l)))
    check('offsets consecutive per partition in send order', consecutive, offsets)
    for p, l in offsets.items():
        info(f'partition-{p}-records', len(l))
    info('produce-ms', int((time.time() - t0) * 1000))


def consume_from(boot, topic, partition, offset, expected):
    c = KafkaConsumer(bootstrap_servers=boot, enable_auto_commit=False)
    tp = TopicPartition(topic, partition)
    c.assign([tp])
    c.seek(tp, offset)
    got = []
    deadline = time.time() + 30
    while len(got) < expected and time.time() < deadline:
        for recs in c.poll(timeout_ms=500).values():
            got.extend(recs)
    got = got[:expected]
    check(f'read {expected} records from offset {offset}', len(got) == expected, len(got))
    if got:
        check(f'first record is at offset {offset}', got[0].offset == offset, got[0].offset)
        check('offsets consecutive', all(r.offset == offset + i for i, r in enumerate(got)))
        h = dict(got[0].headers).get('h', b'').decode()
        info('first', f'{got[0].key.decode()}={got[0].value.decode()} h={h}')
    info('end', c.end_offsets([tp])[tp])
    info('beginning', c.beginning_offsets([tp])[tp])
    c.close()


def group(boot, topic, group_id):
    probe = KafkaConsumer(bootstrap_servers=boot)
    parts = [TopicPartition(topic, p) for p in sorted(probe.partitions_for_topic(topic))]
    ends = probe.end_offsets(parts)
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
            c = KafkaConsumer(topic, bootstrap_servers=boot, group_id=group_id, auto_offset_reset='earliest',
                              enable_auto_commit=False)
            deadline = time.time() + 90
            while not stop.is_set() and time.time() < deadline:
                # Generous poll timeouts: with short ones kafka-python 3.0.12 can stall in coordinator
                # discovery or rejoin under CPU load (seen against Apache Kafka 3.9 as well).
                batch = c.poll(timeout_ms=1000)
                with lock:
                    for recs in batch.values():
                        for r in recs:
                            k = (r.partition, r.offset)
                            if k in seen:
                                dups[0] += 1
                            seen.add(k)
                if batch:
                    c.commit()
                with lock:
                    assigned[name] = sorted(tp.partition for tp in c.assignment())
                    if len(seen) >= total and len(assigned) == 2 and all(assigned.values()):
                        stop.set()
            c.commit()
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
    check('no consumer errors', not errors, errors)
    check(f'the group read every record ({total})', len(seen) == total, len(seen))
    check('no record delivered twice', dups[0] == 0, dups[0])
    a, b = assigned.get('member-0', []), assigned.get('member-1', [])
    check('both members held partitions, disjointly', a and b and not set(a) & set(b), assigned)

    c = KafkaConsumer(bootstrap_servers=boot, group_id=group_id, enable_auto_commit=False)
    committed = {tp.partition: c.committed(tp) for tp in parts}
    c.close()
    check('committed offsets equal the end offsets', all(committed[tp.partition] == ends[tp] for tp in parts),
          f'{committed} vs {ends}')

    p = KafkaProducer(bootstrap_servers=boot)
    for i in range(5):
        p.send(topic, f'after-{i}'.encode())
    p.flush()
    p.close()
    c = KafkaConsumer(topic, bootstrap_servers=boot, group_id=group_id, auto_offset_reset='earliest',
                      enable_auto_commit=False)
    resumed = []
    deadline = time.time() + 60
    while len(resumed) < 5 and time.time() < deadline:
        for recs in c.poll(timeout_ms=1000).values():
            resumed.extend(r.value.decode() for r in recs)
    for recs in c.poll(timeout_ms=1000).values():
        resumed.extend(r.value.decode() for r in recs)
    c.commit()
    c.close()
    check('a restarted member resumes from the commits (only the 5 new records)',
          sorted(resumed) == [f'after-{i}' for i in range(5)], resumed)


def main():
    cmd, boot, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == 'admin':
        admin(boot)
    elif cmd == 'produce':
        produce(boot, args[0], int(args[1]), args[2] if len(args) > 2 else None)
    elif cmd == 'consume-from':
        consume_from(boot, args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == 'group':
        group(boot, args[0], args[1])
    else:
        sys.exit(f'unknown command {cmd}')
    print(f'done {failures} failed', flush=True)


if __name__ == '__main__':
    main()
