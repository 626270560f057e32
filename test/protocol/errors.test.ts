// The Kafka error table: every code of Kafka 3.9 from -1 to 127 exactly once, ErrorCode agrees with the
// table, names are UPPER_SNAKE, and a sample of well-known codes and retriable flags match Kafka's.
import t from 'tap'
import { ERRORS, ErrorCode, errorName, isRetriable, errorMessage, errorInfo } from '../../src/protocol/errors.js'

t.test('every code from -1 to 127 exactly once', async t => {
  const codes = ERRORS.map(e => e.code)
  t.equal(new Set(codes).size, codes.length, 'codes are unique')
  t.equal(new Set(ERRORS.map(e => e.name)).size, ERRORS.length, 'names are unique')
  for (let c = -1; c <= 127; c++) t.ok(errorInfo(c), `code ${c} is known`)
  t.equal(ERRORS.length, 129)
})

t.test('ErrorCode mirrors the table', async t => {
  t.equal(Object.keys(ErrorCode).length, ERRORS.length)
  for (const e of ERRORS) {
    t.equal((ErrorCode as Record<string, number>)[e.name], e.code, e.name)
    t.match(e.name, /^[A-Z][A-Z0-9_]*$/)
  }
})

t.test('well-known codes', async t => {
  t.equal(ErrorCode.NONE, 0)
  t.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1)
  t.equal(ErrorCode.OFFSET_OUT_OF_RANGE, 1)
  t.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3)
  t.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6)
  t.equal(ErrorCode.MESSAGE_TOO_LARGE, 10)
  t.equal(ErrorCode.NOT_COORDINATOR, 16)
  t.equal(ErrorCode.ILLEGAL_GENERATION, 22)
  t.equal(ErrorCode.UNKNOWN_MEMBER_ID, 25)
  t.equal(ErrorCode.REBALANCE_IN_PROGRESS, 27)
  t.equal(ErrorCode.UNSUPPORTED_VERSION, 35)
  t.equal(ErrorCode.TOPIC_ALREADY_EXISTS, 36)
  t.equal(ErrorCode.INVALID_REQUEST, 42)
  t.equal(ErrorCode.MEMBER_ID_REQUIRED, 79)
  t.equal(ErrorCode.FENCED_INSTANCE_ID, 82)
  t.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100)
  t.equal(ErrorCode.TRANSACTION_ABORTABLE, 120)
  t.equal(ErrorCode.VOTER_NOT_FOUND, 127)
})

t.test('retriable flags follow Kafka exceptions', async t => {
  for (const c of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 41, 51, 56, 74, 75, 78, 89, 100]) t.ok(isRetriable(c), `${errorName(c)} is retriable`)
  for (const c of [-1, 0, 1, 8, 10, 22, 25, 27, 35, 36, 42, 79, 82]) t.notOk(isRetriable(c), `${errorName(c)} is not retriable`)
})

t.test('unknown codes do not throw', async t => {
  t.equal(errorName(9999), 'UNKNOWN_ERROR_CODE_9999')
  t.equal(isRetriable(9999), false)
  t.match(errorMessage(9999), /9999/)
  t.equal(errorMessage(0), '')
  t.match(errorMessage(3), /does not host this topic-partition/)
})
