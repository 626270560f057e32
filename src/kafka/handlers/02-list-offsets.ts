// ListOffsets (key 2): offsets by special timestamp or by time, every requested partition answered.
//
// Version notes:
//   v0      OldStyleOffsets array (one offset, MaxNumOffsets ignored beyond that)
//   v1      single offset + timestamp
//   v2      isolation level: read_committed answers latest with the last stable offset (the HW, or the first
//           offset of a transaction still open) and looks up times below it
//   v4      leader epoch (always 0) and current leader epoch in the request (not checked: one leader)
//   v6      flexible
//   v7      -3 max timestamp (KIP-734): offset and timestamp of the record with the largest timestamp
//   v8      -4 earliest local (KIP-405): the log start offset (no tiered storage)
//   v9      -5 latest tiered (KIP-1005): -1 (no tiered storage)
// Special timestamps: -2 earliest = log start offset; -1 latest = high watermark. A time T returns the first
// offset whose timestamp is >= T, below the high watermark; none -> offset -1, timestamp -1.
import { decodeListOffsetsRequest, type ListOffsetsRequest } from '../../protocol/generated/messages/list-offsets-request.js'
import { sizeListOffsetsResponse, writeListOffsetsResponse, type ListOffsetsResponse } from '../../protocol/generated/messages/list-offsets-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import type { PartitionLog } from '../../storage/log.js'
import { iterateRecords } from '../../protocol/records/record.js'
import { baseOffset, timestampType, TimestampType } from '../../protocol/records/batch-header.js'

export const LATEST = -1
export const EARLIEST = -2
export const MAX_TIMESTAMP = -3
export const EARLIEST_LOCAL = -4
export const LATEST_TIERED = -5

type TopicResponse = ListOffsetsResponse['topics'][number]
type PartitionResponse = TopicResponse['partitions'][number]

/**
 * The record holding the largest timestamp (KIP-734), below the high watermark: the log tracks the batch,
 * this finds the exact record in it (the first one with that timestamp), as Kafka 3.7+ does.
 */
async function maxTimestampRecord (log: PartitionLog): Promise<{ offset: number, timestamp: number } | null> {
  const m = log.maxTimestampAndOffset()
  if (m.offset < 0 || m.offset >= log.highWatermark) return null
  const { batches } = await log.read(m.offset, 1, { minOneBatch: true, maxOffset: log.highWatermark })
  if (batches.length === 0) return m
  const batch = batches[0]
  if (timestampType(batch) === TimestampType.LogAppendTime) return { offset: baseOffset(batch), timestamp: m.timestamp }
  for (const r of iterateRecords(batch)) {
    if (r.timestamp === m.timestamp) return { offset: r.offset, timestamp: r.timestamp }
  }
  return m
}

export default defineHandler({
  apiKey: 2,
  minVersion: 0,
  maxVersion: 9,
  codec: { decodeRequest: decodeListOffsetsRequest, sizeResponse: sizeListOffsetsResponse, writeResponse: writeListOffsetsResponse },
  uses: ['authorizer', 'topics', 'transactions'],
  async handle (svc, ctx, req: ListOffsetsRequest): Promise<ListOffsetsResponse | null> {
    const v = ctx.apiVersion
    if (v >= 2 && req.isolationLevel === 1 && svc.transactions.started) await svc.transactions.settled()
    // Read-your-writes: an answered acks=1 write is in the answer (waits for its group commit, at most one fsync)
    const pending: Array<Promise<void>> = []
    for (const t of req.topics) for (const p of t.partitions) { const l = svc.topics.log(t.name, p.partitionIndex); if (l !== undefined) pending.push(l.awaitWritten()) }
    await Promise.all(pending)
    const topics: TopicResponse[] = []
    for (const t of req.topics) {
      const partitions: PartitionResponse[] = []
      topics.push({ name: t.name, partitions })
      // ACLs: DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED
      const denied = !allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name)
      for (const p of t.partitions) {
        const log = svc.topics.log(t.name, p.partitionIndex)
        const out: PartitionResponse = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: 0 }
        partitions.push(out)
        if (denied) {
          out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED
          out.leaderEpoch = -1
          continue
        }
        if (log === undefined) {
          out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          out.leaderEpoch = -1
          continue
        }
        const ts = Number(p.timestamp)
        const readCommitted = v >= 2 && req.isolationLevel === 1
        const limit = readCommitted ? log.lastStableOffset : log.highWatermark
        let offset = -1
        let timestamp = -1
        if (ts === LATEST) offset = limit
        else if (ts === EARLIEST || ts === EARLIEST_LOCAL) offset = log.logStartOffset
        else if (ts === LATEST_TIERED) offset = -1
        else if (ts === MAX_TIMESTAMP) {
          const m = await maxTimestampRecord(log)
          if (m !== null) {
            offset = m.offset
            timestamp = m.timestamp
          }
        } else if (ts < 0) {
          out.errorCode = ErrorCode.INVALID_REQUEST
          continue
        } else {
          const found = await log.offsetForTimestamp(ts)
          if (found !== null && found.offset < limit) {
            offset = found.offset
            timestamp = found.timestamp
          }
        }
        out.offset = BigInt(offset)
        out.timestamp = BigInt(timestamp)
        if (v === 0) out.oldStyleOffsets = offset >= 0 ? [BigInt(offset)] : []
      }
    }
    return { throttleTimeMs: 0, topics }
  }
})
