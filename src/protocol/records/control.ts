// Control batches: the transaction markers the transaction coordinator writes into every partition of a
// transaction (Kafka's EndTransactionMarker / ControlRecordType). A control batch is a RecordBatch v2 with
// the isControl and isTransactional attribute bits, the producer's id and epoch, baseSequence -1, and one
// record:
//   key   = version int16 (0) | type int16 (0 = ABORT, 1 = COMMIT)
//   value = version int16 (0) | coordinatorEpoch int32
// Consumers never see control records as messages; read_committed ones use them to close aborted transactions.
import { buildRecordBatch } from './builder.js'
import { iterateRecords } from './record.js'

export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const

export function buildControlBatch (opts: { producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, timestamp: number }): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(opts.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(opts.coordinatorEpoch, 2)
  return buildRecordBatch([{ key, value }], {
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
    timestamp: opts.timestamp
  })
}

/**
 * The marker type of the control batch at `pos` in `buf`: 'commit', 'abort', or null for a control record
 * of another type (Kafka skips unknown types) or one that does not decode.
 */
export function controlTypeOf (buf: Buffer, pos = 0): 'commit' | 'abort' | null {
  try {
    for (const r of iterateRecords(buf, pos)) {
      if (r.key === null || r.key.length < 4) return null
      const type = r.key.readInt16BE(2)
      return type === ControlRecordType.COMMIT ? 'commit' : type === ControlRecordType.ABORT ? 'abort' : null
    }
  } catch {
    return null
  }
  return null
}
