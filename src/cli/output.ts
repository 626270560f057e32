// Output conventions of the client commands:
// - results on stdout: an aligned table for people (header row in capitals, as kubectl and rpk print), or
//   with --json one JSON document (lists: one array; streams such as consume: one object per line);
// - messages, warnings and progress on stderr; progress only when stderr is a terminal, redrawn in place at
//   most ten times a second and erased when done, so pipes and logs never see it;
// - a closed stdout (`samsa consume t | head -3`) ends the command quietly with exit code 0.
// CliError is a failure the user can act on: printed as `samsa: <message>`, exit 1, no stack trace.

export class CliError extends Error {
  override name = 'CliError'
  constructor (message: string, readonly exitCode = 1) {
    super(message)
  }
}

export interface Column<T> {
  header: string
  get: (row: T) => string | number | boolean | null | undefined
  /** Right-align (numbers). */
  right?: boolean
}

function cell (v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '-'
  return String(v)
}

/** An aligned table, two spaces between columns, no trailing spaces. */
export function table<T> (rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const grid = [columns.map(c => c.header), ...rows.map(r => columns.map(c => cell(c.get(r))))]
  const widths = columns.map((_, i) => Math.max(...grid.map(line => line[i]!.length)))
  return grid.map(line => line.map((s, i) => {
    if (i === line.length - 1 && columns[i]!.right !== true) return s
    return columns[i]!.right === true ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)
  }).join('  ').trimEnd()).join('\n') + '\n'
}

/** JSON with bigints as numbers (when safe) or strings, Buffers as UTF-8 strings. */
export function toJson (value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
    if (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('utf8')
    }
    return v
  }, indent)
}

let pipeClosed = false

/**
 * Makes a closed stdout (EPIPE) end the process quietly with exit code 0. main.ts installs the same for
 * every client command; commands that stream call this too so that later writes are skipped at once.
 */
export function exitQuietlyOnClosedStdout (): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      pipeClosed = true
      process.exit(0)
    }
  })
}

/** Writes to stdout, waiting for it to drain when its buffer is full (back-pressure for big outputs). */
export async function out (s: string): Promise<void> {
  if (pipeClosed) return
  if (!process.stdout.write(s)) await new Promise<void>(resolve => process.stdout.once('drain', resolve))
}

export function warn (message: string): void {
  process.stderr.write(`samsa: ${message}\n`)
}

/** A one-line progress indicator on stderr, only when stderr is a terminal. */
export class Progress {
  private last = 0
  private shown = false
  private readonly enabled: boolean

  constructor (private readonly label: string, enabled = process.stderr.isTTY === true) {
    this.enabled = enabled
  }

  /** `done` of `total` units (total may be unknown); `unit` formats them. */
  update (done: number, total?: number, unit: (n: number) => string = String): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100) return
    this.last = now
    const pct = total !== undefined && total > 0 ? ` ${Math.floor((done / total) * 100)}%` : ''
    process.stderr.write(`\r\x1b[2K${this.label}: ${unit(done)}${total !== undefined ? ` / ${unit(total)}` : ''}${pct}`)
    this.shown = true
  }

  done (): void {
    if (this.shown) process.stderr.write('\r\x1b[2K')
    this.shown = false
  }
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`
}
