// Strict, typed options for the client commands (topics, produce, consume, groups, dump-log), on top of
// args.ts's parser: every command declares its flags, so a misspelt one is a usage error naming it
// (exit 2) instead of being taken as a config key as `samsa start` does. Values are read with typed
// getters that name the flag and the bad value.
import { parseArgs, UsageError } from './args.js'

export interface OptionDecl {
  /** Flags without a value (--json, --dry-run). `help` is always accepted. */
  booleans?: readonly string[]
  /** Flags with a value (--brokers, --from). May be given several times; `string()` returns the last. */
  values?: readonly string[]
}

/** Flags every networked command takes. */
export const CLIENT_VALUES = ['brokers'] as const
export const CLIENT_BOOLEANS = ['json'] as const

export class Options {
  readonly positionals: string[]
  private readonly values = new Map<string, string[]>()
  private readonly flags: Set<string>

  constructor (readonly command: string, argv: string[], decl: OptionDecl) {
    const booleans = new Set(['help', ...(decl.booleans ?? [])])
    const valued = new Set(decl.values ?? [])
    // Unknown flags first, so that a misspelt boolean is not reported as "needs a value".
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!
      if (a === '--') break
      if (!a.startsWith('--') || a.length === 2) continue
      const name = a.slice(2).split('=')[0]!
      if (!booleans.has(name) && !valued.has(name)) {
        throw new UsageError(`unknown option --${name} for 'samsa ${command}' (see samsa ${command} --help)`)
      }
      if (valued.has(name) && !a.includes('=')) i++
    }
    const parsed = parseArgs(argv, booleans)
    for (const [name, value] of parsed.options) {
      const list = this.values.get(name) ?? []
      list.push(value)
      this.values.set(name, list)
    }
    this.flags = parsed.flags
    this.positionals = parsed.positionals
  }

  has (flag: string): boolean {
    return this.flags.has(flag)
  }

  given (name: string): boolean {
    return this.values.has(name)
  }

  /** The last value given for --name. */
  string (name: string): string | undefined {
    const list = this.values.get(name)
    return list === undefined ? undefined : list[list.length - 1]
  }

  /** Every value given for --name, in order. */
  all (name: string): string[] {
    return this.values.get(name) ?? []
  }

  /** A whole number within [min, max]; UsageError naming the flag otherwise. */
  int (name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const s = this.string(name)
    if (s === undefined) return undefined
    return parseWhole(`--${name}`, s, min, max)
  }

  /** `k=v` pairs of a repeatable flag (--config retention.ms=1000 --config cleanup.policy=compact). */
  pairs (name: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const s of this.all(name)) {
      const eq = s.indexOf('=')
      if (eq <= 0) throw new UsageError(`bad --${name} '${s}': expected key=value`)
      out[s.slice(0, eq)] = s.slice(eq + 1)
    }
    return out
  }

  /** Exactly `names.length` positionals (after the subcommand), named in the error. */
  expectPositionals (names: readonly string[], from = 0): string[] {
    const got = this.positionals.slice(from)
    if (got.length < names.length) throw new UsageError(`samsa ${this.command} needs ${names.slice(got.length).join(' ')} (see samsa ${this.command} --help)`)
    if (got.length > names.length) throw new UsageError(`unexpected argument '${got[names.length]!}' for 'samsa ${this.command}'`)
    return got
  }
}

export function parseWhole (what: string, s: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(s.trim())) throw new UsageError(`bad ${what} '${s}': expected a whole number`)
  const n = Number(s)
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`
    throw new UsageError(`bad ${what} '${s}': expected a whole number ${range}`)
  }
  return n
}

/** Comma-separated partition numbers (--partition 0,2). */
export function parsePartitions (s: string): number[] {
  const out = s.split(',').filter(x => x.trim() !== '').map(x => parseWhole('--partition', x.trim(), 0, 0x7fffffff))
  if (out.length === 0) throw new UsageError(`bad --partition '${s}': expected a partition number or a comma-separated list`)
  return [...new Set(out)].sort((a, b) => a - b)
}
