// Fetch (key 1): whole batches, read straight from the segment files, starting with the batch that holds
// the fetch offset (consumers skip the records below it), never past the high watermark (the durable offset).
//
// Version notes:
//   v0-v3   legacy clients: stored batches are down-converted to magic 0 (v0-v1) or magic 1 (v2-v3)
//           messages, uncompressed, record headers dropped, control batches skipped (Kafka's behaviour).
//           v1 adds throttle time, v3 response max bytes.
//   v4      isolation level, last stable offset, aborted transactions: read_committed (isolation 1) reads
//           only below the last stable offset (LSO: the HW, or the first offset of a transaction still open)
//           and gets the aborted transactions overlapping the data it got (producer id + first offset; the
//           consumer drops those batches up to each abort marker); read_uncommitted reads to the HW and gets
//           a null list. Both are told the LSO.
//   v5      log start offset
//   v7      fetch sessions: Samsa declines them (session id 0 in every response: clients send full fetches);
//           a request naming a session id gets FETCH_SESSION_ID_NOT_FOUND
//   v11     rack id (ignored), preferred read replica (always -1)
//   v12     flexible; diverging epoch / current leader / snapshot id tagged fields (never set)
//   v13     topic ids instead of names (UNKNOWN_TOPIC_ID for unknown ids)
//   v15     replica state replaces replica id (consumers only here)
//   v16-17  node endpoints, replica directory id (unused: one node)
//
// Sizes: the first partition that has data returns at least one whole batch even if it is larger than the
// partition or response max bytes (else a consumer could never progress); after that, partition max bytes
// and the remaining response max bytes bound each read.
// Memory (README, "Connections, memory and time"): the response max bytes is lowered to fetch.max.bytes, and
// each read first gets a byte budget from its connection (connection.max.queued.response.bytes) and the
// broker's fetch.max.memory.bytes (Connection.reserveResponse), which then bounds the read; the budget is held
// until the response is written, and given back while a long poll waits. When no budget comes within the
// request's max wait, the partitions are answered without records (offsets as usual), as if no data had come.
// Long poll: with fewer than minBytes available, the request parks in the purgatory until a high watermark
// of one of its partitions advances or maxWaitMs passes, then reads again.
// Errors: a read that fails answers its partition only, with errorCodeOf's code (CORRUPT_MESSAGE for a corrupt
// batch, KAFKA_STORAGE_ERROR for an I/O error) and offsets -1, as Kafka; the request is answered at once.
import { decodeFetchRequest, type FetchRequest } from '../../protocol/generated/messages/fetch-request.js'
import { sizeFetchResponse, writeFetchResponse, type FetchResponse } from '../../protocol/generated/messages/fetch-response.js'
import { ErrorCode, errorCodeOf } from '../../protocol/errors.js'
import type { PartitionLog } from '../../storage/log.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'
import { downConvert } from '../../protocol/records/convert.js'
import { AFTER_WRITE, type ResponseGrant } from '../network/connection.js'
import { numberConfig } from '../../config/broker-config.js'
import { BatchCursor } from '../../protocol/records/batch-cursor.js'
import type { KafkaServices } from '../services.js'
import { failure } from './failure.js'

const EMPTY = Buffer.alloc(0)

type TopicResponse = FetchResponse['responses'][number]
type PartitionData = TopicResponse['partitions'][number]

interface Target {
  response: PartitionData
  log: PartitionLog | undefined
  fetchOffset: number
  partitionMaxBytes: number
  readCommitted: boolean
}

