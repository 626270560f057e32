// The broker under test, in its own process: `node dist/cli/main.js start --port 0 --data-dir <dir> ...`.
// Resolves once it prints `listening on HOST:PORT`; exposes its pid for /proc readings (RSS, CPU time).
import { spawn } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let CLI = join(ROOT, 'dist', 'cli', 'main.js')

/**
 * Runs every broker of this process from a private copy of dist/ (with node_modules linked beside it), so a
 * rebuild of the working tree during a run cannot swap the code under test halfway. distDir: another build to
 * run instead (an A/B comparison: `--dist /path/to/other/checkout/dist`). Returns the copy's root.
 */
export function snapshotDist (workDir, distDir = join(ROOT, 'dist')) {
  const { root, cli } = copyBuild(workDir, 'samsa', distDir, { ownModules: false })
  CLI = cli
  return root
}

/**
 * Copies distDir into workDir/name and returns { root, cli } without changing the default build (bench/compare's
 * --baseline runs a second build this way). With ownModules, the copy runs with the package.json and
 * node_modules found beside distDir (a checkout or a build directory) when there are any; otherwise, and
 * always for the default build, with this checkout's.
 */
export function copyBuild (workDir, name, distDir, { ownModules = true } = {}) {
  const root = join(workDir, name)
  mkdirSync(root, { recursive: true })
  cpSync(distDir, join(root, 'dist'), { recursive: true, filter: src => !src.endsWith('.map') && !src.endsWith('.d.ts') })
  const beside = join(distDir, '..')
  const own = ownModules
  const pkg = own && existsSync(join(beside, 'package.json')) ? join(beside, 'package.json') : join(ROOT, 'package.json')
  const modules = own && existsSync(join(beside, 'node_modules')) ? realpathSync(join(beside, 'node_modules')) : join(ROOT, 'node_modules')
  copyFileSync(pkg, join(root, 'package.json'))
  symlinkSync(modules, join(root, 'node_modules'), 'dir')
  return { root, cli: join(root, 'dist', 'cli', 'main.js') }
}
const CLK_TCK = 100 // USER_HZ on Linux (sysconf(_SC_CLK_TCK)); /proc/<pid>/stat counts in these ticks

const live = new Set()
process.on('exit', () => { for (const c of live) c.kill('SIGKILL') })

/** Kills every broker this process started that is still running (after a failed scenario). */
export async function killAll () {
  const waits = []
  for (const c of live) {
    waits.push(new Promise(resolve => { if (c.exitCode !== null || c.signalCode !== null) resolve(); else c.once('exit', resolve) }))
    c.kill('SIGKILL')
  }
  await Promise.all(waits)
}

/**
 * Spawns a broker and waits for its `listening` line.
 * opts: dataDir, port (default 0: a free one), fsync ('always'|'never'), logLevel, extraArgs, nodeArgs (e.g. ['--cpu-prof', ...]), timeoutMs,
 * cli (default: the snapshot's dist/cli/main.js; copyBuild gives another build's).
 */
export function startBroker (opts) {
  const cli = opts.cli ?? CLI
  const args = [
    ...(opts.nodeArgs ?? []),
    cli, 'start', '--port', String(opts.port ?? 0), '--data-dir', opts.dataDir,
    '--log-level', opts.logLevel ?? 'warn',
    ...(opts.fsync !== undefined ? ['--fsync', opts.fsync] : []),
    ...(opts.extraArgs ?? [])
  ]
  const t0 = process.hrtime.bigint()
  const child = spawn(process.execPath, args, { cwd: dirname(dirname(dirname(cli))), stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', s => { if (stderr.length < 64 * 1024) stderr += s })
  return new Promise((resolve, reject) => {
    let out = ''
    let settled = false
    const timer = setTimeout(() => fail(new Error(`broker did not print 'listening' within ${opts.timeoutMs ?? 15000} ms`)), opts.timeoutMs ?? 15000)
    function fail (err) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      err.message += stderr !== '' ? `\nbroker stderr:\n${stderr}` : ''
      reject(err)
    }
    child.once('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`broker exited before listening (code ${code}, signal ${signal})`)))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', s => {
      if (settled) return
      out += s
      const m = /listening on (\S+):(\d+)/.exec(out)
      if (m === null) return
      const startMs = Number(process.hrtime.bigint() - t0) / 1e6
      settled = true
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const exited = new Promise(resolve => {
        if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode })
        else child.once('exit', (code, signal) => resolve({ code, signal }))
      })
      resolve({
        pid: child.pid,
        host: m[1],
        port: Number(m[2]),
        startMs,
        exited,
        get stderr () { return stderr },
        status: () => procStatus(child.pid),
        cpuSeconds: () => procCpuSeconds(child.pid),
        /** SIGTERM (clean shutdown: flush, indexes, marker), then SIGKILL after graceMs. */
        async stop (graceMs = 20000) {
          if (child.exitCode !== null || child.signalCode !== null) return exited
          child.kill('SIGTERM')
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
          const r = await exited
          clearTimeout(t)
          return r
        }
      })
    })
  })
}

/** VmRSS and VmHWM of a process in MiB (null when unreadable, e.g. not Linux). */
export function procStatus (pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = name => { const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s); return m === null ? null : Number(m[1]) / 1024 }
    return { rssMiB: kb('VmRSS'), hwmMiB: kb('VmHWM') }
  } catch {
    return { rssMiB: null, hwmMiB: null }
  }
}

/** user + system CPU seconds a process has used so far, all threads (null when unreadable). */
export function procCpuSeconds (pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK // utime, stime (fields 14, 15)
  } catch {
    return null
  }
}

/** Busy CPU seconds of the whole machine so far (all cores; idle and iowait excluded), and steal seconds. */
export function machineCpuSeconds () {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, , , irq, softirq, steal] = f
    return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, steal: steal / CLK_TCK }
  } catch {
    return null
  }
}
