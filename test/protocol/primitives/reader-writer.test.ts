// Reader/Writer primitives: fixed-width integers, strings (UTF-8, null, compact), bytes as zero-copy
// views, uuids in canonical hex, bounds checks that always throw ProtocolDecodeError, and the Writer's
// exact-size contract with zero-copy record chunks.
import t from 'tap'
import { Reader, ProtocolDecodeError, ZERO_UUID } from '../../../src/protocol/primitives/reader.js'
import {
  Writer, concatChunks, sizeOfString, sizeOfNullableString, sizeOfCompactString, sizeOfCompactNullableString,
  sizeOfBytes, sizeOfCompactBytes, sizeOfNullableBytes, sizeOfCompactNullableBytes, sizeOfRecords, utf8Length,
  RECORDS_ZERO_COPY_MIN
} from '../../../src/protocol/primitives/writer.js'

function enc (size: number, fn: (w: Writer) => void): Buffer {
  const w = new Writer(size)
  fn(w)
  return concatChunks(w.finish(), size)
}

t.test('fixed-width integers are big-endian and round-trip', async t => {
  const b = enc(1 + 2 + 4 + 2 + 4 + 8 + 8 + 1 + 1, w => {
    w.int8(-2)
    w.int16(-300)
    w.int32(-70000)
    w.uint16(65535)
    w.uint32(0xfffffffe)
    w.float64(-1.25)
    w.int64(-(2n ** 62n))
    w.bool(true)
    w.bool(false)
  })
  t.same([...b.subarray(0, 7)], [0xfe, 0xfe, 0xd4, 0xff, 0xfe, 0xee, 0x90])
  const r = new Reader(b)
  t.equal(r.int8(), -2)
  t.equal(r.int16(), -300)
  t.equal(r.int32(), -70000)
  t.equal(r.uint16(), 65535)
  t.equal(r.uint32(), 0xfffffffe)
  t.equal(r.float64(), -1.25)
  t.equal(r.int64(), -(2n ** 62n))
  t.equal(r.bool(), true)
  t.equal(r.bool(), false)
  t.equal(r.remaining(), 0)
})

t.test('bool: any non-zero byte is true', async t => {
  t.equal(new Reader(Buffer.from([7])).bool(), true)
})

t.test('strings: UTF-8 lengths are byte lengths, null and empty differ', async t => {
  const s = 'héllo, wörld ✓ 𝄞'
  const len = Buffer.byteLength(s)
  t.equal(utf8Length(s), len)
  t.equal(utf8Length('ascii-only'), 10)
  t.equal(utf8Length('é'), 2, 'short non-ASCII string')
  t.equal(sizeOfString(s), 2 + len)
  t.equal(sizeOfCompactString(s), 1 + len)
  t.equal(sizeOfNullableString(null), 2)
  t.equal(sizeOfCompactNullableString(null), 1)
  const total = sizeOfString(s) + sizeOfNullableString(null) + sizeOfCompactString(s) + sizeOfCompactNullableString(null) + sizeOfString('') + sizeOfCompactString('')
  const b = enc(total, w => {
    w.string(s)
    w.nullableString(null)
    w.compactString(s)
    w.compactNullableString(null)
    w.string('')
    w.compactString('')
  })
  t.equal(b.readInt16BE(0), len)
  t.equal(b.readInt16BE(2 + len), -1)
  const r = new Reader(b)
  t.equal(r.string(), s)
  t.equal(r.nullableString(), null)
  t.equal(r.compactString(), s)
  t.equal(r.compactNullableString(), null)
  t.equal(r.string(), '')
  t.equal(r.compactString(), '')
  t.equal(r.remaining(), 0)
})

t.test('a long compact string takes a two-byte length', async t => {
  const s = 'x'.repeat(200)
  t.equal(sizeOfCompactString(s), 2 + 200)
  const b = enc(202, w => w.compactString(s))
  t.same([...b.subarray(0, 2)], [0xc9, 0x01])
  t.equal(new Reader(b).compactString(), s)
})

t.test('null where a value is required throws', async t => {
  t.throws(() => new Reader(Buffer.from([0xff, 0xff])).string(), ProtocolDecodeError)
  t.throws(() => new Reader(Buffer.from([0x00])).compactString(), ProtocolDecodeError)
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff])).bytes(), ProtocolDecodeError)
  t.throws(() => new Reader(Buffer.from([0x00])).compactBytes(), ProtocolDecodeError)
})

t.test('negative lengths other than -1 throw', async t => {
  t.throws(() => new Reader(Buffer.from([0xff, 0xfe])).nullableString(), ProtocolDecodeError)
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).nullableBytes(), ProtocolDecodeError)
  t.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).arrayLength(), ProtocolDecodeError)
})

t.test('bytes are zero-copy views', async t => {
  const payload = Buffer.from([1, 2, 3, 4])
  const size = sizeOfBytes(payload) + sizeOfNullableBytes(null) + sizeOfCompactBytes(payload) + sizeOfCompactNullableBytes(null)
  const b = enc(size, w => {
    w.bytes(payload)
    w.nullableBytes(null)
    w.compactBytes(payload)
    w.compactNullableBytes(null)
  })
  const r = new Reader(b)
  const v = r.bytes()
  t.same([...v], [1, 2, 3, 4])
  t.equal(v.buffer, b.buffer, 'same backing memory')
  t.equal(v.byteOffset, b.byteOffset + 4)
  b[4] = 9
  t.equal(v[0], 9, 'a write to the source shows through the view')
  t.equal(r.nullableBytes(), null)
  t.same([...r.compactBytes()], [1, 2, 3, 4])
  t.equal(r.compactNullableBytes(), null)
})

