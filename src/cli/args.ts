// A small argument parser for Samsa's commands: `--key value`, `--key=value`, boolean `--flag`, and
// positionals. Any `--<kafka.key>` is kept as a config entry so every broker config can be a flag
// (`--num.partitions 3`, `--log.retention.ms=60000`). Errors are UsageError (exit code 2).

export class UsageError extends Error {
  override name = 'UsageError'
}

export interface ParsedArgs {
  positionals: string[]
  /** Options in order, as given (name without the leading dashes). */
  options: Array<[string, string]>
  flags: Set<string>
}

/** `booleans` are options that take no value. */
export function parseArgs (argv: string[], booleans: ReadonlySet<string>): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: [], flags: new Set() }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=')
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2)
      if (booleans.has(name)) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`)
        out.flags.add(name)
        continue
      }
      let value: string
      if (eq >= 0) value = a.slice(eq + 1)
      else {
        if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`)
        value = argv[++i]
      }
      out.options.push([name, value])
    } else if (a === '-h') {
      out.flags.add('help')
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      throw new UsageError(`unknown option ${a}`)
    } else {
      out.positionals.push(a)
    }
  }
  return out
}
