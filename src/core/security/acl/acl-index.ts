// The in-memory ACL index the authorizer decides with. Per resource type: LITERAL bindings by exact name
// (the '*' wildcard is the name '*'), PREFIXED bindings by prefix plus the set of prefix lengths in use, so
// the bindings applying to a resource name are found with one lookup per distinct literal key ('*' and the
// name) and one per distinct prefix length (not per character of the name, not per binding).
// Invariant: every binding is held once (its key: all seven fields); add/remove report whether they changed
// anything. Threading: main thread.
import { PatternType, WILDCARD_RESOURCE, type AclBinding } from './model.js'
import { filterMatches, type AclBindingFilter } from './filter.js'

interface TypeIndex {
  literal: Map<string, AclBinding[]>
  prefixed: Map<string, AclBinding[]>
  /** Lengths of the prefixes in `prefixed`, ascending, each once. */
  prefixLengths: number[]
}

export function bindingKey (b: AclBinding): string {
  return `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}\u0000${b.principal}\u0000${b.host}\u0000${b.operation}\u0000${b.permission}`
}

export class AclIndex {
  private readonly all = new Map<string, AclBinding>()
  private readonly byType = new Map<number, TypeIndex>()

  get size (): number { return this.all.size }

  /** Every binding, in insertion order. */
  bindings (): AclBinding[] { return [...this.all.values()] }

  /** Adds `b`; false when it was already there. */
  add (b: AclBinding): boolean {
    const key = bindingKey(b)
    if (this.all.has(key)) return false
    const frozen = Object.freeze({ ...b })
    this.all.set(key, frozen)
    let t = this.byType.get(b.resourceType)
    if (t === undefined) {
      t = { literal: new Map(), prefixed: new Map(), prefixLengths: [] }
      this.byType.set(b.resourceType, t)
    }
    const map = b.patternType === PatternType.PREFIXED ? t.prefixed : t.literal
    const list = map.get(b.resourceName)
    if (list === undefined) {
      map.set(b.resourceName, [frozen])
      if (b.patternType === PatternType.PREFIXED) t.prefixLengths = lengths(t.prefixed)
    } else list.push(frozen)
    return true
  }

  /** Removes the binding equal to `b`; false when there was none. */
  remove (b: AclBinding): boolean {
    const key = bindingKey(b)
    if (!this.all.delete(key)) return false
    const t = this.byType.get(b.resourceType) as TypeIndex
    const map = b.patternType === PatternType.PREFIXED ? t.prefixed : t.literal
    const list = map.get(b.resourceName) as AclBinding[]
    const i = list.findIndex(x => bindingKey(x) === key)
    list.splice(i, 1)
    if (list.length === 0) {
      map.delete(b.resourceName)
      if (b.patternType === PatternType.PREFIXED) t.prefixLengths = lengths(t.prefixed)
    }
    return true
  }

  /** The bindings matching `f`. */
  matching (f: AclBindingFilter): AclBinding[] {
    const out: AclBinding[] = []
    for (const b of this.all.values()) if (filterMatches(f, b)) out.push(b)
    return out
  }

  /** Calls `fn` with each non-empty list of bindings that applies to resource `type`/`name` (literal, '*', prefixes). */
  forEachApplying (type: number, name: string, fn: (bindings: readonly AclBinding[]) => void): void {
    const t = this.byType.get(type)
    if (t === undefined) return
    const exact = t.literal.get(name)
    if (exact !== undefined) fn(exact)
    if (name !== WILDCARD_RESOURCE) {
      const wild = t.literal.get(WILDCARD_RESOURCE)
      if (wild !== undefined) fn(wild)
    }
    const lens = t.prefixLengths
    for (let i = 0; i < lens.length && lens[i] <= name.length; i++) {
      const list = t.prefixed.get(name.slice(0, lens[i]))
      if (list !== undefined) fn(list)
    }
  }
}

function lengths (m: Map<string, unknown>): number[] {
  return [...new Set([...m.keys()].map(k => k.length))].sort((a, b) => a - b)
}