t.test('uuid: canonical lowercase hex, zero uuid', async t => {
  const id = '0123abcd-4567-89ef-fedc-ba9876543210'
  const b = enc(32, w => {
    w.uuid(id)
    w.uuid(ZERO_UUID)
  })
  t.same([...b.subarray(0, 4)], [0x01, 0x23, 0xab, 0xcd])
  const r = new Reader(b)
  t.equal(r.uuid(), id)
  t.equal(r.uuid(), '00000000-0000-0000-0000-000000000000')
  const upper = enc(16, w => w.uuid('0123ABCD-4567-89EF-FEDC-BA9876543210'))
  t.equal(new Reader(upper).uuid(), id, 'upper-case input is accepted, output is lower-case')
  t.throws(() => new Writer(16).uuid('not-a-uuid'))
})

t.test('every truncated read throws ProtocolDecodeError naming the offset', async t => {
  const reads: Array<[string, (r: Reader) => unknown, Buffer]> = [
    ['int8', r => r.int8(), Buffer.alloc(0)],
    ['int16', r => r.int16(), Buffer.alloc(1)],
    ['int32', r => r.int32(), Buffer.alloc(3)],
    ['uint16', r => r.uint16(), Buffer.alloc(1)],
    ['uint32', r => r.uint32(), Buffer.alloc(3)],
    ['int64', r => r.int64(), Buffer.alloc(7)],
    ['float64', r => r.float64(), Buffer.alloc(7)],
    ['bool', r => r.bool(), Buffer.alloc(0)],
    ['uuid', r => r.uuid(), Buffer.alloc(15)],
    ['string body', r => r.string(), Buffer.from([0, 5, 65, 66])],
    ['compact string body', r => r.compactString(), Buffer.from([6, 65])],
    ['bytes body', r => r.bytes(), Buffer.from([0, 0, 0, 3, 1])],
    ['compact bytes body', r => r.compactNullableBytes(), Buffer.from([4, 1])],
    ['array longer than the input', r => r.arrayLength(), Buffer.from([0, 0, 0, 9, 1])],
    ['compact array longer than the input', r => r.compactArrayLength(), Buffer.from([10, 1])],
    ['skip', r => r.skip(3), Buffer.alloc(2)]
  ]
  for (const [name, read, buf] of reads) {
    const err = t.throws(() => read(new Reader(buf)), ProtocolDecodeError, name) as ProtocolDecodeError
    t.type(err.offset, 'number')
    t.match(err.message, /offset \d+/)
  }
})

t.test('skipTaggedFields skips tags without interpreting them', async t => {
  const r = new Reader(Buffer.from([2, 0, 1, 0xaa, 5, 2, 0xbb, 0xcc, 0x42]))
  r.skipTaggedFields()
  t.equal(r.int8(), 0x42)
  t.throws(() => new Reader(Buffer.from([1, 0, 5, 0])).skipTaggedFields(), ProtocolDecodeError)
})

t.test('Writer: exact size contract', async t => {
  const w = new Writer(3)
  w.int16(1)
  t.equal(w.position, 2)
  t.throws(() => w.finish(), /underflow/)
  t.throws(() => w.int16(1), /overflow/)
  w.int8(1)
  t.same(w.finish().map(c => c.length), [3])
})

t.test('Writer: large records are referenced, small ones copied', async t => {
  const big = Buffer.alloc(RECORDS_ZERO_COPY_MIN, 7)
  const small = Buffer.from([1, 2, 3])
  const size = 4 + sizeOfRecords([big, small, big], false) + 4 + sizeOfRecords(null, true) + sizeOfRecords(small, true)
  const w = new Writer(size)
  w.int32(11)
  w.records([big, small, big], false)
  w.int32(22)
  w.records(null, true)
  w.records(small, true)
  const chunks = w.finish()
  t.equal(chunks.reduce((n, c) => n + c.length, 0), size, 'chunk lengths sum to the size')
  t.ok(chunks.includes(big), 'the big buffer is a chunk of its own, not a copy')
  t.equal(chunks.filter(c => c === big).length, 2)
  const out = concatChunks(chunks, size)
  const r = new Reader(out)
  t.equal(r.int32(), 11)
  const recs = r.nullableBytes()!
  t.equal(recs.length, 2 * RECORDS_ZERO_COPY_MIN + 3)
  t.same([...recs.subarray(RECORDS_ZERO_COPY_MIN, RECORDS_ZERO_COPY_MIN + 3)], [1, 2, 3])
  t.equal(r.int32(), 22)
  t.equal(r.compactNullableBytes(), null)
  t.same([...r.compactNullableBytes()!], [1, 2, 3])
  t.equal(r.remaining(), 0)
})

t.test('Writer: messages over one chunk are split and still exact', async t => {
  const n = 50000
  const size = n * 4 + 3
  const w = new Writer(size)
  for (let i = 0; i < n; i++) w.int32(i)
  w.string('a')
  const chunks = w.finish()
  t.ok(chunks.length > 1, 'more than one chunk')
  const b = concatChunks(chunks, size)
  const r = new Reader(b)
  let ok = true
  for (let i = 0; i < n; i++) if (r.int32() !== i) ok = false
  t.ok(ok, 'all ints in order across chunk boundaries')
  t.equal(r.string(), 'a')
})

t.test('Writer: overflow after referenced records is detected', async t => {
  const big = Buffer.alloc(2000)
  const w = new Writer(4 + 2000)
  w.records(big, false)
  t.throws(() => w.int8(1), /overflow/)
  t.equal(w.finish().length, 2)
})
