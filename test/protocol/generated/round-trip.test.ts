// Every generated codec, every version: a value with a non-default value in every field present in that
// version encodes, decodes to the same value, and re-encodes to identical bytes; the size function is
// exact; a variant with nulls wherever the version allows them does the same; fields absent in a version
// are silently not written; every strict prefix of an encoding fails with ProtocolDecodeError and nothing
// else; unsupported versions are rejected.
import t from 'tap'
import * as generated from '../../../src/protocol/generated/index.js'
import { MESSAGE_SCHEMAS, type MessageSchema } from '../../../src/protocol/generated/schema.js'
import { Reader, ProtocolDecodeError } from '../../../src/protocol/primitives/reader.js'
import { ValueBuilder } from './values.js'

interface Codec {
  decode: (r: Reader, v: number) => unknown
  size: (v: number, m: unknown) => number
  write: (w: unknown, v: number, m: unknown) => void
  encode: (v: number, m: unknown) => Buffer
}

const all = generated as unknown as Record<string, (...args: any[]) => any>

function codecOf (s: MessageSchema): Codec {
  const c = {
    decode: all[`decode${s.name}`],
    size: all[`size${s.name}`],
    write: all[`write${s.name}`],
    encode: all[`encode${s.name}`]
  }
  for (const [k, fn] of Object.entries(c)) if (typeof fn !== 'function') throw new Error(`${s.name}: no ${k} function`)
  return c as Codec
}

function versions (s: MessageSchema): number[] {
  const out: number[] = []
  for (let v = s.validVersions[0]; v <= s.validVersions[1]; v++) out.push(v)
  return out
}

t.test('every spec message has generated codecs', async t => {
  t.ok(MESSAGE_SCHEMAS.length >= 150, `${MESSAGE_SCHEMAS.length} messages`)
  for (const s of MESSAGE_SCHEMAS) t.doesNotThrow(() => codecOf(s), s.name)
})

for (const s of MESSAGE_SCHEMAS) {
  t.test(`${s.name} round-trips in every version`, async t => {
    const codec = codecOf(s)
    for (const v of versions(s)) {
      for (const mode of ['full', 'nulls'] as const) {
        const value = new ValueBuilder(s.flexibleVersions).build(s.fields, v, mode)
        const bytes = codec.encode(v, value)
        t.equal(bytes.length, codec.size(v, value), `v${v} ${mode}: size is exact`)
        const r = new Reader(bytes)
        const decoded = codec.decode(r, v)
        t.equal(r.remaining(), 0, `v${v} ${mode}: decode consumes every byte`)
        t.strictSame(decoded, value, `v${v} ${mode}: decode(encode(x)) equals x`)
        t.ok(codec.encode(v, decoded).equals(bytes), `v${v} ${mode}: re-encoding gives identical bytes`)
      }
    }
  })
}

t.test('fields absent in a version are not written, whatever their value', async t => {
  for (const s of MESSAGE_SCHEMAS) {
    const codec = codecOf(s)
    for (const v of versions(s)) {
      const withDefaults = new ValueBuilder(s.flexibleVersions).build(s.fields, v, 'full')
      const withJunk = new ValueBuilder(s.flexibleVersions).build(s.fields, v, 'full', new ValueBuilder(s.flexibleVersions))
      const a = codec.encode(v, withDefaults)
      const b = codec.encode(v, withJunk)
      if (!a.equals(b)) t.fail(`${s.name} v${v}: absent fields changed the bytes`)
    }
  }
  t.pass('checked every message and version')
})

t.test('large records are encoded without copying and round-trip', async t => {
  const s = MESSAGE_SCHEMAS.find(m => m.name === 'FetchResponse')!
  const codec = codecOf(s)
  for (const v of versions(s)) {
    const value = new ValueBuilder(s.flexibleVersions, true).build(s.fields, v, 'full')
    const bytes = codec.encode(v, value)
    t.strictSame(codec.decode(new Reader(bytes), v), value, `FetchResponse v${v}`)
  }
})

t.test('every strict prefix of an encoding throws ProtocolDecodeError', async t => {
  let checked = 0
  for (const s of MESSAGE_SCHEMAS) {
    const codec = codecOf(s)
    for (const v of versions(s)) {
      const bytes = codec.encode(v, new ValueBuilder(s.flexibleVersions).build(s.fields, v, 'full'))
      const step = Math.max(1, Math.floor(bytes.length / 64))
      for (let len = 0; len < bytes.length; len += (len < 16 || bytes.length - len < 16) ? 1 : step) {
        try {
          codec.decode(new Reader(bytes.subarray(0, len)), v)
          t.fail(`${s.name} v${v}: a ${len}-byte prefix of ${bytes.length} decoded without error`)
        } catch (err) {
          if (!(err instanceof ProtocolDecodeError)) t.fail(`${s.name} v${v} prefix ${len}: ${String(err)}`)
        }
        checked++
      }
    }
  }
  t.pass(`${checked} truncated buffers rejected`)
})

t.test('unsupported versions are rejected', async t => {
  for (const s of MESSAGE_SCHEMAS) {
    const codec = codecOf(s)
    t.throws(() => codec.decode(new Reader(Buffer.alloc(64)), s.validVersions[1] + 1), ProtocolDecodeError, `${s.name} decode`)
    t.throws(() => codec.size(-1, {}), RangeError, `${s.name} size`)
  }
})
