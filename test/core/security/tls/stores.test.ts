// Key material from Kafka's keystore/truststore settings, without a broker: PEM files and inline PEM, PKCS12
// (ours, OpenSSL's and keytool's shapes are all PKCS12), JKS refused, type mismatches and missing settings
// named; ssl.enabled.protocols and ssl.cipher.suites.
import t from 'tap'
import fs from 'node:fs'
import { loadKeystore } from '../../../../src/core/security/tls/keystore.js'
import { loadTruststore } from '../../../../src/core/security/tls/truststore.js'
import { cipherList, protocolRange, tlsParameters } from '../../../../src/core/security/tls/protocols.js'
import { TlsConfigError } from '../../../../src/core/security/tls/errors.js'
import { P12_PASSWORD, testCerts } from '../../../helpers/tls-certs.js'

const certs = testCerts(t)
const read = (p: string): Buffer => fs.readFileSync(p)
const lookup = (cfg: Record<string, string>) => (k: string): string | null => cfg[k] ?? null

t.test('PEM keystore: one file with key and chain, or inline', async t => {
  const k = loadKeystore(lookup({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.files.server }), read)
  t.match(k.options.key, /BEGIN PRIVATE KEY/)
  t.equal((String(k.options.cert).match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'leaf and CA')
  t.same(k.files, [certs.files.server])
  const inline = loadKeystore(lookup({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': certs.set.server.keyPem, 'ssl.keystore.certificate.chain': certs.set.server.certPem }), read)
  t.same(inline.files, [])
  t.throws(() => loadKeystore(lookup({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': certs.set.server.keyPem }), read), /ssl.keystore.certificate.chain is not set/)
  t.throws(() => loadKeystore(lookup({}), read), /needs a keystore/)
  const onlyCert = certs.write('only-cert.pem', certs.set.server.certPem)
  t.throws(() => loadKeystore(lookup({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': onlyCert }), read), /only-cert.pem: expected one PEM private key, found 0/)
})

t.test('type and contents must agree; the default type JKS reads PKCS12 files as Java does', async t => {
  t.throws(() => loadKeystore(lookup({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.files.server }), read), /is a PEM file but ssl.keystore.type=PKCS12: set ssl.keystore.type=PEM/)
  t.throws(() => loadKeystore(lookup({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.files.serverP12 }), read), /is not a PEM file/)
  const p12 = loadKeystore(lookup({ 'ssl.keystore.location': certs.files.serverP12, 'ssl.keystore.password': P12_PASSWORD }), read)
  t.ok(Buffer.isBuffer(p12.options.pfx))
  t.equal(p12.options.passphrase, P12_PASSWORD)
  const err = (() => { try { loadKeystore(lookup({ 'ssl.keystore.location': certs.write('k.jks', Buffer.from('feedfeed00000002', 'hex')) }), read) } catch (e) { return e } })()
  t.ok(err instanceof TlsConfigError)
  t.match((err as Error).message, /k.jks is a JKS key store.*keytool -importkeystore -srckeystore \S+k.jks -destkeystore \S+k.p12 -deststoretype PKCS12/)
})

t.test('truststores: PEM, inline, PKCS12 (password checked), none', async t => {
  t.equal(loadTruststore(lookup({}), read), null, 'nothing set: the default roots')
  t.equal(loadTruststore(lookup({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.files.ca }), read)?.ca.length, 1)
  t.equal(loadTruststore(lookup({ 'ssl.truststore.certificates': certs.set.ca.certPem + certs.set.server.certPem }), read)?.ca.length, 2)
  const p12 = loadTruststore(lookup({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.files.truststore, 'ssl.truststore.password': P12_PASSWORD }), read)
  t.equal(p12?.ca.length, 1)
  t.equal(p12?.ca[0].replace(/\r/g, '').trim(), certs.set.ca.certPem.replace(/\r/g, '').trim(), 'the CA certificate')
  t.throws(() => loadTruststore(lookup({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.files.truststore, 'ssl.truststore.password': 'wrong' }), read),
    /truststore.p12: ssl.truststore.password does not open the PKCS12 trust store/)
  t.throws(() => loadTruststore(lookup({ 'ssl.truststore.location': certs.files.ca, 'ssl.truststore.certificates': certs.set.ca.certPem }), read), /not both/)
  t.throws(() => loadTruststore(lookup({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.write('key-only.pem', certs.set.server.keyPem) }), read), /key-only.pem: no PEM certificate/)
  // a PKCS12 trust store with a key as well (server.p12): its certificates are taken
  t.equal(loadTruststore(lookup({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.files.serverP12, 'ssl.truststore.password': P12_PASSWORD }), read)?.ca.length, 2)
})

t.test('ssl.enabled.protocols as a version range', async t => {
  t.same(protocolRange('TLSv1.2,TLSv1.3'), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })
  t.same(protocolRange('TLSv1.3'), { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })
  t.same(protocolRange(' TLSv1.2 '), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
  t.throws(() => protocolRange(''), /ssl.enabled.protocols is empty/)
  t.throws(() => protocolRange('TLSv1.1'), /TLSv1.1 is not supported/)
})

t.test('ssl.cipher.suites: IANA TLS 1.2 names mapped, TLS 1.3 and OpenSSL names kept', async t => {
  t.equal(cipherList(''), undefined)
  t.equal(cipherList(null), undefined)
  t.equal(cipherList('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,ECDHE-RSA-CHACHA20-POLY1305'),
    'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384:ECDHE-RSA-CHACHA20-POLY1305')
  t.throws(() => cipherList('TLS_RSA_WITH_RC4_128_MD5'), /unknown or unsupported cipher suite TLS_RSA_WITH_RC4_128_MD5/)
})

t.test('a cipher list without TLS 1.3 suites turns TLS 1.3 off, as in Java', async t => {
  t.same(tlsParameters(null, null), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })
  t.same(tlsParameters(null, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })
  t.same(tlsParameters(null, 'TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256' })
  t.throws(() => tlsParameters('TLSv1.3', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), /names no TLS 1.3 suite but ssl.enabled.protocols allows only TLSv1.3/)
})
