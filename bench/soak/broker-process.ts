// The broker under soak, as a child process: `<broker-cmd> --port 0 --data-dir <dir> <extra args>`, ready when
// it prints `listening on HOST:PORT` on stdout. Its stderr (pino JSON lines) goes to a log file as it comes;
// lines are counted by level as they pass (WARN = 40, ERROR = 50, FATAL = 60; a line that is not JSON, such as
// a crash's stack trace, counts as an ERROR) and the WARN/ERROR messages are tallied by text (numbers folded,
// at most MAX_MESSAGES distinct). Readings from /proc: VmRSS, open fds split into sockets and files.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'

const MAX_MESSAGES = 40

/**
 * A log message reduced to its kind: numbers folded to N, API names to <API>, and a closed connection's reason
 * cut at its first colon (the fuzzer provokes hundreds of variants of the same few reasons).
 */
export function foldMessage (msg: string): string {
  let m = msg.replace(/-?\d+/g, 'N').replace(/ \(N similar lines suppressed\)/, '').replace(/ \(supported: [^)]*\)/, '')
  m = m.replace(/\b[A-Z][A-Za-z]+ vN\b/g, '<API> vN').replace(/\b[A-Z][A-Za-z]+ \(API key N\)/g, '<API> (API key N)')
  const prefix = 'closing connection: '
  if (m.startsWith(prefix)) {
    const cut = m.indexOf(':', prefix.length)
    if (cut > 0) m = m.slice(0, cut)
  }
  return m.slice(0, 120)
}

export interface FdCounts { total: number, sockets: number, files: number, other: number }

export class BrokerProcess {
  warnLines = 0
  errorLines = 0
  /** WARN/ERROR messages, numbers folded, with their counts. */
  readonly messages = new Map<string, number>()
  /** Set once the process exited: its code and signal. */
  exit: { code: number | null, signal: NodeJS.Signals | null } | null = null
  readonly exited: Promise<void>
  private partialLine = ''

