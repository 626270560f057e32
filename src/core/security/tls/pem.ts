// PEM blocks ("-----BEGIN <label>-----" ... "-----END <label>-----") and key-store file sniffing. Text outside
// blocks (OpenSSL's "Bag Attributes" lines, comments) is ignored, as OpenSSL and Kafka's PEM keystore do.

export interface PemBlock {
  label: string
  /** The block itself, BEGIN and END lines included. */
  text: string
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g

export function pemBlocks (text: string): PemBlock[] {
  return [...text.matchAll(BLOCK)].map(m => ({ label: m[1], text: m[0] }))
}

export function isPrivateKeyLabel (label: string): boolean {
  return label.endsWith('PRIVATE KEY')
}

export type StoreFormat = 'PEM' | 'PKCS12' | 'JKS'

/** What a key-store file holds, by its first bytes: JKS/JCEKS magic, PEM text, else DER (PKCS12). */
export function sniffStore (bytes: Buffer): StoreFormat {
  if (bytes.length >= 4) {
    const magic = bytes.readUInt32BE(0)
    if (magic === 0xfeedfeed || magic === 0xcececece) return 'JKS'
  }
  if (bytes.subarray(0, 4096).toString('latin1').includes('-----BEGIN ')) return 'PEM'
  return 'PKCS12'
}

/** How to convert a JKS file Node cannot read. */
export function jksHint (file: string): string {
  return `Node cannot read Java key stores: convert it with keytool -importkeystore -srckeystore ${file} -destkeystore ${file.replace(/\.jks$/i, '')}.p12 -deststoretype PKCS12, or use PEM files`
}
