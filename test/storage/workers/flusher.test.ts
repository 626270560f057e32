import t from 'tap'
import { openSync, writeSync, closeSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Flusher } from '../../../src/storage/workers/flusher.js'
import { silentLogger } from '../../../src/logger.js'

t.test('sync runs fdatasync in the worker pool', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-flusher-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fd = openSync(join(dir, 'f'), 'w')
  writeSync(fd, Buffer.from('hello'))
  const f = new Flusher({ mode: 'always', logger: silentLogger })
  await f.sync(fd)
  t.equal(f.syncCount, 1)
  await f.close()
  closeSync(fd)
})
