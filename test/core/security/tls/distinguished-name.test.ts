// A certificate's subject DN in Java's X500Principal RFC 2253 form (what Kafka's principal builder maps):
// reverse RDN order, RFC 2253 keywords only, other types as OID=#hex, Java's escaping, multi-valued RDNs.
import t from 'tap'
import forge from 'node-forge'
import { X509Certificate } from 'node:crypto'
import { escapeValue, nameToRfc2253, subjectDistinguishedName } from '../../../../src/core/security/tls/distinguished-name.js'
import { readNode } from '../../../../src/core/security/tls/der.js'
import { makeCertificates } from '../../../../src/cli/cert-factory.js'

// a tiny DER encoder for Names
function tlv (tag: number, value: Buffer): Buffer {
  const len = value.length < 128 ? Buffer.from([value.length]) : Buffer.from([0x81, value.length])
  return Buffer.concat([Buffer.from([tag]), len, value])
}
function oid (dotted: string): Buffer {
  return Buffer.from(forge.asn1.oidToDer(dotted).getBytes(), 'binary')
}
const OID = { CN: '2.5.4.3', C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', L: '2.5.4.7', ST: '2.5.4.8', UID: '0.9.2342.19200300.100.1.1', DC: '0.9.2342.19200300.100.1.25', EMAIL: '1.2.840.113549.1.9.1', SERIAL: '2.5.4.5', STREET: '2.5.4.9' }
type Ava = [string, number, string | Buffer]
function name (...rdns: Ava[][]): string {
  const der = tlv(0x30, Buffer.concat(rdns.map(rdn => tlv(0x31, Buffer.concat(rdn.map(([o, tag, v]) =>
    tlv(0x30, Buffer.concat([tlv(0x06, oid(o)), tlv(tag, typeof v === 'string' ? Buffer.from(v, 'utf8') : v)]))))))))
  return nameToRfc2253(readNode(der, 0).node)
}
const UTF8 = 0x0c
const PRINTABLE = 0x13
const IA5 = 0x16

t.test('RDNs in reverse encoding order, RFC 2253 keywords', async t => {
  t.equal(name([[OID.C, PRINTABLE, 'US']], [[OID.O, UTF8, 'Example']], [[OID.OU, UTF8, 'eng']], [[OID.CN, UTF8, 'alice']]), 'CN=alice,OU=eng,O=Example,C=US')
  t.equal(name([[OID.DC, IA5, 'com']], [[OID.DC, IA5, 'example']], [[OID.UID, UTF8, 'jdoe']]), 'UID=jdoe,DC=example,DC=com')
  t.equal(name([[OID.ST, UTF8, 'MD']], [[OID.L, UTF8, 'Fulton']], [[OID.STREET, UTF8, 'Main St']]), 'STREET=Main St,L=Fulton,ST=MD')
})

t.test('other attribute types print as OID=#hex of the whole DER value (emailAddress, serialNumber)', async t => {
  t.equal(name([[OID.EMAIL, IA5, 'a@b.c']], [[OID.CN, UTF8, 'alice']]), 'CN=alice,1.2.840.113549.1.9.1=#16056140622e63')
  t.equal(name([[OID.SERIAL, PRINTABLE, '123']]), '2.5.4.5=#1303313233')
  t.equal(name([[OID.CN, 0x02, Buffer.from([1])]]), 'CN=#020101', 'a keyword with a non-string value is hex too')
})

t.test('multi-valued RDNs are joined with + in encoding order', async t => {
  t.equal(name([[OID.O, UTF8, 'Org']], [[OID.CN, UTF8, 'a'], [OID.UID, UTF8, 'b']]), 'CN=a+UID=b,O=Org')
})

t.test('Java\'s escaping of values', async t => {
  t.equal(escapeValue('Smith, John'), 'Smith\\, John')
  t.equal(escapeValue('a+b=c'), 'a\\+b\\=c')
  t.equal(escapeValue('#hash#'), '\\#hash\\#')
  t.equal(escapeValue('q"<>;\\'), 'q\\"\\<\\>\\;\\\\')
  t.equal(escapeValue('  lead'), '\\ \\ lead')
  t.equal(escapeValue('trail '), 'trail\\ ')
  t.equal(escapeValue('in ner'), 'in ner')
  t.equal(escapeValue('nul\u0000'), 'nul\\00')
  t.equal(escapeValue('Jürgen_x@y'), 'Jürgen_x@y', 'other characters as they are')
  t.equal(name([[OID.CN, UTF8, 'Smith, John']]), 'CN=Smith\\, John')
})

t.test('from a real certificate', async t => {
  const set = makeCertificates({ clients: ['alice'] })
  const der = (pem: string): Buffer => new X509Certificate(pem).raw
  t.equal(subjectDistinguishedName(der(set.clients.get('alice')!.certPem)), 'CN=alice')
  t.equal(subjectDistinguishedName(der(set.server.certPem)), 'CN=localhost,O=Samsa')
  t.equal(subjectDistinguishedName(der(set.ca.certPem)), 'CN=Samsa local CA,O=Samsa')
  t.throws(() => subjectDistinguishedName(Buffer.from([0x30, 0x05, 1])), /truncated/)
})
