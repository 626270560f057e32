// Kafka's `sasl.jaas.config` value (a JAAS login-module entry, as Kafka's JaasConfig reads it):
//   <login module class> <required|requisite|sufficient|optional> *(<name>=<value>) ;
// Values are a bare word (letters, digits, _ - $ . / : + @ *) or a double-quoted string with Java-style
// escapes (\" \\ \n \t \r \uXXXX); // and /* */ comments are skipped. As Kafka: exactly one entry, ended by
// ';'. Errors name what was wrong and where (JaasConfigError: start-up configuration, never a password).
import { ConfigError } from '../../../config/config-error.js'

/** A bad JAAS value: a ConfigError (the broker does not start; INVALID_CONFIG if it ever reached the wire). */
export class JaasConfigError extends ConfigError {
  constructor (message: string) {
    super(message)
    this.name = 'JaasConfigError'
  }
}

export interface JaasEntry {
  loginModule: string
  controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional'
  options: Map<string, string>
}

const WORD = /[A-Za-z0-9_\-$./:+@*]/
const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional'])

type Token = { kind: 'word' | 'string', value: string, at: number } | { kind: 'punct', value: '=' | ';', at: number }

function tokenize (text: string, what: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) { i++; continue }
    if (text.startsWith('//', i)) { while (i < text.length && text[i] !== '\n') i++; continue }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) throw new JaasConfigError(`${what}: unterminated /* comment at character ${i}`)
      i = end + 2
      continue
    }
    if (c === '=' || c === ';') { out.push({ kind: 'punct', value: c, at: i }); i++; continue }
    if (c === '"') {
      const at = i
      let s = ''
      i++
      for (;;) {
        if (i >= text.length) throw new JaasConfigError(`${what}: unterminated quoted value starting at character ${at}`)
        const d = text[i]!
        if (d === '"') { i++; break }
        if (d === '\\') {
          const e = text[i + 1]
          if (e === undefined) throw new JaasConfigError(`${what}: dangling \\ at character ${i}`)
          if (e === 'n') s += '\n'
          else if (e === 't') s += '\t'
          else if (e === 'r') s += '\r'
          else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { s += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 4 }
          else s += e
          i += 2
          continue
        }
        s += d
        i++
      }
      out.push({ kind: 'string', value: s, at })
      continue
    }
    if (WORD.test(c)) {
      const at = i
      while (i < text.length && WORD.test(text[i]!)) i++
      out.push({ kind: 'word', value: text.slice(at, i), at })
      continue
    }
    throw new JaasConfigError(`${what}: unexpected '${c}' at character ${i}`)
  }
  return out
}

/** Parses one JAAS entry; `what` names the config key in errors. */
export function parseJaasConfig (text: string, what = 'sasl.jaas.config'): JaasEntry {
  const tokens = tokenize(text, what)
  let p = 0
  const next = (): Token | undefined => tokens[p++]
  const module = next()
  if (module === undefined) throw new JaasConfigError(`${what}: empty; expected '<LoginModule> required <name>="<value>" ... ;'`)
  if (module.kind !== 'word') throw new JaasConfigError(`${what}: expected a login module class name at character ${module.at}`)
  const flag = next()
  if (flag === undefined || flag.kind !== 'word' || !FLAGS.has(flag.value.toLowerCase())) {
    throw new JaasConfigError(`${what}: expected a control flag (required, requisite, sufficient or optional) after ${module.value}`)
  }
  const options = new Map<string, string>()
  for (;;) {
    const t = next()
    if (t === undefined) throw new JaasConfigError(`${what}: missing ';' at the end of the ${module.value} entry`)
    if (t.kind === 'punct' && t.value === ';') break
    if (t.kind !== 'word') throw new JaasConfigError(`${what}: expected an option name at character ${t.at}`)
    const eq = next()
    if (eq === undefined || eq.kind !== 'punct' || eq.value !== '=') throw new JaasConfigError(`${what}: expected '=' after option ${t.value}`)
    const v = next()
    if (v === undefined || (v.kind !== 'word' && v.kind !== 'string')) throw new JaasConfigError(`${what}: expected a value for option ${t.value}`)
    options.set(t.value, v.value)
  }
  if (p < tokens.length) throw new JaasConfigError(`${what}: contains more than one login module; Kafka's sasl.jaas.config takes exactly one`)
  return { loginModule: module.value, controlFlag: flag.value.toLowerCase() as JaasEntry['controlFlag'], options }
}
