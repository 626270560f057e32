// Validation of the `records` field of a Produce request, batch by batch, header-level only (no record
// decoding, no decompression): this is the produce hot path. Checks, in Kafka's order and with Kafka's
// error codes:
//   - at least 17 bytes so that magic can be read; magic 0/1 (legacy message sets) -> UNSUPPORTED_FOR_MESSAGE_FORMAT,
//     any other magic but 2 -> CORRUPT_MESSAGE
//   - batchLength >= 49 and the batch ends inside the buffer           -> CORRUPT_MESSAGE
//   - whole batch size <= max.message.bytes                              -> MESSAGE_TOO_LARGE
//   - CRC32C over [attributes, end)                                      -> CORRUPT_MESSAGE
//   - recordCount > 0 and lastOffsetDelta == recordCount - 1             -> INVALID_RECORD
//   - no control batches from clients; transactional batches carry a producerId -> INVALID_RECORD
import {
  ATTRIBUTES_OFFSET, BATCH_LENGTH_OFFSET, CONTROL_MASK, CRC_OFFSET, CURRENT_MAGIC, LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, MIN_BATCH_LENGTH, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET,
  TRANSACTIONAL_MASK
} from './batch-header.js'
import { crc32c } from './crc32c.js'

export type BatchValidationError = 'CORRUPT_MESSAGE' | 'MESSAGE_TOO_LARGE' | 'INVALID_RECORD' | 'UNSUPPORTED_FOR_MESSAGE_FORMAT'

export interface BatchRange { offset: number; length: number }

export interface ValidBatches {
  ok: true
  /** Position and size of each batch inside the validated buffer. */
  batches: BatchRange[]
  /** Sum of recordCount over the batches. */
  recordCount: number
  /** Total bytes (== buf.length). */
  bytes: number
  /** Largest maxTimestamp over the batches (CreateTime), -1 if none. */
  maxTimestamp: number
  /** True if any batch has the isTransactional bit. */
  hasTransactional: boolean
}

export interface InvalidBatches { ok: false; error: BatchValidationError; message: string }

export interface ValidateOptions {
  /** Control batches (transaction markers) are written by the broker only; clients may not send them. */
  allowControl?: boolean
}

export function validateBatches (buf: Buffer, maxMessageBytes: number, opts: ValidateOptions = {}): ValidBatches | InvalidBatches {
  const batches: BatchRange[] = []
  let recordCount = 0
  let maxTimestamp = -1
  let hasTransactional = false
  let pos = 0
  if (buf.length === 0) return { ok: false, error: 'INVALID_RECORD', message: 'records field holds no record batch' }
  while (pos < buf.length) {
    const remaining = buf.length - pos
    if (remaining <= MAGIC_OFFSET) {
      return { ok: false, error: 'CORRUPT_MESSAGE', message: `truncated record batch at byte ${pos}: ${remaining} bytes left, a batch header needs 61` }
    }
    const magic = buf.readInt8(pos + MAGIC_OFFSET)
    if (magic !== CURRENT_MAGIC) {
      if (magic === 0 || magic === 1) {
        return { ok: false, error: 'UNSUPPORTED_FOR_MESSAGE_FORMAT', message: `legacy message set (magic ${magic}) at byte ${pos}: only RecordBatch v2 (magic 2) is supported; use a client that produces magic 2 (Kafka 0.11+)` }
      }
      return { ok: false, error: 'CORRUPT_MESSAGE', message: `record batch at byte ${pos}: expected magic 2, got ${magic}` }
    }
    const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET)
    if (batchLength < MIN_BATCH_LENGTH) {
      return { ok: false, error: 'CORRUPT_MESSAGE', message: `record batch at byte ${pos}: batchLength ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}` }
    }
    const size = batchLength + LOG_OVERHEAD
    if (size > remaining) {
      return { ok: false, error: 'CORRUPT_MESSAGE', message: `truncated record batch at byte ${pos}: batchLength says ${size} bytes, only ${remaining} present` }
    }
    if (size > maxMessageBytes) {
      return { ok: false, error: 'MESSAGE_TOO_LARGE', message: `record batch at byte ${pos} is ${size} bytes, larger than max.message.bytes ${maxMessageBytes}` }
    }
    const expectedCrc = buf.readUInt32BE(pos + CRC_OFFSET)
    const actualCrc = crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + size))
    if (expectedCrc !== actualCrc) {
      return { ok: false, error: 'CORRUPT_MESSAGE', message: `record batch at byte ${pos}: CRC32C mismatch, header says ${expectedCrc}, computed ${actualCrc}` }
    }
    const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET)
    const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET)
    if (count <= 0) {
      return { ok: false, error: 'INVALID_RECORD', message: `record batch at byte ${pos}: recordCount must be > 0, got ${count}` }
    }
    if (lastOffsetDelta !== count - 1) {
      return { ok: false, error: 'INVALID_RECORD', message: `record batch at byte ${pos}: lastOffsetDelta ${lastOffsetDelta} does not match recordCount ${count} (expected ${count - 1})` }
    }
    const attrs = buf.readInt16BE(pos + ATTRIBUTES_OFFSET)
    if ((attrs & CONTROL_MASK) !== 0 && opts.allowControl !== true) {
      return { ok: false, error: 'INVALID_RECORD', message: `record batch at byte ${pos}: control batches cannot be produced by clients` }
    }
    if ((attrs & TRANSACTIONAL_MASK) !== 0) {
      hasTransactional = true
      if (buf.readBigInt64BE(pos + PRODUCER_ID_OFFSET) < 0n) {
        return { ok: false, error: 'INVALID_RECORD', message: `record batch at byte ${pos}: transactional batch without a producerId` }
      }
    }
    const ts = Number(buf.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET))
    if (ts > maxTimestamp) maxTimestamp = ts
    recordCount += count
    batches.push({ offset: pos, length: size })
    pos += size
  }
  return { ok: true, batches, recordCount, bytes: buf.length, maxTimestamp, hasTransactional }
}
