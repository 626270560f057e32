// Storage errors, each carrying its Kafka error code (KafkaError: `errorCode`, and Kafka's name in `code`), so
// a front door answers them with errorCodeOf() and no mapping of its own. Each message names the partition or
// file, the expected value and the actual value.
import { ErrorCode, KafkaError } from '../protocol/errors.js'

/** fetchOffset outside [logStartOffset, logEndOffset] -> OFFSET_OUT_OF_RANGE. */
export class OffsetOutOfRangeError extends KafkaError {
  constructor (message: string, readonly logStartOffset: number, readonly logEndOffset: number) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, message)
    this.name = 'OffsetOutOfRangeError'
  }
}

/** A failed write or fsync: the partition refuses appends from then on -> KAFKA_STORAGE_ERROR. */
export class KafkaStorageError extends KafkaError {
  constructor (message: string, options?: { cause?: unknown }) {
    super(ErrorCode.KAFKA_STORAGE_ERROR, message, options)
    this.name = 'KafkaStorageError'
  }
}

/** Bytes in a .log file that are not a valid batch where one was expected (found by reads, not recovery) -> CORRUPT_MESSAGE. */
export class CorruptLogError extends KafkaError {
  /** `logged`: storage already logged this damage at ERROR (once per file position): front doors need not repeat it per fetch. */
  constructor (message: string, readonly logged = false) {
    super(ErrorCode.CORRUPT_MESSAGE, message)
    this.name = 'CorruptLogError'
  }
}

/** DeleteRecords on a topic whose cleanup.policy lacks delete -> POLICY_VIOLATION (as Kafka). */
export class PolicyViolationError extends KafkaError {
  constructor (message: string) {
    super(ErrorCode.POLICY_VIOLATION, message)
    this.name = 'PolicyViolationError'
  }
}
