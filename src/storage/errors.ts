// Storage errors the broker maps to Kafka error codes. Each names the partition or file, the expected value
// and the actual value.

/** fetchOffset outside [logStartOffset, logEndOffset] -> OFFSET_OUT_OF_RANGE. */
export class OffsetOutOfRangeError extends Error {
  readonly code = 'OFFSET_OUT_OF_RANGE'
  constructor (message: string, readonly logStartOffset: number, readonly logEndOffset: number) {
    super(message)
    this.name = 'OffsetOutOfRangeError'
  }
}

/** A failed write or fsync: the partition refuses appends from then on -> KAFKA_STORAGE_ERROR. */
export class KafkaStorageError extends Error {
  readonly code = 'KAFKA_STORAGE_ERROR'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KafkaStorageError'
  }
}

/** Bytes in a .log file that are not a valid batch where one was expected (found by reads, not recovery). */
export class CorruptLogError extends Error {
  readonly code = 'CORRUPT_MESSAGE'
  constructor (message: string) {
    super(message)
    this.name = 'CorruptLogError'
  }
}

/** DeleteRecords on a topic whose cleanup.policy lacks delete -> POLICY_VIOLATION (as Kafka). */
export class PolicyViolationError extends Error {
  readonly code = 'POLICY_VIOLATION'
  constructor (message: string) {
    super(message)
    this.name = 'PolicyViolationError'
  }
}
