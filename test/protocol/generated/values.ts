// Test helper: builds message values from the generated schema description (src/protocol/generated/schema.ts).
// `build(schema, version, mode)` gives every field present in `version` a non-default value ('full'), or
// null wherever the field is nullable in that version ('nulls'); fields absent in the version get the
// default the decoder yields. The default rules are restated here on purpose (explicit spec default,
// else null for fields nullable in some version, else the zero value), so the test checks the generator.
import { pathToFileURL } from 'node:url'
import type { FieldSchema, VersionRange } from '../../../src/protocol/generated/schema.js'

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'
const PRIMS = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid'])

export function inRange (r: VersionRange | null | undefined, v: number): boolean {
  return r != null && v >= r[0] && v <= r[1]
}

export type Mode = 'full' | 'nulls'

export class ValueBuilder {
  private seed = 0
  constructor (readonly flexibleVersions: VersionRange | null, readonly bigRecords = false) {}

  private next (): number {
    return ++this.seed
  }

  defaultOf (f: FieldSchema): unknown {
    const d = f.default
    const nullByDefault = f.nullableVersions !== null && (d === 'null' || d === undefined)
    if (f.type.startsWith('[]')) return nullByDefault ? null : []
    if (!PRIMS.has(f.type)) return nullByDefault ? null : this.defaultStruct(f.fields!)
    switch (f.type) {
      case 'bool': return d === true || d === 'true'
      case 'int64': return d === undefined ? 0n : BigInt(d as string)
      case 'string': return nullByDefault ? null : (d === undefined ? '' : String(d))
      case 'bytes': return nullByDefault ? null : Buffer.alloc(0)
      case 'records': return null
      case 'uuid': return ZERO_UUID
      default: return d === undefined ? 0 : Number(d)
    }
  }

  defaultStruct (fields: FieldSchema[]): Record<string, unknown> {
    const o: Record<string, unknown> = {}
    for (const f of fields) o[f.prop] = this.defaultOf(f)
    return o
  }

  present (f: FieldSchema, v: number): boolean {
    if (f.tag !== undefined) return inRange(f.taggedVersions, v) && inRange(this.flexibleVersions, v)
    return inRange(f.versions, v)
  }

  /** `junk`, when given, fills the fields absent in `v` with non-default values (its own seed sequence). */
  build (fields: FieldSchema[], v: number, mode: Mode, junk?: ValueBuilder): Record<string, unknown> {
    const o: Record<string, unknown> = {}
    for (const f of fields) {
      if (!this.present(f, v)) {
        o[f.prop] = junk !== undefined ? junk.nonDefault(f, v, 'full', junk) : this.defaultOf(f)
        continue
      }
      if (mode === 'nulls' && inRange(f.nullableVersions, v) && !(f.tag !== undefined && this.defaultOf(f) === null)) {
        o[f.prop] = null
        continue
      }
      o[f.prop] = this.nonDefault(f, v, mode, junk)
    }
    return o
  }

  nonDefault (f: FieldSchema, v: number, mode: Mode, junk?: ValueBuilder): unknown {
    if (f.type.startsWith('[]')) {
      const elem = f.type.slice(2)
      const out: unknown[] = []
      for (let i = 0; i < 2; i++) {
        out.push(PRIMS.has(elem) ? this.prim(elem, undefined) : this.build(f.fields!, v, mode, junk))
      }
      return out
    }
    if (!PRIMS.has(f.type)) return this.build(f.fields!, v, mode, junk)
    return this.prim(f.type, f.default)
  }

  prim (type: string, def: unknown): unknown {
    const n = this.next()
    const dnum = def === undefined || def === 'null' ? 0 : Number(def)
    const pick = (x: number): number => x === dnum ? x + 1 : x
    switch (type) {
      case 'bool': return !(def === true || def === 'true')
      case 'int8': return pick(-(n % 100) - 2)
      case 'int16': return pick(-1000 - n)
      case 'uint16': return pick(40000 + n)
      case 'int32': return pick(-100000 - n * 7)
      case 'int64': return -(2n ** 40n) - BigInt(n)
      case 'float64': return pick(n + 0.5)
      case 'string': return `s${n}-é✓`
      case 'bytes': return Buffer.from([n & 0xff, 1, 2, 3])
      case 'records': return this.bigRecords ? Buffer.alloc(1500, n & 0xff) : Buffer.from([n & 0xff, 9, 8])
      case 'uuid': return `${n.toString(16).padStart(8, '0')}-1234-5678-9abc-def012345678`
    }
    throw new Error(`unknown type ${type}`)
  }
}

// Run directly (as tap does for every file under test/), this module checks itself: in every message's
// latest version, each present field's generated value really differs from the field's default.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { default: t } = await import('tap')
  const { MESSAGE_SCHEMAS } = await import('../../../src/protocol/generated/schema.js')
  const { isDeepStrictEqual } = await import('node:util')
  t.test('the value builder sets every present field to a non-default value', async t => {
    for (const s of MESSAGE_SCHEMAS) {
      const b = new ValueBuilder(s.flexibleVersions)
      const v = s.validVersions[1]
      const value = b.build(s.fields, v, 'full')
      for (const f of s.fields) {
        if (b.present(f, v) && isDeepStrictEqual(value[f.prop], b.defaultOf(f))) t.fail(`${s.name}.${f.prop} v${v} has its default value`)
      }
    }
    t.pass('checked')
  })
}
