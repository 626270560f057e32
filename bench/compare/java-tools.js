// Kafka's own performance tools (kafka-tools 3.9.1, run with `kafka.sh run`, JVM options in brokers.js
// TOOL_OPTS), pointed at either broker, and their output parsed:
//  - ProducerPerformance --num-records N --record-size S --throughput -1 --producer-props acks=A
//    bootstrap.servers=B: the Java producer with its defaults (batch.size 16384, linger.ms 0, 5 in flight,
//    no compression; idempotence on for acks=-1, off for an explicit acks=1). Its summary line gives
//    records/s and MB/s (value bytes / 2^20) over the whole run, from the first send to the last ack.
//  - ConsumerPerformance --messages N: one consumer in a fresh group from the earliest offset (fetch.min.bytes
//    1, max.partition.fetch.bytes 1 MiB). We quote its fetch.nMsg.sec and fetch.MB.sec: the rate after the
//    group join (rebalance.time.ms, also kept).
//  - EndToEndLatency B T N acks S: one record at a time (send, then poll until it is read back); Kafka prints
//    the mean in ms with decimals and the percentiles as whole milliseconds.
import { runKafkaTool } from './brokers.js'

export async function producerPerformance ({ bootstrap, topic, records, size, acks }) {
  const { stdout, ms } = await runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1',
    '--producer-props', `acks=${acks}`, `bootstrap.servers=${bootstrap}`
  ])
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(stdout)
  if (m === null) throw new Error(`ProducerPerformance: no summary line in\n${stdout.slice(-1000)}`)
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), p50Ms: Number(m[6]), p99Ms: Number(m[8]), toolMs: ms }
}

export async function consumerPerformance ({ bootstrap, topic, records }) {
  const { stdout, ms } = await runKafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--timeout', '60000'
  ])
  const lines = stdout.trim().split('\n')
  const h = lines.findIndex(l => l.startsWith('start.time'))
  if (h < 0 || lines[h + 1] === undefined) throw new Error(`ConsumerPerformance: no result in\n${stdout.slice(-1000)}`)
  const names = lines[h].split(',').map(s => s.trim())
  const vals = lines[h + 1].split(',').map(s => s.trim())
  const get = n => Number(vals[names.indexOf(n)])
  return {
    records: get('data.consumed.in.nMsg'),
    complete: get('data.consumed.in.nMsg') >= records,
    recordsPerSec: get('fetch.nMsg.sec'),
    mbPerSec: get('fetch.MB.sec'),
    rebalanceMs: get('rebalance.time.ms'),
    fetchMs: get('fetch.time.ms'),
    toolMs: ms
  }
}

export async function endToEndLatency ({ bootstrap, topic, records, size }) {
  const { stdout } = await runKafkaTool('org.apache.kafka.tools.EndToEndLatency', [bootstrap, topic, String(records), '1', String(size)])
  const avg = /Avg latency: ([\d.]+) ms/.exec(stdout)
  const pct = /50th = (\d+), 99th = (\d+), 99.9th = (\d+)/.exec(stdout)
  if (avg === null || pct === null) throw new Error(`EndToEndLatency: no result in\n${stdout.slice(-1000)}`)
  return { avgMs: Number(avg[1]), p50: Number(pct[1]), p99: Number(pct[2]), p999: Number(pct[3]) }
}
