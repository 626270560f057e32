// The server's key and certificate chain from Kafka's keystore settings (read per listener):
//   ssl.keystore.type=PEM     ssl.keystore.location: one file with the private key and the certificate chain,
//                             or inline ssl.keystore.key + ssl.keystore.certificate.chain; ssl.key.password
//                             decrypts an encrypted key ("ENCRYPTED PRIVATE KEY" or an OpenSSL-encrypted one)
//   ssl.keystore.type=PKCS12  ssl.keystore.location with ssl.keystore.password (Node's pfx)
//   ssl.keystore.type=JKS     (Kafka's default) a real JKS/JCEKS file is refused with a keytool hint; a PKCS12
//                             file under this type is read as PKCS12 (Java's JKS keystore type reads PKCS12 files
//                             too) and a PEM file as PEM, so that the type may be left out
// Every failure is a TlsConfigError naming the key and the file. The returned files are watched for reloads.
import crypto from 'node:crypto'
import type { SecureContextOptions } from 'node:tls'
import { TlsConfigError } from './errors.js'
import { jksHint, isPrivateKeyLabel, pemBlocks, sniffStore } from './pem.js'

export type ConfigLookup = (key: string) => string | null
export type FileReader = (path: string) => Buffer

export interface KeyMaterial {
  options: Pick<SecureContextOptions, 'key' | 'cert' | 'pfx' | 'passphrase'>
  /** Where the material came from, for messages. */
  source: string
  files: string[]
}

export function loadKeystore (get: ConfigLookup, read: FileReader): KeyMaterial {
  const type = (get('ssl.keystore.type') ?? 'JKS').toUpperCase()
  const location = nonEmpty(get('ssl.keystore.location'))
  const inlineChain = nonEmpty(get('ssl.keystore.certificate.chain'))
  const inlineKey = nonEmpty(get('ssl.keystore.key'))
  if (location === null) {
    if (inlineChain === null && inlineKey === null) {
      throw new TlsConfigError('a TLS listener needs a keystore: set ssl.keystore.location (PEM or PKCS12 file) or ssl.keystore.certificate.chain and ssl.keystore.key')
    }
    if (inlineChain === null || inlineKey === null) {
      throw new TlsConfigError(`ssl.keystore.certificate.chain and ssl.keystore.key go together: ${inlineChain === null ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key'} is not set`)
    }
    return pemMaterial(inlineKey, inlineChain, get('ssl.key.password'), 'ssl.keystore.key/ssl.keystore.certificate.chain', [])
  }
  if (inlineChain !== null || inlineKey !== null) {
    throw new TlsConfigError('set either ssl.keystore.location or the inline ssl.keystore.certificate.chain and ssl.keystore.key, not both')
  }
  const bytes = readStoreFile(read, location, 'ssl.keystore.location')
  const found = sniffStore(bytes)
  if (found === 'JKS') throw new TlsConfigError(`ssl.keystore.location ${location} is a JKS key store. ${jksHint(location)} and set ssl.keystore.type=PKCS12`)
  if (type === 'PEM' || (type === 'JKS' && found === 'PEM')) {
    if (found !== 'PEM') throw new TlsConfigError(`ssl.keystore.location ${location} is not a PEM file (ssl.keystore.type=PEM); for a PKCS12 file set ssl.keystore.type=PKCS12`)
    const text = bytes.toString('utf8')
    return pemMaterial(text, text, get('ssl.key.password'), `ssl.keystore.location ${location}`, [location])
  }
  if (found === 'PEM') throw new TlsConfigError(`ssl.keystore.location ${location} is a PEM file but ssl.keystore.type=${type}: set ssl.keystore.type=PEM`)
  const passphrase = get('ssl.keystore.password') ?? undefined
  return { options: { pfx: bytes, passphrase }, source: `ssl.keystore.location ${location}`, files: [location] }
}

function pemMaterial (keyText: string, chainText: string, password: string | null, source: string, files: string[]): KeyMaterial {
  const keys = pemBlocks(keyText).filter(b => isPrivateKeyLabel(b.label))
  const certs = pemBlocks(chainText).filter(b => b.label === 'CERTIFICATE')
  if (keys.length !== 1) throw new TlsConfigError(`${source}: expected one PEM private key, found ${keys.length}`)
  if (certs.length === 0) throw new TlsConfigError(`${source}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`)
  const passphrase = password ?? undefined
  const encrypted = keys[0].label === 'ENCRYPTED PRIVATE KEY' || keys[0].text.includes('Proc-Type: 4,ENCRYPTED')
  if (encrypted && password === null) throw new TlsConfigError(`${source}: the private key is encrypted: set ssl.key.password`)
  try {
    crypto.createPrivateKey({ key: keys[0].text, format: 'pem', passphrase })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ERR_MISSING_PASSPHRASE') throw new TlsConfigError(`${source}: the private key is encrypted: set ssl.key.password`)
    if (password !== null && /bad decrypt|bad password/i.test(e.message)) throw new TlsConfigError(`${source}: ssl.key.password does not decrypt the private key`)
    throw new TlsConfigError(`${source}: the private key cannot be read: ${e.message}`)
  }
  return { options: { key: keys[0].text, cert: certs.map(c => c.text).join('\n'), passphrase }, source, files }
}

export function readStoreFile (read: FileReader, location: string, key: string): Buffer {
  try {
    return read(location)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new TlsConfigError(`${key} ${location} cannot be read: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`)
  }
}

function nonEmpty (v: string | null): string | null {
  return v === null || v.trim() === '' ? null : v
}