export default defineHandler({
  apiKey: 1,
  minVersion: 0,
  maxVersion: 17,
  codec: { decodeRequest: decodeFetchRequest, sizeResponse: sizeFetchResponse, writeResponse: writeFetchResponse },
  uses: ['authorizer', 'closing', 'config', 'logger', 'purgatory', 'readAhead', 'topics', 'transactions'],
  async handle (svc, ctx, req: FetchRequest): Promise<FetchResponse> {
    const v = ctx.apiVersion
    if (v >= 7 && req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [], nodeEndpoints: [] }
    }
    const readCommitted = v >= 4 && req.isolationLevel === 1
    // Transactions left open before a restart hold the LSO back only once their producer state is loaded.
    if (readCommitted && svc.transactions.started) await svc.transactions.settled()
    const responses: TopicResponse[] = []
    const targets: Target[] = []
    for (const ft of req.topics) {
      const topic = v >= 13 ? svc.topics.getById(ft.topicId) : svc.topics.get(ft.topic)
      const unknownCode = v >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      const partitions: PartitionData[] = []
      responses.push({ topic: ft.topic, topicId: ft.topicId, partitions })
      // ACLs: READ on the topic, else TOPIC_AUTHORIZATION_FAILED (an unknown topic id stays UNKNOWN_TOPIC_ID)
      const name = v >= 13 ? topic?.name : ft.topic
      const denied = name !== undefined && !allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.TOPIC, name)
      for (const fp of ft.partitions) {
        const log = topic === undefined || denied ? undefined : svc.topics.log(topic.name, fp.partition)
        const response: PartitionData = {
          partitionIndex: fp.partition,
          errorCode: denied ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : topic === undefined ? unknownCode : log === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: readCommitted ? [] : null,
          preferredReadReplica: -1,
          records: EMPTY
        }
        partitions.push(response)
        targets.push({ response, log, fetchOffset: Number(fp.fetchOffset), partitionMaxBytes: fp.partitionMaxBytes, readCommitted })
      }
    }

    // Read-your-writes: a fetch at offsets already written (an acks=1 answer may have gone out) but not yet
    // under the HW waits for their group commit (at most one fsync) instead of answering empty.
    const unsettled = targets.filter(t => t.log !== undefined && t.fetchOffset >= t.log.highWatermark && t.fetchOffset < t.log.writtenEndOffset)
    if (unsettled.length > 0) await Promise.all(unsettled.map(async t => { await t.log!.awaitWritten() }))
    const deadline = Date.now() + Math.max(0, req.maxWaitMs)
    const logs = targets.filter(t => t.log !== undefined).map(t => t.log as PartitionLog)
    const responseMaxBytes = Math.min(v >= 3 ? req.maxBytes : 0x7fffffff, numberConfig(svc.config, 'fetch.max.bytes'))
    let want = 0
    for (const t of targets) if (t.log !== undefined) want = Math.min(responseMaxBytes, want + Math.max(0, t.partitionMaxBytes))
    want = Math.max(1, want)
    // Pooled read buffers behind the records of the latest read: returned once the response is written,
    // or at once when a long poll reads again.
    let releases: Array<() => void> = []
    let grant: ResponseGrant | null = null
    try {
      for (;;) {
        for (const r of releases) r()
        releases = []
        grant?.release()
        grant = null
        const hwBefore = logs.map(l => l.highWatermark)
        if (logs.length > 0) grant = await ctx.connection.reserveResponse(want, Math.max(0, deadline - Date.now()))
        // no memory within the max wait: the partitions' offsets, no records
        const budget = grant === null ? -1 : grant.bytes
        const { bytes, errors } = await readAll(svc, ctx.connection, targets, budget, releases)
        grant?.settle(bytes)
        const remaining = deadline - Date.now()
        if (bytes >= req.minBytes || errors || remaining <= 0 || logs.length === 0 || svc.closing) break
        // Data may have arrived while we were reading: read again at once instead of sleeping.
        if (logs.some((l, i) => l.highWatermark !== hwBefore[i])) continue
        grant?.release()
        grant = null
        await svc.purgatory.waitForData(logs, remaining)
      }
    } catch (err) {
      for (const r of releases) r()
      grant?.release()
      throw err
    }
    if (v < 4) {
      const magic = v < 2 ? 0 : 1
      for (const t of targets) {
        const records = t.response.records
        if (Array.isArray(records) && records.length > 0) t.response.records = downConvert(records, magic)
      }
    }
    const response: FetchResponse & { [AFTER_WRITE]?: () => void } = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] }
    if (releases.length > 0 || grant !== null) {
      const done = releases
      const held = grant
      response[AFTER_WRITE] = () => {
        for (const r of done) r()
        held?.release()
      }
    }
    return response
  }
})

