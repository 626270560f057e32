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
// This handler does the wire work (acks, up-conversion, the batch format check, the response); the partition
// lookup and the append are the core's (core/append.ts), the checks of the append the partition's
// (storage/partition.ts: compacted topics' keyless records -> INVALID_RECORD, v8+ also in recordErrors;
// transactional verification; idempotent producers' sequence checks and deduplication of the last five
// batches per producer, a retry getting its original offsets and no error).
//
// ACLs (as KafkaApis): a transactional request needs WRITE on its transactional id (else every partition is
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs WRITE (else its partitions are
// TOPIC_AUTHORIZATION_FAILED, nothing appended). Idempotence itself is checked at InitProducerId.
// acks: 0 -> no response (on any error the connection is closed, as Kafka does, so the client notices);
// 1 -> answered once the batch is in the file; -1 -> answered once it is fsynced (the durable high watermark).
// A storage failure is never acknowledged: KAFKA_STORAGE_ERROR.
import { decodeProduceRequest, type ProduceRequest } from '../../protocol/generated/messages/produce-request.js'
import { sizeProduceResponse, writeProduceResponse, type ProduceResponse } from '../../protocol/generated/messages/produce-response.js'
import { ErrorCode, errorCodeOf } from '../../protocol/errors.js'
import { validateBatches } from '../../protocol/records/validate.js'
import { MAGIC_OFFSET, RECORD_BATCH_OVERHEAD, producerId as batchProducerId } from '../../protocol/records/batch-header.js'
import { upConvert } from '../../protocol/records/convert.js'
import { appendRecords, appendTarget } from '../../core/append.js'
import { CloseConnectionError, type RequestContext } from '../network/connection.js'
import { defineHandler } from '../handler.js'
import type { KafkaServices } from '../services.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

type TopicResponse = ProduceResponse['responses'][number]
type PartitionResponse = TopicResponse['partitionResponses'][number]
type PartitionData = ProduceRequest['topicData'][number]['partitionData'][number]
type Services = Pick<KafkaServices, 'authorizer' | 'logger' | 'topics' | 'transactions'>

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
  uses: ['authorizer', 'logger', 'topics', 'transactions'],
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
function producerStateLoads (svc: Pick<KafkaServices, 'topics' | 'transactions'>, req: ProduceRequest): Array<Promise<unknown>> {
  const loads: Array<Promise<unknown>> = []
  if (req.transactionalId !== null && svc.transactions.current?.status !== 'active') loads.push(svc.transactions.get())
  for (const topicData of req.topicData) {
    for (const pd of topicData.partitionData) {
      const records = pd.records as Buffer | null
      if (records === null || records.length < RECORD_BATCH_OVERHEAD || records.readInt8(MAGIC_OFFSET) !== 2) continue
      if (batchProducerId(records, 0) < 0) continue
      const partition = svc.topics.log(topicData.name, pd.index)
      if (partition !== undefined && !partition.producerStateLoaded) loads.push(partition.loadProducerState())
    }
  }
  return loads
}

/** What the append phase collects for the acks: every append to wait for, and the responses still waiting. */
interface Acks {
  readonly acks: number
  readonly pending: Array<Promise<void>>
  readonly unsettled: Set<PartitionResponse>
  /** The first refusal, for acks=0 (which closes the connection). */
  anyError: string | null
}

/**
 * Validates and appends every partition's batch in one synchronous pass (offsets are assigned in request
 * order), then waits for the acks the request asked for.
 */
function appendAndAnswer (svc: Services, ctx: RequestContext, req: ProduceRequest): Promise<ProduceResponse | null> {
  const acks: Acks = { acks: req.acks, pending: [], unsettled: new Set(), anyError: null }
  const now = Date.now()
  const auth = svc.authorizer
  const txnDenied = auth.enabled && req.transactionalId !== null && !allowed(auth, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
  const responses: TopicResponse[] = req.topicData.map(topicData => ({
    name: topicData.name,
    partitionResponses: topicData.partitionData.map(pd => {
      const refusal = !auth.enabled
        ? ErrorCode.NONE
        : txnDenied
          ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
          : allowed(auth, ctx, AclOperation.WRITE, ResourceType.TOPIC, topicData.name) ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED
      const response = refusal === ErrorCode.NONE
        ? appendPartition(svc, ctx, req, topicData.name, pd, now, acks)
        : partitionError(pd.index, refusal, refusal === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? `not authorized to write to topic ${topicData.name}` : `not authorized to use transactional id ${String(req.transactionalId)}`)
      if (response.errorCode !== ErrorCode.NONE) acks.anyError ??= `${topicData.name}-${pd.index}: ${response.errorMessage ?? ''}`
      return response
    })
  }))

  // Everything above ran synchronously: the offsets are assigned. What follows only waits for the acks.
  if (req.acks === 0) {
    // Nothing is answered; the appends still complete in the background.
    if (acks.anyError !== null) return Promise.reject(new CloseConnectionError(`acks=0 produce failed (${acks.anyError}); closing so the client notices`))
    for (const p of acks.pending) p.catch(() => {})
    return Promise.resolve(null)
  }
  const body: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: [] }
  if (acks.pending.length === 0) return Promise.resolve(body)
  return awaitWithTimeout(acks.pending, req.timeoutMs, acks.unsettled).then(() => body)
}

/** One partition's batch: the wire checks, the core's append, and what its acks wait for. */
function appendPartition (svc: Services, ctx: RequestContext, req: ProduceRequest, topic: string, pd: PartitionData, now: number, acks: Acks): PartitionResponse {
  if (acks.acks !== 0 && acks.acks !== 1 && acks.acks !== -1) {
    return partitionError(pd.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${acks.acks}`)
  }
  const target = appendTarget(svc, topic, pd.index)
  if ('kind' in target) return partitionError(pd.index, target.errorCode, target.message)
  const records = recordBatchOf(ctx, pd, target.settings.maxMessageBytes)
  if (!Buffer.isBuffer(records)) return records
  const r = appendRecords(svc, target, records, req.transactionalId, now)
  const partition = target.partition
  if (r.kind === 'refused') {
    const response = partitionError(pd.index, r.errorCode, r.message)
    if (r.recordIndex >= 0) response.recordErrors = [{ batchIndex: r.recordIndex, batchIndexErrorMessage: r.message }]
    return response
  }
  const response = partitionError(pd.index, ErrorCode.NONE, null)
  response.baseOffset = BigInt(r.baseOffset)
  response.logStartOffset = BigInt(partition.logStartOffset)
  if (r.kind === 'duplicate') {
    // A retry of a batch already appended: its original offsets, durable once the high watermark passes it.
    if (acks.acks === -1) acks.pending.push(partition.waitForHighWatermark(r.lastOffset + 1))
    return response
  }
  response.logAppendTimeMs = BigInt(r.logAppendTime)
  const wait = acks.acks === -1 ? r.durable : r.written
  acks.unsettled.add(response)
  acks.pending.push(wait.then(() => { acks.unsettled.delete(response) }, (err: Error) => {
    acks.unsettled.delete(response)
    response.errorCode = errorCodeOf(err)
    response.errorMessage = `write to ${partition.name} failed: ${err.message}`
    response.baseOffset = -1n
    svc.logger.error({ topic, partition: pd.index, err: err.message }, 'append failed; not acknowledged')
  }))
  return response
}

/**
 * The partition's one RecordBatch v2 (legacy message sets of v0-v2 up-converted), checked at the header
 * level; or the error response. Decoded records are always one zero-copy view of the request frame.
 */
function recordBatchOf (ctx: RequestContext, pd: PartitionData, maxMessageBytes: number): Buffer | PartitionResponse {
  let records = pd.records as Buffer | null
  if (records === null || records.length === 0) {
    return partitionError(pd.index, ErrorCode.INVALID_RECORD, 'produce requests must carry exactly one record batch per partition, got none')
  }
  if (ctx.apiVersion < 3 && records.length > MAGIC_OFFSET && records.readInt8(MAGIC_OFFSET) !== 2) {
    try {
      records = upConvert(records)
    } catch (err) {
      return partitionError(pd.index, ErrorCode.CORRUPT_MESSAGE, `legacy message set: ${(err as Error).message}`)
    }
  }
  const valid = validateBatches(records, maxMessageBytes)
  if (!valid.ok) return partitionError(pd.index, ErrorCode[valid.error], valid.message)
  if (valid.batches.length !== 1) {
    return partitionError(pd.index, ErrorCode.INVALID_RECORD, `produce requests must carry exactly one record batch per partition, got ${valid.batches.length}`)
  }
  return records
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
