// Varint encodings (unsigned 32-bit, zigzag 32-bit, zigzag 64-bit) at their edge values: sizes agree with
// the bytes written, known byte patterns from the protobuf/Kafka definitions, and malformed input throws
// ProtocolDecodeError.
import t from 'tap'
import { Reader, ProtocolDecodeError } from '../../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../../src/protocol/primitives/writer.js'
import { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, zigzag32, zigzag64 } from '../../../src/protocol/primitives/varint.js'

function enc (size: number, fn: (w: Writer) => void): Buffer {
  const w = new Writer(size)
  fn(w)
  return concatChunks(w.finish(), size)
}

t.test('uvarint edge values round-trip with the advertised size', async t => {
  const values = [0, 1, 127, 128, 255, 300, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 0x7fffffff, 0x80000000, 0xffffffff]
  for (const v of values) {
    const b = enc(sizeOfUvarint(v), w => w.uvarint(v))
    t.equal(b.length, sizeOfUvarint(v), `size of ${v}`)
    const r = new Reader(b)
    t.equal(r.uvarint(), v, `uvarint ${v}`)
    t.equal(r.remaining(), 0)
  }
})

t.test('uvarint known bytes', async t => {
  t.same([...enc(1, w => w.uvarint(0))], [0x00])
  t.same([...enc(2, w => w.uvarint(300))], [0xac, 0x02])
  t.same([...enc(5, w => w.uvarint(0xffffffff))], [0xff, 0xff, 0xff, 0xff, 0x0f])
})

t.test('varint zigzag: negative values and int32 edges', async t => {
  t.equal(zigzag32(0), 0)
  t.equal(zigzag32(-1), 1)
  t.equal(zigzag32(1), 2)
  t.equal(zigzag32(-2), 3)
  t.equal(zigzag32(2147483647), 4294967294)
  t.equal(zigzag32(-2147483648), 4294967295)
  t.same([...enc(1, w => w.varint(-1))], [0x01])
  t.same([...enc(2, w => w.varint(64))], [0x80, 0x01])
  for (const v of [0, -1, 1, -64, 63, 64, -65, 1000, -1000, 2147483647, -2147483648]) {
    const b = enc(sizeOfVarint(v), w => w.varint(v))
    t.equal(new Reader(b).varint(), v, `varint ${v}`)
  }
})

t.test('varlong: 64-bit edges, fast and slow paths', async t => {
  const values = [0n, -1n, 1n, 63n, -64n, 64n, 134217727n, -134217728n, 134217728n, -134217729n,
    2n ** 31n, -(2n ** 31n), 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]
  for (const v of values) {
    const size = sizeOfVarlong(v)
    const b = enc(size, w => w.varlong(v))
    t.equal(b.length, size, `size of ${v}`)
    const r = new Reader(b)
    t.equal(r.varlong(), v, `varlong ${v}`)
    t.equal(r.remaining(), 0)
  }
  t.equal(zigzag64(-(2n ** 63n)), 2n ** 64n - 1n)
  t.equal(sizeOfVarlong(-(2n ** 63n)), 10)
  t.same([...enc(10, w => w.varlong(-(2n ** 63n)))], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
})

t.test('malformed varints throw ProtocolDecodeError', async t => {
  t.throws(() => new Reader(Buffer.from([0x80])).uvarint(), ProtocolDecodeError, 'truncated uvarint')
  t.throws(() => new Reader(Buffer.from([])).varint(), ProtocolDecodeError, 'empty varint')
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10])).uvarint(), ProtocolDecodeError, 'uvarint over 32 bits')
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint(), ProtocolDecodeError, 'uvarint over 5 bytes')
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])).varlong(), ProtocolDecodeError, 'truncated varlong')
  t.throws(() => new Reader(Buffer.alloc(11, 0xff)).varlong(), ProtocolDecodeError, 'varlong over 10 bytes')
  const err = t.throws(() => new Reader(Buffer.from([1, 0x80]), 1).uvarint()) as ProtocolDecodeError
  t.equal(err.offset, 1, 'the error names where the varint began')
  t.match(err.message, /varint.*offset 1/)
})
