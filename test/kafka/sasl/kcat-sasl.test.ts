// librdkafka (kcat; Debian's kcat 1.7.1 embeds librdkafka 2.0.2, the one relying on Kafka's SCRAM nonce
// leniency) over SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 produce and consume; a wrong password
// is reported with the broker's message.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'
import { saltedPassword, scramByName } from '../../../src/core/security/sasl/scram-formulas.js'

const hasKcat = spawnSync('kcat', ['-V']).status === 0

function kcat (args: string[], input?: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    const p = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', d => { stdout += String(d) })
    p.stderr.on('data', d => { stderr += String(d) })
    const timer = setTimeout(() => p.kill('SIGKILL'), 20000)
    p.on('close', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
    p.stdin.end(input ?? '')
  })
}

t.test('kcat with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512', { skip: hasKcat ? false : 'kcat is not installed (apt-get install kcat)' }, async t => {
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.plain.users': 'alice:alice-secret',
      'connection.failed.authentication.delay.ms': '0'
    }
  })
  const [plainL, saslL] = b.current.listeners
  const admin = await RawClient.connect(plainL!.port)
  for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const m = scramByName(mech)!
    const salt = Buffer.from('kcat-salt')
    await admin.request(51, 0, { deletions: [], upsertions: [{ name: 'carol', mechanism: m.type, iterations: 4096, salt, saltedPassword: saltedPassword(m, 'carol-secret', salt, 4096) }] })
  }
  admin.close()
  const common = (mech: string, user: string, pw: string): string[] => ['-b', `127.0.0.1:${saslL!.port}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mech}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${pw}`]
  for (const [mech, user, pw] of [['PLAIN', 'alice', 'alice-secret'], ['SCRAM-SHA-256', 'carol', 'carol-secret'], ['SCRAM-SHA-512', 'carol', 'carol-secret']] as const) {
    const r = await kcat([...common(mech, user, pw), '-t', 'kcat-sasl', '-P'], `via-${mech}\n`)
    t.equal(r.code, 0, `${mech}: produced ${r.stderr}`)
  }
  const c = await kcat([...common('SCRAM-SHA-512', 'carol', 'carol-secret'), '-t', 'kcat-sasl', '-C', '-e', '-o', 'beginning', '-q'])
  t.same(c.stdout.trim().split('\n'), ['via-PLAIN', 'via-SCRAM-SHA-256', 'via-SCRAM-SHA-512'])
  const bad = await kcat([...common('SCRAM-SHA-512', 'carol', 'wrong'), '-L', '-m', '3'])
  t.not(bad.code, 0)
  t.match(bad.stderr, /invalid credentials with SASL mechanism SCRAM-SHA-512/)
})
