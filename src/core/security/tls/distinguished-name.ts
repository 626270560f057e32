// The distinguished name of a certificate's subject as Kafka's principal builder sees it: Java's
// X500Principal.getName() (RFC 2253 form), e.g. "CN=alice,OU=eng,O=Example,C=US".
//
// Java's rules, followed here exactly: RDNs in reverse order of their DER encoding (the most specific first),
// separated by ','; the AVAs of a multi-valued RDN in encoding order, joined by '+'; keywords only for the
// RFC 2253 attribute types (CN, C, L, ST, O, OU, STREET, DC, UID), every other type as its dotted OID with the
// value as '#' and the lowercase hex of its whole DER encoding (so emailAddress prints as
// "1.2.840.113549.1.9.1=#16..."); string values (Printable, T61, IA5, General, BMP, UTF8 strings) decoded as
// UTF-8 as Java does, with , = + < > # ; " \ escaped by a backslash, NUL as \00, and leading and trailing
// spaces escaped.
import { TAG, children, oidString, readNode, type DerNode } from './der.js'

const RFC2253_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID']
])

const STRING_TAGS: ReadonlySet<number> = new Set([
  TAG.PRINTABLE_STRING, TAG.T61_STRING, TAG.IA5_STRING, TAG.GENERAL_STRING, TAG.BMP_STRING, TAG.UTF8_STRING
])

const ESCAPEES = ',=+<>#;"\\'

/** The subject DN of a DER certificate (tls's getPeerCertificate().raw) in Java's RFC 2253 form. */
export function subjectDistinguishedName (certDer: Buffer): string {
  const cert = readNode(certDer, 0).node
  const tbs = children(cert)[0]
  if (tbs === undefined || tbs.tag !== TAG.SEQUENCE) throw new Error('not an X.509 certificate')
  const fields = children(tbs)
  // [0] version (explicit, optional), serialNumber, signature, issuer, validity, subject
  const start = fields[0]?.tag === 0xa0 ? 1 : 0
  const subject = fields[start + 4]
  if (subject === undefined || subject.tag !== TAG.SEQUENCE) throw new Error('certificate has no subject')
  return nameToRfc2253(subject)
}

/** A DER Name (SEQUENCE OF RelativeDistinguishedName) in Java's RFC 2253 form. */
export function nameToRfc2253 (name: DerNode): string {
  const rdns = children(name)
  const out: string[] = []
  for (let i = rdns.length - 1; i >= 0; i--) {
    out.push(children(rdns[i]).map(avaToRfc2253).join('+'))
  }
  return out.join(',')
}

function avaToRfc2253 (ava: DerNode): string {
  const [type, value] = children(ava)
  if (type === undefined || value === undefined || type.tag !== TAG.OID) throw new Error('bad AttributeTypeAndValue')
  const oid = oidString(type.value)
  const keyword = RFC2253_KEYWORDS.get(oid)
  if (keyword === undefined || !STRING_TAGS.has(value.tag)) return `${keyword ?? oid}=#${value.raw.toString('hex')}`
  return `${keyword}=${escapeValue(value.value.toString('utf8'))}`
}

/** Java's AVA.toRFC2253String escaping of a string value. */
export function escapeValue (s: string): string {
  let escaped = ''
  for (const c of s) {
    if (ESCAPEES.includes(c)) escaped += '\\' + c
    else if (c === '\u0000') escaped += '\\00'
    else escaped += c
  }
  let lead = 0
  while (lead < escaped.length && (escaped[lead] === ' ' || escaped[lead] === '\r')) lead++
  let trail = escaped.length - 1
  while (trail >= 0 && (escaped[trail] === ' ' || escaped[trail] === '\r')) trail--
  let out = ''
  for (let i = 0; i < escaped.length; i++) out += (i < lead || i > trail ? '\\' : '') + escaped[i]
  return out
}
