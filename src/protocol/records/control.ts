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

/** A marker's control record key: version 0, type COMMIT (1) or ABORT (0). */
export function controlRecordKey (commit: boolean): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 2)
  return key
}

/** A marker's control record value (EndTransactionMarker v0): version 0, coordinator epoch. */
export function controlRecordValue (coordinatorEpoch: number): Buffer {
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(coordinatorEpoch, 2)
  return value
}

/** The type of a control record key (0 ABORT, 1 COMMIT, ...), -1 when the key is not one. */
export function parseControlRecordType (key: Buffer | null): number {
  if (key === null || key.length < 4) return -1
  return key.readInt16BE(2)
}

export function buildControlBatch (opts: { producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, timestamp: number }): Buffer {
  return buildRecordBatch([{ key: controlRecordKey(opts.commit), value: controlRecordValue(opts.coordinatorEpoch) }], {
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
      const type = parseControlRecordType(r.key)
      return type === ControlRecordType.COMMIT ? 'commit' : type === ControlRecordType.ABORT ? 'abort' : null
    }
  } catch {
    return null
  }
  return null
}