  private constructor (readonly child: ChildProcess, readonly host: string, readonly port: number, private readonly log: fs.WriteStream) {
    this.exited = new Promise(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exit = { code: child.exitCode, signal: child.signalCode }
        resolve()
      } else {
        child.once('exit', (code, signal) => { this.exit = { code, signal }; resolve() })
      }
    })
  }

  get pid (): number {
    return this.child.pid ?? -1
  }

  get alive (): boolean {
    return this.exit === null
  }

  /**
   * Spawns cmd in cwd (argv[0] is the program; 'node' means this Node) with --port 0 --data-dir dataDir and extra,
   * stderr appended to logFile, and resolves once it listens (rejects after timeoutMs or on an early exit).
   */
  static async start (cmd: string[], cwd: string, dataDir: string, extra: string[], logFile: string, timeoutMs = 30_000): Promise<BrokerProcess> {
    const program = cmd[0] === 'node' ? process.execPath : cmd[0]
    const args = [...cmd.slice(1), '--port', '0', '--data-dir', dataDir, ...extra]
    const log = fs.createWriteStream(logFile, { flags: 'a' })
    // its own process group: a Ctrl-C at the terminal reaches the soak only, which then stops the broker itself
    // (SIGTERM, exit code checked); a soak that exits any other way takes the broker with it
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    process.once('exit', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
    let self: BrokerProcess | null = null
    const early: string[] = []
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (s: string) => {
      log.write(s)
      if (self !== null) self.countLines(s)
      else early.push(s)
    })
    return await new Promise<BrokerProcess>((resolve, reject) => {
      let out = ''
      const fail = (err: Error): void => {
        clearTimeout(timer)
        child.kill('SIGKILL')
        reject(new Error(`${err.message}; broker stderr in ${logFile}: ${early.join('').slice(0, 2000)}`))
      }
      const timer = setTimeout(() => fail(new Error(`broker did not print 'listening on' within ${timeoutMs} ms`)), timeoutMs)
      child.once('error', fail)
      child.once('exit', (code, signal) => fail(new Error(`broker exited before listening (code ${code}, signal ${signal})`)))
      child.stdout!.setEncoding('utf8')
      child.stdout!.on('data', (s: string) => {
        if (self !== null) return
        out += s
        const m = /listening on (\S+):(\d+)/.exec(out)
        if (m === null) return
        clearTimeout(timer)
        child.removeAllListeners('exit')
        child.removeAllListeners('error')
        child.on('error', () => {})
        self = new BrokerProcess(child, m[1], Number(m[2]), log)
        for (const e of early) self.countLines(e)
        resolve(self)
      })
    })
  }

  private countLines (chunk: string): void {
    const text = this.partialLine + chunk
    const lines = text.split('\n')
    this.partialLine = lines.pop() ?? ''
    if (this.partialLine.length > 64 * 1024) this.partialLine = '' // a runaway line without newline
    for (const line of lines) {
      if (line.trim() === '') continue
      let level = 50
      let msg = line.slice(0, 120)
      try {
        const j = JSON.parse(line) as { level?: number, msg?: string }
        level = j.level ?? 30
        msg = j.msg ?? ''
      } catch {}
      if (level < 40) continue
      if (level === 40) this.warnLines++
      else this.errorLines++
      let key = `${level === 40 ? 'WARN' : 'ERROR'} ${foldMessage(msg)}`
      if (!this.messages.has(key) && this.messages.size >= MAX_MESSAGES) key = `${level === 40 ? 'WARN' : 'ERROR'} (other messages)`
      this.messages.set(key, (this.messages.get(key) ?? 0) + 1)
    }
  }

  /** VmRSS in MiB, or null once the process is gone. */
  rssMiB (): number | null {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'))
      return m === null ? null : Number(m[1]) / 1024
    } catch {
      return null
    }
  }

  /** Open descriptors by kind (socket:[...] links, paths, the rest: pipes, anon inodes), or null once gone. */
  fds (): FdCounts | null {
    const dir = `/proc/${this.pid}/fd`
    let names: string[]
    try {
      names = fs.readdirSync(dir)
    } catch {
      return null
    }
    const c: FdCounts = { total: names.length, sockets: 0, files: 0, other: 0 }
    for (const n of names) {
      let target = ''
      try {
        target = fs.readlinkSync(`${dir}/${n}`)
      } catch {
        continue // closed between the listing and the read
      }
      if (target.startsWith('socket:')) c.sockets++
      else if (target.startsWith('/')) c.files++
      else c.other++
    }
    return c
  }

  /**
   * Open regular files by owner and extension: under dataDir, the top directory with its partition number
   * folded (`soak-a-* *.log`, `__consumer_offsets-* *.index`); elsewhere, the extension alone.
   */
  fdsByOwner (dataDir: string): Map<string, number> {
    const out = new Map<string, number>()
    const dir = `/proc/${this.pid}/fd`
    let names: string[] = []
    try {
      names = fs.readdirSync(dir)
    } catch {}
    const root = fs.realpathSync(dataDir) + '/'
    for (const n of names) {
      let target = ''
      try {
        target = fs.readlinkSync(`${dir}/${n}`)
      } catch {
        continue
      }
      if (!target.startsWith('/')) continue
      const ext = target.includes('.', target.lastIndexOf('/')) ? target.slice(target.lastIndexOf('.')) : ''
      const key = target.startsWith(root)
        ? `${target.slice(root.length).split('/')[0].replace(/-\d+$/, '-*')} *${ext}`
        : `(outside the data dir) *${ext}`
      out.set(key, (out.get(key) ?? 0) + 1)
    }
    return out
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves with how it ended. */
  async stop (graceMs = 30_000): Promise<{ code: number | null, signal: NodeJS.Signals | null, killed: boolean }> {
    let killed = false
    if (this.alive) {
      this.child.kill('SIGTERM')
      const t = setTimeout(() => { killed = true; this.child.kill('SIGKILL') }, graceMs)
      await this.exited
      clearTimeout(t)
    }
    await new Promise<void>(resolve => this.log.end(resolve))
    if (this.partialLine !== '') this.countLines('\n')
    return { ...this.exit!, killed }
  }

  /** Kills without grace (the RSS guard, or a failed setup). */
  kill (): void {
    if (this.alive) this.child.kill('SIGKILL')
  }
}
