"""kafka-python or confluent-kafka (librdkafka) over secured listeners.

  secure_interop.py kafka-python|confluent CELLS.json

CELLS.json is an array of cells {mode, bootstrap, topic, count, protocol (SSL|SASL_SSL|SASL_PLAINTEXT), mechanism
(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 or empty), username, password, ca, cert, key (PEM paths; cert/key for mTLS)}.
For each cell a producer writes COUNT records to TOPIC (one partition) and a consumer reads them back from the
start; prints `ok MODE ...` or `not ok MODE: DETAIL` (test/compat/interop/security-matrix.test.ts).
"""
import json
import sys
import time


def kafka_python_cell(c):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    conf = {'bootstrap_servers': c['bootstrap'], 'security_protocol': c['protocol'], 'request_timeout_ms': 15000}
    if c['protocol'] in ('SSL', 'SASL_SSL'):
        conf.update(ssl_cafile=c['ca'])
        if c.get('cert'):
            conf.update(ssl_certfile=c['cert'], ssl_keyfile=c['key'])
    if c.get('mechanism'):
        conf.update(sasl_mechanism=c['mechanism'], sasl_plain_username=c['username'], sasl_plain_password=c['password'])
    p = KafkaProducer(acks='all', max_block_ms=15000, **conf)
    futures = [p.send(c['topic'], key=f'k-{i}'.encode(), value=f"{c['mode']}-value-{i}".encode()) for i in range(c['count'])]
    p.flush(20)
    for f in futures:
        f.get(timeout=20)
    p.close()
    cons = KafkaConsumer(enable_auto_commit=False, **conf)
    tp = TopicPartition(c['topic'], 0)
    cons.assign([tp])
    cons.seek_to_beginning(tp)
    values = []
    deadline = time.time() + 20
    while len(values) < c['count'] and time.time() < deadline:
        for recs in cons.poll(timeout_ms=500).values():
            values.extend(r.value.decode() for r in recs)
    cons.close()
    return values


def confluent_cell(c):
    from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
    conf = {'bootstrap.servers': c['bootstrap'], 'security.protocol': c['protocol'].lower()}
    if c['protocol'] in ('SSL', 'SASL_SSL'):
        conf['ssl.ca.location'] = c['ca']
        if c.get('cert'):
            conf.update({'ssl.certificate.location': c['cert'], 'ssl.key.location': c['key']})
    if c.get('mechanism'):
        conf.update({'sasl.mechanism': c['mechanism'], 'sasl.username': c['username'], 'sasl.password': c['password']})
    errors = []

    def on_error(e):
        errors.append(str(e))
    p = Producer({**conf, 'acks': 'all', 'message.timeout.ms': 20000, 'error_cb': on_error})
    failed = []
    for i in range(c['count']):
        p.produce(c['topic'], key=f'k-{i}', value=f"{c['mode']}-value-{i}",
                  on_delivery=lambda err, msg: failed.append(str(err)) if err is not None else None)
    left = p.flush(25)
    if left or failed:
        raise RuntimeError(f'produce: {left} undelivered, errors {failed[:3]} {errors[:3]}')
    cons = Consumer({**conf, 'group.id': f"secure-{c['mode']}", 'enable.auto.commit': False, 'error_cb': on_error})
    cons.assign([TopicPartition(c['topic'], 0, OFFSET_BEGINNING)])
    values = []
    deadline = time.time() + 20
    while len(values) < c['count'] and time.time() < deadline:
        m = cons.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().fatal():
                raise RuntimeError(str(m.error()))
            continue
        values.append(m.value().decode())
    cons.close()
    if len(values) < c['count'] and errors:
        raise RuntimeError(f'consumed {len(values)}; client errors: {errors[:3]}')
    return values


def main():
    lib, cells_file = sys.argv[1], sys.argv[2]
    cell = kafka_python_cell if lib == 'kafka-python' else confluent_cell
    with open(cells_file) as f:
        cells = json.load(f)
    for c in cells:
        try:
            values = cell(c)
            n = c['count']
            if len(values) != n:
                raise RuntimeError(f'consumed {len(values)} of {n} records')
            for i, v in enumerate(values):
                if v != f"{c['mode']}-value-{i}":
                    raise RuntimeError(f'record {i} is {v!r}')
            print(f"ok {c['mode']} produced {n}, consumed {n}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is a cell result
            print(f"not ok {c['mode']}: {type(e).__name__}: {str(e)[:1000]}".replace('\n', ' '), flush=True)


if __name__ == '__main__':
    main()
