// Test helper: a real broker on a free loopback port with its own temporary data directory, closed and
// removed when the test ends. restart() stops it and starts it again on the same port and directory.
import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../src/index.js'

export interface TestBroker {
  /** The running broker (replaced by restart()). */
  current: RunningBroker
  dataDir: string
  /** ['127.0.0.1:PORT'], for a client's brokers list. */
  brokers: string[]
  port: number
  restart: (opts?: StartBrokerOptions) => Promise<RunningBroker>
  close: () => Promise<void>
}

interface Teardown { teardown: (fn: () => unknown) => void }

export function tempDir (prefix = 'samsa-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export async function withBroker (t: Teardown, opts: StartBrokerOptions = {}): Promise<TestBroker> {
  const dataDir = opts.dataDir ?? tempDir()
  const base: StartBrokerOptions = { port: 0, fsync: 'never', logLevel: 'silent', ...opts, dataDir }
  let current = await startBroker(base)
  let closed = false
  const tb: TestBroker = {
    current,
    dataDir,
    port: current.port,
    brokers: [`127.0.0.1:${current.port}`],
    restart: async (more: StartBrokerOptions = {}) => {
      await current.close()
      current = await startBroker({ ...base, ...more, port: tb.port })
      tb.current = current
      return current
    },
    close: async () => {
      if (closed) return
      closed = true
      await current.close()
    }
  }
  t.teardown(async () => {
    await tb.close()
    if (opts.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true })
  })
  return tb
}
