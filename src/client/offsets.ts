// ListOffsets: a partition's earliest offset (log start), latest offset (log end / high watermark, what a
// read_uncommitted consumer can reach) or the first offset whose record timestamp is >= a time. Requests
// go to each partition's leader, one request per leader; partitions answering a leadership error are
// retried (bounded) after a metadata refresh.
//
// By timestamp, Kafka answers offset -1 when no record is that recent; the caller decides what that means
// (a consumer starting "from 10:00" with nothing after 10:00 starts at the end).
import { ErrorCode } from '../protocol/errors.js'
import { ListOffsets } from './apis.js'
import { REFRESH_CODES, type Cluster } from './cluster.js'
import { KafkaProtocolError } from './errors.js'

/** Kafka's special timestamps for ListOffsets. */
export const EARLIEST_TIMESTAMP = -2
export const LATEST_TIMESTAMP = -1

export interface PartitionOffset {
  partition: number
  /** -1 when a timestamp lookup found no record at or after the time. */
  offset: number
  /** The found record's timestamp (timestamp lookups), else -1. */
  timestamp: number
}

/**
 * Offsets of `partitions` of `topic` for `timestamp` (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, or epoch ms;
 * a function gives each partition its own).
 */
export async function listOffsets (cluster: Cluster, topic: string, partitions: readonly number[],
  timestamp: number | ((partition: number) => number)): Promise<Map<number, PartitionOffset>> {
  const tsOf = typeof timestamp === 'function' ? timestamp : () => timestamp
  const out = new Map<number, PartitionOffset>()
  let todo = [...partitions]
  for (let attempt = 0; todo.length > 0; attempt++) {
    if (attempt > 0) {
      cluster.invalidate(topic)
      await new Promise(resolve => setTimeout(resolve, 100 * attempt))
    }
    const retry: number[] = []
    const groups = await cluster.byLeader(topic, todo)
    await Promise.all([...groups].map(async ([nodeId, parts]) => {
      const conn = await cluster.node(nodeId)
      const res = await conn.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: parts.map(p => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: BigInt(tsOf(p)), maxNumOffsets: 1 })) }]
      })
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) {
            out.set(p.partitionIndex, { partition: p.partitionIndex, offset: Number(p.offset), timestamp: Number(p.timestamp) })
          } else if (REFRESH_CODES.has(p.errorCode) && attempt < 3) {
            retry.push(p.partitionIndex)
          } else {
            throw new KafkaProtocolError(p.errorCode, `list offsets of ${topic}-${p.partitionIndex}`)
          }
        }
      }
      for (const p of parts) {
        if (!out.has(p) && !retry.includes(p)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `list offsets of ${topic}-${p}`, `no answer from broker ${nodeId}`)
      }
    }))
    todo = retry
  }
  return out
}

/** Log start and end offsets of every listed partition. */
export async function offsetRange (cluster: Cluster, topic: string, partitions: readonly number[]): Promise<Map<number, { start: number, end: number }>> {
  const [start, end] = await Promise.all([
    listOffsets(cluster, topic, partitions, EARLIEST_TIMESTAMP),
    listOffsets(cluster, topic, partitions, LATEST_TIMESTAMP)
  ])
  const out = new Map<number, { start: number, end: number }>()
  for (const p of partitions) out.set(p, { start: start.get(p)!.offset, end: end.get(p)!.offset })
  return out
}
