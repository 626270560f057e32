// Produce (key 0): validate each partition's record batch at the header level (magic, length, CRC32C,
// record count, max.message.bytes), assign offsets by rewriting baseOffset, append, answer per acks.
//
// Version notes:
//   v0-v2   legacy message sets (magic 0/1) are up-converted to one RecordBatch v2 (keys, values,
//           timestamps and codec kept), as Kafka 3.x stores only v2; v2 batches are accepted as they are.
//           v1 adds throttle time, v2 log append time.
//   v3      transactional id; RecordBatch v2 only (older message formats: UNSUPPORTED_FOR_MESSAGE_FORMAT)
//   v5      log start offset in the response
//   v7      same as v6 (ZStandard allowed)
//   v8      record errors and error message per partition (Samsa fills the message on every error)
//   v9      flexible
//   v10-11  tagged current leader / node endpoints (only sent with NOT_LEADER_OR_FOLLOWER: never, one node)
// Idempotent producers: per-partition sequence checks (INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER) and
// deduplication of the last five batches per producer (a retry gets its original offsets, no error).
// Compacted topics (cleanup.policy includes compact): a record with a null key -> INVALID_RECORD, naming the
// topic-partition and the record (v8+: also in recordErrors), as Kafka.
// Transactional batches (isTransactional bit; the request names the transactional id): the producer must be
// the id's current producer with an open transaction that holds the partition (AddPartitionsToTxn first),
// as Kafka 3.x verifies -> else INVALID_TXN_STATE / INVALID_PRODUCER_EPOCH / INVALID_PRODUCER_ID_MAPPING;
// a transactional batch without a transactional id -> INVALID_TXN_STATE. The batch opens the partition's
// transaction for that producer (producers/producer-state.ts), which holds the last stable offset back.
//
// acks: 0 -> no response (on any error the connection is closed, as Kafka does, so the client notices);
// 1 -> answered once the batch is in the file; -1 -> answered once it is fsynced (the durable high watermark).
// A storage failure is never acknowledged: KAFKA_STORAGE_ERROR.
import { decodeProduceRequest, type ProduceRequest } from '../../protocol/generated/messages/produce-request.js'
import { sizeProduceResponse, writeProduceResponse, type ProduceResponse } from '../../protocol/generated/messages/produce-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { validateBatches } from '../../protocol/records/validate.js'
import {
  MAGIC_OFFSET, RECORD_BATCH_OVERHEAD, baseSequence as batchBaseSequence, lastOffsetDelta as batchLastOffsetDelta,
  producerEpoch as batchProducerEpoch, producerId as batchProducerId, isTransactional as batchIsTransactional
} from '../../protocol/records/batch-header.js'
import { lastSequenceOf, type PartitionProducerState } from '../../core/producers/producer-state.js'
import type { PartitionLog } from '../../storage/log.js'
import { upConvert } from '../../protocol/records/convert.js'
import { firstKeylessRecord } from '../../storage/cleaner/record-scan.js'
import { CloseConnectionError, type RequestContext } from '../network/connection.js'
import { defineHandler } from '../handler.js'
import { INTERNAL_TOPICS } from '../../core/topics.js'
import type { KafkaServices } from '../services.js'

type TopicResponse = ProduceResponse['responses'][number]
type PartitionResponse = TopicResponse['partitionResponses'][number]

function partitionError (index: number, errorCode: number, message: string | null): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: message
  }
}

export default defineHandler({
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  codec: { decodeRequest: decodeProduceRequest, sizeResponse: sizeProduceResponse, writeResponse: writeProduceResponse },
  uses: ['logger', 'producers', 'topics', 'transactions'],
  async handle (svc, ctx, req: ProduceRequest): Promise<ProduceResponse | null> {
    // Appends follow the request order of the connection (an idempotent producer pipelines up to five
    // requests and relies on it, as Kafka serves one request per connection at a time). The append phase
    // below is synchronous; it waits only when an earlier request of this connection is still waiting for
    // producer state, or when this one needs producer state that is not loaded yet.
    const conn = ctx.connection
    const before = appendGates.get(conn)
    const loads = producerStateLoads(svc, req)
    if (before === undefined && loads.length === 0) return await appendAndAnswer(svc, ctx, req)
    let open!: () => void
    const gate = new Promise<void>(resolve => { open = resolve })
    appendGates.set(conn, gate)
    let answer: Promise<ProduceResponse | null>
    try {
      if (before !== undefined) await before
      // A load that fails leaves the state unloaded; the append phase then reports it per partition.
      await Promise.all(loads.map(async p => await p.catch(() => undefined)))
      answer = appendAndAnswer(svc, ctx, req) // the append phase runs (synchronously) in this call
    } finally {
      // The next request of this connection may append now: this one's offsets are assigned.
      if (appendGates.get(conn) === gate) appendGates.delete(conn)
      open()
    }
    return await answer
  }
})

/** Per connection: resolves when the append phase of its latest waiting produce request is over. */
const appendGates = new WeakMap<object, Promise<void>>()

