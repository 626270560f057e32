// Kafka's ssl.principal.mapping.rules (SslPrincipalMapper): maps a client certificate's distinguished name
// (RFC 2253, see distinguished-name.ts) to a principal name.
//
// Syntax, as Kafka splits and parses it: a comma-separated list of rules, each either DEFAULT (the DN unchanged)
// or RULE:pattern/replacement/[L|U] (a '/' or '\' inside pattern or replacement is escaped with '\'). Rules are
// tried in order; a rule applies when its pattern matches the whole DN, and then the DN becomes
// dn.replaceAll(pattern, replacement) (every match replaced, Java's $n and ${name} back references, \x a literal
// x; a $n naming a group the pattern does not have is literal text), lower- or upper-cased with L or U. No
// applicable rule: the client cannot be authenticated (NoMatchingRuleError). A malformed rule fails at start.
// Patterns are Java regular expressions run as JavaScript ones: the common subset (groups, classes, quantifiers,
// anchors, lazy and named groups) behaves the same.

const RULE_PATTERN = String.raw`(DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?).*?|(.*?)`
const RULE_SPLITTER = new RegExp(String.raw`\s*(` + RULE_PATTERN + String.raw`)\s*(,\s*|$)`, 'g')

export class NoMatchingRuleError extends Error {
  override name = 'NoMatchingRuleError'
}

interface Rule {
  /** null: DEFAULT */
  pattern: RegExp | null
  source: string
  replacement: string
  lower: boolean
  upper: boolean
}

export class SslPrincipalMapper {
  private readonly rules: Rule[]

  /** Parses the rules; throws an Error naming the bad rule. */
  constructor (readonly text: string | null) {
    this.rules = splitRules(text ?? 'DEFAULT').flatMap(parseRule)
  }

  /** The principal name for a DN; throws NoMatchingRuleError when no rule applies. */
  name (dn: string): string {
    for (const r of this.rules) {
      const name = apply(r, dn)
      if (name !== null) return name
    }
    throw new NoMatchingRuleError(`no ssl.principal.mapping.rules rule applies to ${dn} (rules: ${this.text ?? 'DEFAULT'})`)
  }
}

function splitRules (text: string): string[] {
  const out: string[] = []
  const s = text.trim()
  RULE_SPLITTER.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = RULE_SPLITTER.exec(s)) !== null) {
    out.push(m[1])
    // Java's Matcher.find() moves on by one after an empty match
    if (m[0].length === 0) RULE_SPLITTER.lastIndex++
    if (RULE_SPLITTER.lastIndex > s.length) break
  }
  return out
}

function parseRule (rule: string): Rule[] {
  const m = new RegExp(RULE_PATTERN, 'y').exec(rule)
  if (m === null) throw new Error(`Invalid rule: ${rule}`)
  if (m[0].length !== rule.length) throw new Error(`Invalid rule: \`${rule}\`, unmatched substring: \`${rule.slice(m[0].length)}\``)
  if (m[1] !== undefined) return [{ pattern: null, source: 'DEFAULT', replacement: '', lower: false, upper: false }]
  if (m[2] === undefined) return [] // empty rules are ignored
  let pattern: RegExp
  try {
    pattern = new RegExp(m[2], 'g')
  } catch (err) {
    throw new Error(`Invalid rule: ${rule}: ${(err as Error).message}`)
  }
  return [{ pattern, source: m[2], replacement: m[4], lower: m[6] === 'L', upper: m[6] === 'U' }]
}

function apply (r: Rule, dn: string): string | null {
  if (r.pattern === null) return dn
  const whole = new RegExp(`^(?:${r.source})$`)
  if (!whole.test(dn)) return null
  r.pattern.lastIndex = 0
  const result = dn.replace(r.pattern, (...args: unknown[]) => expand(r.replacement, args))
  if (r.lower) return result.toLowerCase()
  if (r.upper) return result.toUpperCase()
  return result
}

/** Java's Matcher.appendReplacement expansion of `replacement` for one match (replace()'s callback args). */
function expand (replacement: string, args: unknown[]): string {
  const last = args[args.length - 1]
  const named = typeof last === 'object' && last !== null ? last as Record<string, string | undefined> : null
  const groups = args.slice(0, named !== null ? -3 : -2) as Array<string | undefined>
  const groupCount = groups.length - 1
  let out = ''
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]
    if (c === '\\' && i + 1 < replacement.length) {
      out += replacement[++i]
    } else if (c === '$' && replacement[i + 1] === '{' && named !== null) {
      const end = replacement.indexOf('}', i)
      if (end < 0) { out += c; continue }
      out += named[replacement.slice(i + 2, end)] ?? ''
      i = end
    } else if (c === '$' && /[0-9]/.test(replacement[i + 1] ?? '')) {
      let ref = Number(replacement[i + 1])
      if (ref > groupCount) { out += c; continue } // Kafka makes such a reference literal text
      let j = i + 2
      while (j < replacement.length && /[0-9]/.test(replacement[j])) {
        const next = ref * 10 + Number(replacement[j])
        if (next > groupCount) break
        ref = next
        j++
      }
      out += groups[ref] ?? ''
      i = j - 1
    } else {
      out += c
    }
  }
  return out
}
