// Test helper (not a test file): runs the built `samsa` command (dist/cli/main.js, from `npx tsc -p .`) as a
// user would, with optional stdin, and collects exit code, stdout and stderr; or starts it in the
// background for commands that follow (consume) and stops it with a signal.
import path from 'node:path'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js')

/** The environment without tap's NODE_OPTIONS loader, which would add ~0.5 s to every spawned command. */
export const CLI_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS')))

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function runCli (args: string[], opts: { input?: string | Buffer, timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: CLI_ENV })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', d => { stdout += d })
    p.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    p.on('error', reject)
    const t0 = Date.now()
    p.on('close', (code, signal) => {
      if (process.env.CLI_TIMING !== undefined) console.error('CLI', args.join(' '), Date.now() - t0, 'ms')
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    p.stdin.on('error', () => {})
    p.stdin.end(opts.input ?? '')
  })
}

export interface Background {
  proc: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  /** Resolves once stdout has `n` lines. */
  lines: (n: number, timeoutMs?: number) => Promise<string[]>
  /** Sends `signal` and resolves with the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<CliResult>
}

export function startCli (args: string[]): Background {
  const proc = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: CLI_ENV })
  let stdout = ''
  let stderr = ''
  const waiters: Array<() => void> = []
  proc.stdout.on('data', d => {
    stdout += d
    for (const w of waiters.splice(0)) w()
  })
  proc.stderr.on('data', d => { stderr += d })
  const exited = new Promise<CliResult>(resolve => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  proc.stdin.end()
  const lines = (s: string): string[] => s.split('\n').filter(l => l !== '')
  return {
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    lines: (n, timeoutMs = 30_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} lines; stdout: ${stdout} stderr: ${stderr}`)), timeoutMs)
      const check = (): void => {
        if (lines(stdout).length >= n) {
          clearTimeout(timer)
          resolve(lines(stdout))
        } else {
          waiters.push(check)
        }
      }
      check()
    }),
    stop: async (signal = 'SIGINT') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      const r = await exited
      clearTimeout(timer)
      return r
    }
  }
}
