// `samsa certs`: makes what is needed to try TLS and mTLS locally in a minute: a CA, a server certificate
// (localhost, 127.0.0.1, ::1 and any --host) and a client certificate (--client CN), as PEM files and PKCS12
// files, then prints the server.properties lines and a kafkajs snippet. An existing CA in --dir (ca.pem with
// ca-key.pem) is reused, so running it again with another --client or --host adds certificates the same
// clients already trust. Files (mode 0600 for keys and key stores):
//   ca.pem ca-key.pem          the CA (clients trust ca.pem; keep ca-key.pem private)
//   server.pem                 server key + certificate chain (ssl.keystore.type=PEM)
//   server.p12                 the same as PKCS12 (ssl.keystore.type=PKCS12, --password)
//   client.pem client-key.pem  the client certificate and key (mTLS; principal User:CN=<client>)
//   client.p12                 the same as PKCS12
//   truststore.p12             ca.pem as a PKCS12 trust store (ssl.truststore.type=PKCS12)
import fs from 'node:fs'
import path from 'node:path'
import { Options } from './options.js'
import { UsageError } from './args.js'
import { makeCertificates, pkcs12KeyStore, pkcs12TrustStore, type CertificateSet, type KeyPair } from './cert-factory.js'

export const CERTS_HELP = `Usage: samsa certs [options]

Makes a local CA, a server certificate and a client certificate for trying TLS and mTLS, as PEM and PKCS12
files, and prints the broker settings and a kafkajs snippet. Not for production: keys are unencrypted PEM.

Options:
  --dir DIR          where to write (default ./certs); a CA already there is reused
  --host NAME        extra DNS name or IP address for the server certificate (repeatable, or comma-separated);
                     localhost, 127.0.0.1 and ::1 are always included
  --client CN        common name of the client certificate (default client)
  --password PW      password of the PKCS12 files (default changeit)
  --days N           validity in days (default 825)
  --force            replace the server and client files if they exist

Examples:
  samsa certs
  samsa certs --dir /etc/samsa/certs --host broker1.example.com --client alice
`

export interface WrittenFiles {
  dir: string
  ca: string
  caKey: string
  server: string
  serverP12: string
  client: string
  clientKey: string
  clientP12: string
  truststore: string
}

/** Writes a certificate set into `dir` (created if missing). */
export function writeCertificateFiles (dir: string, set: CertificateSet, clientCn: string, password: string): WrittenFiles {
  fs.mkdirSync(dir, { recursive: true })
  const p = (name: string): string => path.join(dir, name)
  const files: WrittenFiles = {
    dir,
    ca: p('ca.pem'),
    caKey: p('ca-key.pem'),
    server: p('server.pem'),
    serverP12: p('server.p12'),
    client: p('client.pem'),
    clientKey: p('client-key.pem'),
    clientP12: p('client.p12'),
    truststore: p('truststore.p12')
  }
  const client = set.clients.get(clientCn) as KeyPair
  const secret = { mode: 0o600 }
  fs.writeFileSync(files.ca, set.ca.certPem)
  fs.writeFileSync(files.caKey, set.ca.keyPem, secret)
  fs.writeFileSync(files.server, set.server.keyPem + set.server.certPem + set.ca.certPem, secret)
  fs.writeFileSync(files.serverP12, pkcs12KeyStore(set.server, [set.ca.certPem], password, 'server'), secret)
  fs.writeFileSync(files.client, client.certPem)
  fs.writeFileSync(files.clientKey, client.keyPem, secret)
  fs.writeFileSync(files.clientP12, pkcs12KeyStore(client, [set.ca.certPem], password, clientCn), secret)
  fs.writeFileSync(files.truststore, pkcs12TrustStore([set.ca.certPem], password))
  return files
}

export async function certsCommand (argv: string[]): Promise<number> {
  const o = new Options('certs', argv, { values: ['dir', 'host', 'client', 'password', 'days'], booleans: ['force'] })
  if (o.has('help')) {
    process.stdout.write(CERTS_HELP)
    return 0
  }
  o.expectPositionals([])
  const dir = path.resolve(o.string('dir') ?? 'certs')
  const hosts = o.all('host').flatMap(h => h.split(',')).map(h => h.trim()).filter(h => h !== '')
  const clientCn = o.string('client') ?? 'client'
  if (clientCn === '' || /[,+=<>#;"\\]/.test(clientCn)) throw new UsageError(`--client '${clientCn}': a plain common name, without , + = < > # ; " \\`)
  const password = o.string('password') ?? 'changeit'
  const days = o.int('days', 1, 3650) ?? 825
  const existing = path.join(dir, 'server.pem')
  if (fs.existsSync(existing) && !o.has('force')) throw new UsageError(`${existing} exists: pass --force to replace the server and client files (the CA is kept)`)
  let ca: KeyPair | undefined
  if (fs.existsSync(path.join(dir, 'ca.pem')) && fs.existsSync(path.join(dir, 'ca-key.pem'))) {
    ca = { certPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'ca-key.pem'), 'utf8') }
  }
  const set = makeCertificates({ hosts, clients: [clientCn], days, ca })
  const f = writeCertificateFiles(dir, set, clientCn, password)
  const rel = (file: string): string => path.relative(process.cwd(), file) || file
  process.stdout.write(`${ca === undefined ? 'Made a new CA' : 'Reused the CA'} and wrote to ${dir}:
  ${rel(f.ca)} (trust this)  ${rel(f.caKey)}  ${rel(f.server)}  ${rel(f.serverP12)}
  ${rel(f.client)}  ${rel(f.clientKey)}  ${rel(f.clientP12)}  ${rel(f.truststore)}
PKCS12 password: ${password}

Broker (server.properties, or each line as --key value to samsa start):
  listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093
  ssl.keystore.type=PEM
  ssl.keystore.location=${f.server}
  # mTLS: clients must present a certificate signed by the CA; their principal is User:CN=${clientCn}
  ssl.client.auth=required
  ssl.truststore.type=PEM
  ssl.truststore.location=${f.ca}

  samsa start --listeners PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093 --ssl.keystore.type PEM \\
    --ssl.keystore.location ${f.server} --ssl.client.auth required --ssl.truststore.type PEM --ssl.truststore.location ${f.ca}

kafkajs:
  const { Kafka } = require('kafkajs')
  const fs = require('node:fs')
  const kafka = new Kafka({
    brokers: ['localhost:9093'],
    ssl: {
      ca: [fs.readFileSync('${f.ca}', 'utf8')],
      cert: fs.readFileSync('${f.client}', 'utf8'),   // mTLS only
      key: fs.readFileSync('${f.clientKey}', 'utf8')  // mTLS only
    }
  })

Java / Kafka CLI tools (--command-config client.properties):
  security.protocol=SSL
  ssl.truststore.type=PEM
  ssl.truststore.location=${f.ca}
  ssl.keystore.type=PKCS12
  ssl.keystore.location=${f.clientP12}
  ssl.keystore.password=${password}
`)
  return 0
}
