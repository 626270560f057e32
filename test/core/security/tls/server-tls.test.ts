// ServerTls: builds a SecureContext from a listener's settings, re-reads its files when their bytes change
// (injected reader and a short interval), keeps the old context and logs one ERROR naming the file when a
// rebuild fails, and reports explicit reloads.
import t from 'tap'
import { Writable } from 'node:stream'
import { ServerTls, HANDSHAKE_TIMEOUT_MS } from '../../../../src/core/security/tls/server-tls.js'
import { TlsConfigError } from '../../../../src/core/security/tls/errors.js'
import { createLogger } from '../../../../src/logger.js'
import { makeCertificates } from '../../../../src/cli/cert-factory.js'

const first = makeCertificates()
const second = makeCertificates({ ca: first.ca })

function setup (cfg: Record<string, string> = {}): { tls: ServerTls, files: Map<string, string>, lines: any[] } {
  const files = new Map([['/k/server.pem', first.server.keyPem + first.server.certPem]])
  const lines: any[] = []
  const logger = createLogger('info', new Writable({ write (c, _e, cb) { for (const l of c.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } }))
  const config: Record<string, string> = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/k/server.pem', ...cfg }
  const tls = new ServerTls({
    get: k => config[k] ?? null,
    listener: 'SSL',
    logger,
    read: p => {
      const v = files.get(p)
      if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' })
      return Buffer.from(v)
    }
  })
  t.teardown(() => tls.stop())
  return { tls, files, lines }
}

async function until (cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise(resolve => setTimeout(resolve, 5))
}

t.test('server options: client-auth policy, handshake timeout, protocol range', async t => {
  const { tls } = setup({ 'ssl.client.auth': 'requested', 'ssl.enabled.protocols': 'TLSv1.3' })
  const o = tls.serverOptions()
  t.equal(o.requestCert, true)
  t.equal(o.rejectUnauthorized, false)
  t.equal(o.handshakeTimeout, HANDSHAKE_TIMEOUT_MS)
  t.equal(o.minVersion, 'TLSv1.3')
  t.equal(setup({ 'ssl.client.auth': 'required' }).tls.serverOptions().rejectUnauthorized, true)
  t.equal(setup().tls.serverOptions().requestCert, false)
  t.throws(() => setup({ 'ssl.client.auth': 'maybe' }), TlsConfigError)
  t.throws(() => setup({ 'ssl.principal.mapping.rules': 'RULE:x' }), /ssl.principal.mapping.rules for listener SSL: Invalid rule/)
})

t.test('polling: changed bytes rebuild the context and notify; a broken file keeps the old one, logged once', async t => {
  const { tls, files, lines } = setup()
  const seen: string[] = []
  tls.onReload(o => seen.push(String(o.cert)))
  tls.watch(10)
  await new Promise(resolve => setTimeout(resolve, 40))
  t.same(seen, [], 'unchanged files: nothing happens')

  files.set('/k/server.pem', second.server.keyPem + second.server.certPem)
  await until(() => seen.length === 1)
  t.equal(seen.length, 1)
  t.match(seen[0], second.server.certPem.trim().slice(30, 90), 'the new certificate')

  const before = tls.context
  files.set('/k/server.pem', second.server.keyPem + first.server.certPem) // key and certificate do not match
  await until(() => lines.some(l => l.level === 50))
  await new Promise(resolve => setTimeout(resolve, 50))
  const errors = lines.filter(l => l.level === 50)
  t.equal(errors.length, 1, 'one ERROR for the same broken contents')
  t.match(errors[0].msg, /listener SSL: ssl.keystore.location \/k\/server.pem: the private key does not match the certificate/)
  t.equal(tls.context, before, 'the old context stays')
  t.equal(seen.length, 1)

  files.delete('/k/server.pem')
  await until(() => lines.filter(l => l.level === 50).length === 2)
  t.match(lines.filter(l => l.level === 50)[1].msg, /\/k\/server.pem cannot be read: no such file/)

  files.set('/k/server.pem', first.server.keyPem + first.server.certPem)
  await until(() => seen.length === 2)
  t.equal(seen.length, 2, 'a fixed file is picked up')
})

t.test('reload(): false when nothing changed, true when it did, throws (and logs) when broken', async t => {
  const { tls, files, lines } = setup()
  t.equal(tls.reload(), false)
  files.set('/k/server.pem', second.server.keyPem + second.server.certPem)
  t.equal(tls.reload(), true)
  files.set('/k/server.pem', 'garbage')
  t.throws(() => tls.reload(), /\/k\/server.pem is not a PEM file/)
  t.equal(lines.filter(l => l.level === 50).length, 1)
})

t.test('watch(0) never polls', async t => {
  const { tls, files } = setup()
  let n = 0
  tls.onReload(() => n++)
  tls.watch(0)
  files.set('/k/server.pem', second.server.keyPem + second.server.certPem)
  await new Promise(resolve => setTimeout(resolve, 30))
  t.equal(n, 0)
})