/** Reads every target within responseMaxBytes; -1: no read at all (offsets only). */
async function readAll (svc: Pick<KafkaServices, 'logger' | 'readAhead'>, conn: object, targets: Target[], responseMaxBytes: number, releases: Array<() => void>): Promise<{ bytes: number, errors: boolean }> {
  let bytes = 0
  let errors = false
  // Reads are issued in order with the byte budget known so far; the first partition with data may exceed it.
  for (const t of targets) {
    const r = t.response
    const log = t.log
    if (log === undefined) {
      errors = true
      continue
    }
    const hw = log.highWatermark
    const lso = log.lastStableOffset
    const upTo = t.readCommitted ? lso : hw
    r.highWatermark = BigInt(hw)
    r.lastStableOffset = BigInt(lso)
    r.logStartOffset = BigInt(log.logStartOffset)
    r.errorCode = ErrorCode.NONE
    r.records = EMPTY
    if (t.fetchOffset < log.logStartOffset || t.fetchOffset > log.logEndOffset) {
      r.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE
      errors = true
      continue
    }
    if (t.readCommitted) r.abortedTransactions = []
    if (t.fetchOffset >= upTo || responseMaxBytes < 0) continue
    const budget = Math.min(t.partitionMaxBytes, responseMaxBytes - bytes)
    const minOneBatch = bytes === 0
    if (budget <= 0 && !minOneBatch) continue
    let result
    try {
      // a read started when this connection's previous Fetch ended here (fetch-readahead.ts), else a new one
      const ahead = svc.readAhead.take(conn, log, t.fetchOffset, Math.max(0, budget), upTo)
      let early = ahead === null ? null : await ahead
      if (early !== null && !minOneBatch && early.bytes > budget) {
        early.release?.()
        early = null
      }
      result = early ?? await log.read(t.fetchOffset, Math.max(0, budget), { minOneBatch, maxOffset: upTo })
    } catch (err) {
      // A failed read answers this partition only, with the error's code, as Kafka's readFromLocalLog: the
      // other partitions are still read and the connection stays open.
      errors = true
      const code = errorCodeOf(err)
      if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
        // retention or DeleteRecords moved the log start past the offset since the check above
        r.errorCode = code
        r.logStartOffset = BigInt(log.logStartOffset)
        continue
      }
      // CORRUPT_MESSAGE (a corrupt batch in the segment), KAFKA_STORAGE_ERROR (EIO ...), UNKNOWN_SERVER_ERROR;
      // as Kafka, the offsets of a partition that failed are unknown (-1)
      r.errorCode = failure(svc.logger, err, `reading ${log.name} at offset ${t.fetchOffset}`, { partition: log.name }).code
      r.highWatermark = -1n
      r.lastStableOffset = -1n
      r.logStartOffset = -1n
      continue
    }
    if (result.release !== undefined) releases.push(result.release)
    if (result.bytes > 0) {
      r.records = result.batches
      bytes += result.bytes
      const upper = lastOffsetOfLastBatch(result.batches[result.batches.length - 1]!) + 1
      // a backlog (the read filled at least half its budget): read the next stretch while the client works
      if (result.bytes * 2 >= budget) svc.readAhead.start(conn, log, upper, Math.max(0, budget), upTo)
      if (t.readCommitted) {
        r.abortedTransactions = log.collectAbortedTxns(t.fetchOffset, upper).map(a => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) }))
      }
    }
  }
  return { bytes, errors }
}

const lastBatchCursor = new BatchCursor()

/** Last offset of the last batch in a buffer of whole batches (a read returns buffers of whole batches). */
function lastOffsetOfLastBatch (buf: Buffer): number {
  const c = lastBatchCursor.reset(buf)
  let last = -1
  while (c.next()) last = c.lastOffset
  c.reset(EMPTY)
  return last
}
