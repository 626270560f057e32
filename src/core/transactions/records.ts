// __transaction_state records, in Kafka's own format (TransactionLogKey / TransactionLogValue), so the topic
// reads the same to Kafka's tools as a Kafka broker's.
//
//   key   = version int16 (0) | transactionalId string (int16 length + UTF-8)
//   value = version int16 (0, or 1 = flexible) | producerId int64 | producerEpoch int16
//           | transactionTimeoutMs int32 | transactionStatus int8
//           | transactionPartitions: array of { topic string, partitionIds array of int32 } (nullable)
//           | transactionLastUpdateTimestampMs int64 | transactionStartTimestampMs int64
//   v0 arrays: int32 count (-1 = null); strings: int16 length. v1 (Kafka 4.x): compact arrays and strings
//   (uvarint length + 1) and a tagged-field section after each struct; read here, never written.
//   null value = tombstone (an expired transactional id).
// Samsa writes v0, as Kafka 3.9 does.
import { Reader } from '../../protocol/primitives/reader.js'

export const TXN_KEY_VERSION = 0
export const TXN_VALUE_VERSION = 0

/** Kafka's TransactionState ids, as stored in transactionStatus. */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7
} as const
export type TxnStateId = typeof TxnState[keyof typeof TxnState]
export const TXN_STATE_NAMES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const

export interface TxnLogValue {
  producerId: number
  producerEpoch: number
  transactionTimeoutMs: number
  state: TxnStateId
  /** topic -> partitions */
  partitions: Map<string, number[]>
  lastUpdateTimestamp: number
  startTimestamp: number
}

export function encodeTxnKey (transactionalId: string): Buffer {
  const id = Buffer.from(transactionalId, 'utf8')
  const buf = Buffer.alloc(4 + id.length)
  buf.writeInt16BE(TXN_KEY_VERSION, 0)
  buf.writeInt16BE(id.length, 2)
  id.copy(buf, 4)
  return buf
}

export function encodeTxnValue (v: TxnLogValue): Buffer {
  const topics = [...v.partitions].map(([t, ps]) => ({ name: Buffer.from(t, 'utf8'), ps }))
  let size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8
  for (const t of topics) size += 2 + t.name.length + 4 + 4 * t.ps.length
  const buf = Buffer.alloc(size)
  let p = buf.writeInt16BE(TXN_VALUE_VERSION, 0)
  p = buf.writeBigInt64BE(BigInt(v.producerId), p)
  p = buf.writeInt16BE(v.producerEpoch, p)
  p = buf.writeInt32BE(v.transactionTimeoutMs, p)
  p = buf.writeInt8(v.state, p)
  // Kafka writes a null partition array (-1) for Empty (TransactionLog.valueToBytes), a list otherwise
  p = buf.writeInt32BE(v.state === TxnState.Empty && topics.length === 0 ? -1 : topics.length, p)
  for (const t of topics) {
    p = buf.writeInt16BE(t.name.length, p)
    p += t.name.copy(buf, p)
    p = buf.writeInt32BE(t.ps.length, p)
    for (const id of t.ps) p = buf.writeInt32BE(id, p)
  }
  p = buf.writeBigInt64BE(BigInt(v.lastUpdateTimestamp), p)
  buf.writeBigInt64BE(BigInt(v.startTimestamp), p)
  return buf
}

/** The transactional id of a key; throws a RangeError naming the problem. */
export function decodeTxnKey (buf: Buffer): string {
  const r = new Reader(buf)
  const version = r.int16()
  if (version !== 0) throw new RangeError(`__transaction_state key version ${version} is unknown`)
  const id = r.string()
  if (id === null) throw new RangeError('__transaction_state key has a null transactional id')
  return id
}

/** Decodes a value (v0 or v1); throws a RangeError (or ProtocolDecodeError) naming the problem. */
export function decodeTxnValue (buf: Buffer): TxnLogValue {
  const r = new Reader(buf)
  const version = r.int16()
  if (version !== 0 && version !== 1) throw new RangeError(`__transaction_state value version ${version} is unknown`)
  const flex = version >= 1
  const producerId = Number(r.int64())
  const producerEpoch = r.int16()
  const transactionTimeoutMs = r.int32()
  const state = r.int8()
  if (state < 0 || state > 7) throw new RangeError(`__transaction_state value has transaction status ${state}`)
  const partitions = new Map<string, number[]>()
  const n = flex ? r.compactArrayLength() : r.arrayLength()
  for (let i = 0; i < n; i++) {
    const topic = flex ? r.compactString() : r.string()
    const m = flex ? r.compactArrayLength() : r.arrayLength()
    const ids: number[] = []
    for (let j = 0; j < m; j++) ids.push(r.int32())
    if (flex) r.skipTaggedFields()
    if (topic !== null) partitions.set(topic, ids)
  }
  const lastUpdateTimestamp = Number(r.int64())
  const startTimestamp = Number(r.int64())
  return { producerId, producerEpoch, transactionTimeoutMs, state: state as TxnStateId, partitions, lastUpdateTimestamp, startTimestamp }
}
