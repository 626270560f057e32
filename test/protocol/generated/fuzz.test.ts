// Hostile input: random bytes and single-byte mutations of valid encodings, for every message and version.
// Decoding must either succeed or throw ProtocolDecodeError: never a RangeError, TypeError or a hang.
import t from 'tap'
import * as generated from '../../../src/protocol/generated/index.js'
import { MESSAGE_SCHEMAS } from '../../../src/protocol/generated/schema.js'
import { Reader, ProtocolDecodeError } from '../../../src/protocol/primitives/reader.js'
import { ValueBuilder } from './values.js'

const all = generated as unknown as Record<string, (...args: any[]) => any>

// small deterministic PRNG (mulberry32) so failures reproduce
function rng (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

t.test('random and mutated input only ever throws ProtocolDecodeError', async t => {
  const rand = rng(42)
  let cases = 0
  let failures = 0
  for (const s of MESSAGE_SCHEMAS) {
    const decode = all[`decode${s.name}`]
    const encode = all[`encode${s.name}`]
    for (let v = s.validVersions[0]; v <= s.validVersions[1]; v++) {
      const valid: Buffer = encode(v, new ValueBuilder(s.flexibleVersions).build(s.fields, v, 'full'))
      const inputs: Buffer[] = []
      for (let i = 0; i < 8; i++) {
        const b = Buffer.alloc(Math.floor(rand() * 64))
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256)
        inputs.push(b)
      }
      for (let i = 0; i < 24; i++) {
        const b = Buffer.from(valid)
        if (b.length === 0) break
        const at = Math.floor(rand() * b.length)
        b[at] = rand() < 0.5 ? 0xff : Math.floor(rand() * 256)
        inputs.push(b)
      }
      for (const input of inputs) {
        cases++
        try {
          decode(new Reader(input), v)
        } catch (err) {
          if (!(err instanceof ProtocolDecodeError)) {
            failures++
            t.fail(`${s.name} v${v} on ${input.toString('hex')}: ${String(err)}`)
          }
        }
      }
    }
  }
  t.equal(failures, 0, `${cases} hostile inputs`)
})
