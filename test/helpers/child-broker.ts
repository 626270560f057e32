// Test helper: `samsa start` (dist/) as a child process on a free loopback port with its own data directory,
// killed and removed when the test ends; its RSS read from /proc/<pid>/status.
import fs from 'node:fs'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from './broker.js'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js')

export interface ChildBroker {
  proc: ChildProcess
  port: number
  /** Resident set size in bytes (VmRSS). */
  rss: () => number
  /** stderr so far (JSON log lines). */
  stderr: () => string
}

interface Teardown { teardown: (fn: () => unknown) => void }

export async function startChildBroker (t: Teardown, flags: string[] = []): Promise<ChildBroker> {
  const dir = tempDir()
  const proc = spawn(process.execPath, [MAIN, 'start', '--port', '0', '--data-dir', dir, '--fsync', 'never', '--log-level', 'warn', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => {
    proc.kill('SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
  })
  let err = ''
  proc.stderr!.on('data', d => { err += String(d) })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', d => {
      out += String(d)
      const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(out)
      if (m !== null) resolve(Number(m[1]))
    })
    proc.on('exit', code => reject(new Error(`samsa start exited ${code}: ${err}`)))
  })
  return {
    proc,
    port,
    rss: () => {
      let status = ''
      try {
        status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8')
      } catch {
        return 0 // exited
      }
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
      return m === null ? 0 : Number(m[1]) * 1024
    },
    stderr: () => err
  }
}
