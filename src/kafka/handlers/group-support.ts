// Small helpers the group handlers share: the client's host as Kafka reports it in DescribeGroups
// ("/127.0.0.1"), the per-partition existence check of OffsetCommit/OffsetDelete, and copying request
// bytes the coordinator keeps (decoded byte fields are views of the request's socket chunk; a member's
// metadata lives for the life of the group and must not pin that chunk).
import type { RequestContext } from '../../kafka/network/connection.js'
import { ErrorCode } from '../../protocol/errors.js'
import type { KafkaServices } from '../services.js'

export function clientHost (ctx: RequestContext): string {
  return `/${ctx.connection.socket.remoteAddress ?? 'unknown'}`
}

/** UNKNOWN_TOPIC_OR_PARTITION unless the topic exists and has the partition. */
export function partitionExistence (svc: Pick<KafkaServices, 'topics'>): (topic: string, partition: number) => number {
  return (topic, partition) => {
    const t = svc.topics.get(topic)
    return t !== undefined && partition >= 0 && partition < t.partitions ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
  }
}

export function ownBytes (b: Buffer): Buffer {
  return Buffer.from(b)
}
