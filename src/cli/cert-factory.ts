// Certificates for trying TLS locally (`samsa certs`, and the TLS tests): a CA, a server certificate for
// localhost / 127.0.0.1 / ::1 plus any extra host names, and client certificates for mTLS, all RSA 2048 with
// SHA-256 signatures, valid for `days` (default 825, the longest Apple's TLS clients accept).
//
// Library use: keys come from Node's crypto (native, fast); certificates and PKCS12 files are built with
// node-forge, a long-kept pure-JS PKI library already used to read PKCS12 trust stores. (@peculiar/x509 was the
// first choice but needs a reflect-metadata polyfill that is not installed; node-forge makes both the X.509 and
// the PKCS12 parts.) PKCS12 files are encrypted with AES-256 (PBES2), which OpenSSL 3 and Java read.
import crypto from 'node:crypto'
import forge from 'node-forge'

export interface KeyPair {
  /** PKCS#8 PEM private key. */
  keyPem: string
  certPem: string
}

export interface CertificateSet {
  ca: KeyPair
  server: KeyPair
  /** By common name. */
  clients: Map<string, KeyPair>
}

export interface MakeOptions {
  /** Extra DNS names or IP addresses for the server certificate. */
  hosts?: string[]
  /** Common names of client certificates to make. */
  clients?: string[]
  days?: number
  /** The CA's subject common name (default "Samsa local CA"). */
  caName?: string
  /** A CA to sign with instead of making a new one. */
  ca?: KeyPair
}

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1']

export function makeCertificates (opts: MakeOptions = {}): CertificateSet {
  const days = opts.days ?? 825
  const ca = opts.ca ?? makeCa(opts.caName ?? 'Samsa local CA', days)
  const hosts = [...new Set([...DEFAULT_HOSTS, ...(opts.hosts ?? [])])]
  // encoded most general first, so the RFC 2253 form reads CN=localhost,O=Samsa
  const server = issue(ca, [{ name: 'organizationName', value: 'Samsa' }, { name: 'commonName', value: hosts.find(h => !isIp(h)) ?? hosts[0] }], days, {
    serverAuth: true, hosts
  })
  const clients = new Map<string, KeyPair>()
  for (const cn of opts.clients ?? []) clients.set(cn, makeClientCertificate(ca, cn, days))
  return { ca, server, clients }
}

export function makeCa (commonName: string, days = 825): KeyPair {
  const { keyPem, key, publicKey } = newKey()
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = serial()
  setValidity(cert, days)
  const subject = [{ name: 'organizationName', value: 'Samsa' }, { name: 'commonName', value: commonName }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  cert.sign(key, forge.md.sha256.create())
  return { keyPem, certPem: forge.pki.certificateToPem(cert) }
}

/** A client certificate with subject `CN=<commonName>` (Kafka's principal: User:CN=<commonName>). */
export function makeClientCertificate (ca: KeyPair, commonName: string, days = 825): KeyPair {
  return issue(ca, [{ name: 'commonName', value: commonName }], days, { serverAuth: false, hosts: [] })
}

function issue (ca: KeyPair, subject: forge.pki.CertificateField[], days: number, use: { serverAuth: boolean, hosts: string[] }): KeyPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem)
  const { keyPem, publicKey } = newKey()
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = serial()
  setValidity(cert, days)
  cert.setSubject(subject)
  cert.setIssuer(caCert.subject.attributes)
  const extensions: any[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: use.serverAuth, clientAuth: !use.serverAuth },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }
  ]
  if (use.hosts.length > 0) {
    extensions.push({ name: 'subjectAltName', altNames: use.hosts.map(h => isIp(h) ? { type: 7, ip: h } : { type: 2, value: h }) })
  }
  cert.setExtensions(extensions)
  cert.sign(caKey, forge.md.sha256.create())
  return { keyPem, certPem: forge.pki.certificateToPem(cert) }
}

/** A PKCS#8 PEM key encrypted with AES-256-CBC (Kafka's ssl.key.password case). */
export function encryptKey (keyPem: string, password: string): string {
  return crypto.createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string
}

/** A PKCS12 key store: the key with its certificate chain (leaf first). */
export function pkcs12KeyStore (pair: KeyPair, chain: string[], password: string, friendlyName: string): Buffer {
  const key = forge.pki.privateKeyFromPem(pair.keyPem)
  const certs = [pair.certPem, ...chain].map(p => forge.pki.certificateFromPem(p))
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, password, { algorithm: 'aes256', friendlyName })
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
}

/**
 * A PKCS12 trust store: certificates only, each marked as a trusted certificate entry the way Java's keytool
 * marks them (bag attribute 2.16.840.1.113894.746875.1.1 = anyExtendedKeyUsage); without that mark Java loads
 * a certificate-only PKCS12 file as empty. Certificates are public: the safe contents are not encrypted, the
 * password protects the integrity MAC (HMAC-SHA1, PKCS12 key derivation), as keytool does for trust stores.
 */
export function pkcs12TrustStore (certPems: string[], password: string): Buffer {
  const { asn1, pki } = forge
  const U = asn1.Class.UNIVERSAL
  const seq = (v: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, asn1.Type.SEQUENCE, true, v)
  const set = (v: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, asn1.Type.SET, true, v)
  const oid = (o: string): forge.asn1.Asn1 => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(o).getBytes())
  const octets = (b: string): forge.asn1.Asn1 => asn1.create(U, asn1.Type.OCTETSTRING, false, b)
  const explicit0 = (v: forge.asn1.Asn1): forge.asn1.Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [v])
  const der = (v: forge.asn1.Asn1): string => asn1.toDer(v).getBytes()
  const bags = certPems.map((pem, i) => seq([
    oid(pki.oids.certBag),
    explicit0(seq([oid(pki.oids.x509Certificate), explicit0(octets(der(pki.certificateToAsn1(pki.certificateFromPem(pem)))))])),
    set([
      seq([oid(pki.oids.friendlyName), set([asn1.create(U, asn1.Type.BMPSTRING, false, i === 0 ? 'ca' : `ca${i}`)])]),
      seq([oid('2.16.840.1.113894.746875.1.1'), set([oid('2.5.29.37.0')])])
    ])
  ]))
  const safe = seq([seq([oid(pki.oids.data), explicit0(octets(der(seq(bags))))])])
  const salt = forge.random.getBytesSync(20)
  const iterations = 10000
  const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, iterations, 20)
  const hmac = forge.hmac.create()
  hmac.start('sha1', key)
  hmac.update(der(safe))
  const macData = seq([
    seq([seq([oid(pki.oids.sha1), asn1.create(U, asn1.Type.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(salt),
    asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes())
  ])
  const pfx = seq([
    asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(pki.oids.data), explicit0(octets(der(safe)))]),
    macData
  ])
  return Buffer.from(der(pfx), 'binary')
}

function newKey (): { keyPem: string, key: forge.pki.rsa.PrivateKey, publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
  return { keyPem, key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) }
}

function serial (): string {
  // positive, 16 random bytes
  const b = crypto.randomBytes(16)
  b[0] &= 0x7f
  return b.toString('hex')
}

function setValidity (cert: forge.pki.Certificate, days: number): void {
  const now = Date.now()
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000)
  cert.validity.notAfter = new Date(now + days * 24 * 60 * 60 * 1000)
}

function isIp (h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':')
}
