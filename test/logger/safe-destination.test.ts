// The logger's destination drops what it cannot write and counts it, never throws (src/logger.ts).
import t from 'tap'
import { Writable } from 'node:stream'
import { createLogger, droppedLogLines } from '../../src/logger.js'

t.test('a stream that fails asynchronously (EPIPE): lines dropped and counted, no throw, no unhandled error', async t => {
  const epipe = new Writable({
    write (_chunk, _enc, cb) {
      const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
      cb(err)
    }
  })
  const logger = createLogger('info', epipe)
  const before = droppedLogLines()
  logger.warn('first')
  await new Promise(resolve => setImmediate(resolve))
  for (let i = 0; i < 5; i++) logger.warn('after the failure')
  t.equal(epipe.destroyed, true, 'the stream is destroyed by its error')
  t.ok(droppedLogLines() - before >= 6, `counted as dropped (${droppedLogLines() - before})`)
})

t.test('a stream that throws synchronously (a file on a full disk): the line is dropped, later lines are tried', async t => {
  let calls = 0
  const lines: string[] = []
  const flaky = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const original = flaky.write.bind(flaky)
  flaky.write = ((chunk: any, ...rest: any[]) => {
    calls++
    if (calls === 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    return original(chunk, ...rest)
  }) as typeof flaky.write
  const logger = createLogger('info', flaky)
  const before = droppedLogLines()
  t.doesNotThrow(() => logger.warn('lost'))
  logger.warn('kept')
  t.equal(droppedLogLines() - before, 1, 'one line dropped')
  t.equal(lines.length, 1, 'the next line is written')
  t.match(lines[0], /"msg":"kept"/)
})
