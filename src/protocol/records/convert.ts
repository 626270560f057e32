// Conversion between legacy message sets (magic 0/1) and RecordBatch v2, for Produce v0-v2 and Fetch v0-v3.
// Up-conversion keeps keys, values, timestamps (magic 0 has none: -1) and the producer's codec; offsets
// are reassigned on append as for any batch. Down-conversion writes uncompressed legacy messages with the
// stored offsets; record headers (which legacy messages cannot carry) are dropped, and control batches are
// skipped, as Kafka does.
import { CompressionCodec, TimestampType, isControl, timestampType } from './batch-header.js'
import { buildRecordBatch } from './builder.js'
import { legacyCodec, parseMessageSet, writeMessageSet, type LegacyRecord } from './legacy.js'
import { iterateBatches, iterateRecords } from './record.js'

/** A legacy message set as one RecordBatch v2 (throws LegacyFormatError on bad input). */
export function upConvert (messageSet: Buffer): Buffer {
  const messages = parseMessageSet(messageSet)
  if (messages.length === 0) throw new RangeError('legacy message set holds no message')
  const logAppendTime = messages.some(m => m.logAppendTime)
  return buildRecordBatch(
    messages.map(m => ({ key: m.key, value: m.value, timestamp: m.timestamp })),
    { compression: legacyCodec(messageSet) as CompressionCodec, timestampType: logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime }
  )
}

/** Stored v2 batches as a legacy message set of `magic` (0 for Fetch v0-v1, 1 for v2-v3). */
export function downConvert (batches: Buffer[], magic: 0 | 1): Buffer {
  const records: LegacyRecord[] = []
  let logAppendTime = false
  for (const chunk of batches) {
    for (const b of iterateBatches(chunk)) {
      if (isControl(chunk, b.pos)) continue
      if (timestampType(chunk, b.pos) === TimestampType.LogAppendTime) logAppendTime = true
      for (const r of iterateRecords(chunk, b.pos)) {
        records.push({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })
      }
    }
  }
  return writeMessageSet(records, magic, logAppendTime)
}
