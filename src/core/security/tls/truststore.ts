// The CA certificates client certificates are verified against (mTLS), from Kafka's truststore settings:
// ssl.truststore.location as a PEM file (one or more certificates) or a PKCS12 file (ssl.truststore.type=PKCS12,
// ssl.truststore.password; Node's tls reads PKCS12 only together with a key, so node-forge extracts the
// certificates), or inline ssl.truststore.certificates (PEM). JKS is refused with a keytool hint. Nothing set:
// null (Node's bundled root CAs, as a JVM falls back to its cacerts). Failures are TlsConfigErrors naming the key
// and the file.
import forge from 'node-forge'
import { TlsConfigError } from './errors.js'
import type { ConfigLookup, FileReader } from './keystore.js'
import { readStoreFile } from './keystore.js'
import { jksHint, pemBlocks, sniffStore } from './pem.js'

export interface TrustMaterial {
  /** PEM certificates. */
  ca: string[]
  files: string[]
}

export function loadTruststore (get: ConfigLookup, read: FileReader): TrustMaterial | null {
  const type = (get('ssl.truststore.type') ?? 'JKS').toUpperCase()
  const location = nonEmpty(get('ssl.truststore.location'))
  const inline = nonEmpty(get('ssl.truststore.certificates'))
  if (location === null && inline === null) return null
  if (location !== null && inline !== null) throw new TlsConfigError('set either ssl.truststore.location or ssl.truststore.certificates, not both')
  if (inline !== null) return { ca: pemCertificates(inline, 'ssl.truststore.certificates'), files: [] }
  const path = location as string
  const bytes = readStoreFile(read, path, 'ssl.truststore.location')
  const found = sniffStore(bytes)
  if (found === 'JKS') throw new TlsConfigError(`ssl.truststore.location ${path} is a JKS trust store. ${jksHint(path)} and set ssl.truststore.type=PKCS12`)
  if (found === 'PEM') {
    if (type === 'PKCS12') throw new TlsConfigError(`ssl.truststore.location ${path} is a PEM file but ssl.truststore.type=PKCS12: set ssl.truststore.type=PEM`)
    return { ca: pemCertificates(bytes.toString('utf8'), `ssl.truststore.location ${path}`), files: [path] }
  }
  if (type === 'PEM') throw new TlsConfigError(`ssl.truststore.location ${path} is not a PEM file (ssl.truststore.type=PEM); for a PKCS12 file set ssl.truststore.type=PKCS12`)
  return { ca: pkcs12Certificates(bytes, get('ssl.truststore.password'), path), files: [path] }
}

function pemCertificates (text: string, source: string): string[] {
  const certs = pemBlocks(text).filter(b => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE').map(b => b.text)
  if (certs.length === 0) throw new TlsConfigError(`${source}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`)
  return certs
}

function pkcs12Certificates (bytes: Buffer, password: string | null, path: string): string[] {
  let p12: forge.pkcs12.Pkcs12Pfx
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')))
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '')
  } catch (err) {
    const msg = (err as Error).message
    if (/mac|password|decrypt/i.test(msg)) throw new TlsConfigError(`ssl.truststore.location ${path}: ssl.truststore.password does not open the PKCS12 trust store (${msg})`)
    throw new TlsConfigError(`ssl.truststore.location ${path} cannot be read as PKCS12: ${msg}`)
  }
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []
  const certs: string[] = []
  for (const bag of bags) {
    if (bag.cert !== undefined && bag.cert !== null) {
      certs.push(forge.pki.certificateToPem(bag.cert))
    } else if (bag.asn1 !== undefined) {
      // certificates forge cannot parse as RSA keys (EC): take their DER as is
      const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary')
      certs.push(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`)
    }
  }
  if (certs.length === 0) throw new TlsConfigError(`ssl.truststore.location ${path}: the PKCS12 trust store holds no certificate`)
  return certs
}

function nonEmpty (v: string | null): string | null {
  return v === null || v.trim() === '' ? null : v
}