/**
 * Loads of producer state that this request's idempotent batches need and that are not loaded yet, and of the
 * transaction coordinator for a transactional request.
 */
function producerStateLoads (svc: Pick<KafkaServices, 'producers' | 'topics' | 'transactions'>, req: ProduceRequest): Array<Promise<unknown>> {
  const loads: Array<Promise<unknown>> = []
  if (req.transactionalId !== null && svc.transactions.current?.status !== 'active') loads.push(svc.transactions.get())
  for (const topicData of req.topicData) {
    for (const pd of topicData.partitionData) {
      const records = pd.records as Buffer | null
      if (records === null || records.length < RECORD_BATCH_OVERHEAD || records.readInt8(MAGIC_OFFSET) !== 2) continue
      if (batchProducerId(records, 0) < 0) continue
      const log = svc.topics.log(topicData.name, pd.index)
      if (log !== undefined && svc.producers.loaded(log) === undefined) loads.push(svc.producers.stateFor(log))
    }
  }
  return loads
}

/**
 * Validates and appends every partition's batch in one synchronous pass (offsets are assigned in request
 * order), then waits for the acks the request asked for.
 */
function appendAndAnswer (svc: Pick<KafkaServices, 'logger' | 'producers' | 'topics' | 'transactions'>, ctx: RequestContext, req: ProduceRequest): Promise<ProduceResponse | null> {
  const acks = req.acks
  const responses: TopicResponse[] = []
  const pending: Array<Promise<void>> = []
  const unsettled = new Set<PartitionResponse>()
  let anyError: string | null = null
  const now = Date.now()

  for (const topicData of req.topicData) {
    const partitionResponses: PartitionResponse[] = []
    responses.push({ name: topicData.name, partitionResponses })
    const topic = svc.topics.get(topicData.name)
    for (const pd of topicData.partitionData) {
      const fail = (code: number, message: string): void => {
        partitionResponses.push(partitionError(pd.index, code, message))
        anyError ??= `${topicData.name}-${pd.index}: ${message}`
      }
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        fail(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${acks}`)
        continue
      }
      const log = topic === undefined ? undefined : svc.topics.log(topic.name, pd.index)
      if (topic === undefined || log === undefined) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${topicData.name}-${pd.index}`)
        continue
      }
      if (INTERNAL_TOPICS.has(topic.name)) {
        fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`)
        continue
      }
      if (log.storageError !== null) {
        fail(ErrorCode.KAFKA_STORAGE_ERROR, `partition ${topicData.name}-${pd.index} is offline after a storage error: ${log.storageError.message}`)
        continue
      }
      // Decoded records are always one zero-copy view of the request frame.
      let records = pd.records as Buffer | null
      if (records === null || records.length === 0) {
        fail(ErrorCode.INVALID_RECORD, 'produce requests must carry exactly one record batch per partition, got none')
        continue
      }
      if (ctx.apiVersion < 3 && records.length > MAGIC_OFFSET && records.readInt8(MAGIC_OFFSET) !== 2) {
        try {
          records = upConvert(records)
        } catch (err) {
          fail(ErrorCode.CORRUPT_MESSAGE, `legacy message set: ${(err as Error).message}`)
          continue
        }
      }
      const settings = svc.topics.settingsOf(topic)
      const valid = validateBatches(records, settings.maxMessageBytes)
      if (!valid.ok) {
        fail(ErrorCode[valid.error], valid.message)
        continue
      }
      if (valid.batches.length !== 1) {
        fail(ErrorCode.INVALID_RECORD, `produce requests must carry exactly one record batch per partition, got ${valid.batches.length}`)
        continue
      }
      if (settings.cleanupPolicy.includes('compact')) {
        // Kafka refuses keyless records on compacted topics; only these topics pay for reading the records.
        let keyless: number
        try {
          keyless = firstKeylessRecord(records, 0)
        } catch (err) {
          fail(ErrorCode.CORRUPT_MESSAGE, `records of the batch for ${topicData.name}-${pd.index} do not decode: ${(err as Error).message}`)
          continue
        }
        if (keyless >= 0) {
          const message = `Compacted topic cannot accept message without key in topic partition ${topicData.name}-${pd.index} (record ${keyless} of the batch has a null key)`
          fail(ErrorCode.INVALID_RECORD, message)
          partitionResponses[partitionResponses.length - 1]!.recordErrors = [{ batchIndex: keyless, batchIndexErrorMessage: message }]
          continue
        }
      }
      // Idempotent batches: sequence checks against the partition's producer state (loaded on first use).
      const pid = batchProducerId(records, 0)
      const transactional = batchIsTransactional(records, 0)
      if (transactional) {
        if (req.transactionalId === null) {
          fail(ErrorCode.INVALID_TXN_STATE, `a transactional record batch for ${topicData.name}-${pd.index} in a produce request without a transactional id`)
          continue
        }
        const txns = svc.transactions.current
        const verdict = txns === null || txns.status !== 'active'
          ? { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: 'the transaction coordinator is not available' }
          : txns.checkPartition(req.transactionalId, pid, batchProducerEpoch(records, 0), topicData.name, pd.index, false)
        if (verdict.errorCode !== ErrorCode.NONE) {
          fail(verdict.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE ? ErrorCode.NOT_ENOUGH_REPLICAS : verdict.errorCode, verdict.message ?? 'transaction check failed')
          continue
        }
      }
      let idem: { state: PartitionProducerState, epoch: number, firstSeq: number, lastSeq: number } | null = null
      if (pid >= 0) {
        const state = svc.producers.loaded(log)
        if (state === undefined) {
          fail(ErrorCode.KAFKA_STORAGE_ERROR, `the producer state of ${topicData.name}-${pd.index} could not be loaded from its log`)
          continue
        }
        const epoch = batchProducerEpoch(records, 0)
        const firstSeq = batchBaseSequence(records, 0)
        const lastSeq = lastSequenceOf(firstSeq, batchLastOffsetDelta(records, 0))
        const check = state.check(pid, epoch, firstSeq, lastSeq, transactional)
        if (check.kind === 'error') {
          fail(check.errorCode, check.message)
          continue
        }
        if (check.kind === 'duplicate') {
          // A retry of a batch already appended: answer with its original offsets, append nothing.
          const response = partitionError(pd.index, ErrorCode.NONE, null)
          response.baseOffset = BigInt(check.batch.firstOffset)
          response.logStartOffset = BigInt(log.logStartOffset)
          partitionResponses.push(response)
          if (acks === -1) pending.push(waitForHighWatermark(log, check.batch.lastOffset + 1))
          continue
        }
        idem = { state, epoch, firstSeq, lastSeq }
      }
      const response = partitionError(pd.index, ErrorCode.NONE, null)
      partitionResponses.push(response)
      let appended
      try {
        appended = log.append([records], now)
      } catch (err) {
        response.errorCode = ErrorCode.KAFKA_STORAGE_ERROR
        response.errorMessage = `append to ${topicData.name}-${pd.index} failed: ${(err as Error).message}`
        anyError ??= response.errorMessage
        continue
      }
      if (idem !== null) {
        idem.state.record(pid, idem.epoch, { firstSeq: idem.firstSeq, lastSeq: idem.lastSeq, firstOffset: appended.baseOffset, lastOffset: appended.lastOffset, timestamp: now }, transactional)
      }
      response.baseOffset = BigInt(appended.baseOffset)
      response.logAppendTimeMs = BigInt(appended.logAppendTime)
      response.logStartOffset = BigInt(log.logStartOffset)
      const wait = acks === -1 ? appended.durable : appended.written
      unsettled.add(response)
      pending.push(wait.then(() => { unsettled.delete(response) }, (err: Error) => {
        unsettled.delete(response)
        response.errorCode = ErrorCode.KAFKA_STORAGE_ERROR
        response.errorMessage = `write to ${topicData.name}-${pd.index} failed: ${err.message}`
        response.baseOffset = -1n
        svc.logger.error({ topic: topicData.name, partition: pd.index, err: err.message }, 'append failed; not acknowledged')
      }))
    }
  }

  // Everything above ran synchronously: the offsets are assigned. What follows only waits for the acks.
  if (acks === 0) {
    // Nothing is answered; the appends still complete in the background.
    if (anyError !== null) return Promise.reject(new CloseConnectionError(`acks=0 produce failed (${anyError as string}); closing so the client notices`))
    for (const p of pending) p.catch(() => {})
    return Promise.resolve(null)
  }
  const body: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: [] }
  if (pending.length === 0) return Promise.resolve(body)
  return awaitWithTimeout(pending, req.timeoutMs, unsettled).then(() => body)
}

/** Resolves once the partition's high watermark reaches `offset` (a duplicate's original append is durable). */
function waitForHighWatermark (log: PartitionLog, offset: number): Promise<void> {
  if (log.highWatermark >= offset) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onAdvance = (hw: number): void => {
      if (hw < offset && log.storageError === null) return
      log.off('highWatermark', onAdvance)
      if (hw >= offset) resolve()
      else reject(log.storageError as Error)
    }
    log.on('highWatermark', onAdvance)
  })
}

/** Waits for every append; partitions still pending after timeoutMs get REQUEST_TIMED_OUT (as Kafka). */
async function awaitWithTimeout (pending: Array<Promise<void>>, timeoutMs: number, unsettled: Set<PartitionResponse>): Promise<void> {
  const all = Promise.all(pending)
  if (timeoutMs <= 0) {
    await all
    return
  }
  let timer: NodeJS.Timeout | undefined
  const timedOut = await Promise.race([
    all.then(() => false),
    new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(true), timeoutMs) })
  ])
  clearTimeout(timer)
  if (!timedOut) return
  // The outcome of these appends is unknown to the client: Kafka's REQUEST_TIMED_OUT.
  for (const p of unsettled) {
    p.errorCode = ErrorCode.REQUEST_TIMED_OUT
    p.errorMessage = `not durable within the request timeout of ${timeoutMs} ms`
    p.baseOffset = -1n
  }
}
