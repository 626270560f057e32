// Test helper: certificates for TLS tests, made once per test file with the `samsa certs` module into a
// temporary directory (removed when the test ends): a CA, a server certificate for localhost/127.0.0.1/::1,
// client certificates (CN=<name>) as PEM and PKCS12, and tls.connect options for a client.
import fs from 'node:fs'
import path from 'node:path'
import type tls from 'node:tls'
import { tempDir } from './broker.js'
import { makeCertificates, makeClientCertificate, type CertificateSet, type KeyPair } from '../../src/cli/cert-factory.js'
import { writeCertificateFiles, type WrittenFiles } from '../../src/cli/certs.js'

export const P12_PASSWORD = 'test-pass'

export interface TestCerts {
  dir: string
  set: CertificateSet
  files: WrittenFiles
  /** Client key pairs by CN (the first client also as files.client / files.clientKey). */
  clients: Map<string, KeyPair>
  /** Options trusting the CA, optionally presenting a client's certificate. */
  clientOptions: (cn?: string) => tls.ConnectionOptions
  /** kafkajs `ssl` option. */
  kafkajsSsl: (cn?: string) => { ca: string[], cert?: string, key?: string }
  /** Writes another file into the directory; returns its path. */
  write: (name: string, data: string | Buffer) => string
}

interface Teardown { teardown: (fn: () => unknown) => void }

export function testCerts (t: Teardown, clients: string[] = ['alice']): TestCerts {
  const dir = tempDir('samsa-tls-')
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const set = makeCertificates({ clients })
  const files = writeCertificateFiles(dir, set, clients[0], P12_PASSWORD)
  const kafkajsSsl = (cn?: string): { ca: string[], cert?: string, key?: string } => {
    if (cn === undefined) return { ca: [set.ca.certPem] }
    const pair = set.clients.get(cn)
    if (pair === undefined) throw new Error(`no client certificate ${cn}`)
    return { ca: [set.ca.certPem], cert: pair.certPem, key: pair.keyPem }
  }
  return {
    dir,
    set,
    files,
    clients: set.clients,
    clientOptions: cn => ({ ...kafkajsSsl(cn), servername: 'localhost' }),
    kafkajsSsl,
    write: (name, data) => {
      const p = path.join(dir, name)
      fs.writeFileSync(p, data)
      return p
    }
  }
}

/** A client certificate from a CA the broker does not trust. */
export function untrustedClient (cn = 'mallory'): { cert: string, key: string } {
  const other = makeCertificates({ clients: [cn] })
  const pair = other.clients.get(cn) as KeyPair
  return { cert: pair.certPem, key: pair.keyPem }
}

export { makeClientCertificate }
