// SCRAM-SHA-256/512 server (RFC 5802/7677 as Kafka's ScramSaslServer): the RFC 7677 test vector byte for
// byte, SHA-512 round trip, Kafka's nonce leniency, unknown user failing like a wrong password, bad messages.
import t from 'tap'
import { ScramServer } from '../../../../src/core/security/sasl/scram-server.js'
import { credentialFrom, saltedPassword, scramByName } from '../../../../src/core/security/sasl/scram-formulas.js'
import { ScramCredentialStore } from '../../../../src/core/security/sasl/scram-credentials.js'
import { ScramClient } from '../../../helpers/scram-client.js'

const SHA256 = scramByName('SCRAM-SHA-256')!
const SHA512 = scramByName('SCRAM-SHA-512')!

function storeWith (mech: typeof SHA256, user: string, password: string, salt: Buffer, iterations: number): { get: (u: string, m: string) => ReturnType<typeof credentialFrom> | undefined } {
  const cred = credentialFrom(mech, saltedPassword(mech, password, salt, iterations), salt, iterations)
  return { get: (u, m) => u === user && m === mech.name ? cred : undefined }
}

t.test('RFC 7677 SCRAM-SHA-256 test vector', async t => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
  const server = new ScramServer(SHA256, storeWith(SHA256, 'user', 'pencil', salt, 4096), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0')
  const first = server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))
  t.equal(first.kind, 'challenge')
  t.equal(first.token.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')
  const done = server.evaluate(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='))
  t.equal(done.kind, 'done')
  t.equal(done.token.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')
  if (done.kind === 'done') t.same(done.principal, { type: 'User', name: 'user' })
})

t.test('SCRAM-SHA-512 round trip with a client, and the server proves itself', async t => {
  const salt = Buffer.from('0123456789abcdef')
  const server = new ScramServer(SHA512, storeWith(SHA512, 'alice', 'alice-secret', salt, 8192))
  const client = new ScramClient(SHA512, 'alice', 'alice-secret')
  const sf = server.evaluate(client.first())
  const done = server.evaluate(client.final(sf.token))
  t.equal(done.kind, 'done')
  t.ok(client.verify(done.token), 'server-final verifies')
})

t.test('wrong password and unknown user fail the same way, at the proof', async t => {
  const salt = Buffer.from('salt-salt-salt')
  const store = storeWith(SHA256, 'alice', 'alice-secret', salt, 4096)
  const msg = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256'
  for (const [user, pw] of [['alice', 'wrong'], ['mallory', 'whatever']] as const) {
    const server = new ScramServer(SHA256, store)
    const client = new ScramClient(SHA256, user, pw)
    const sf = server.evaluate(client.first())
    t.equal(sf.kind, 'challenge', `${user}: a server-first message either way`)
    t.match(sf.token.toString(), /^r=.+,s=.+,i=\d+$/)
    t.throws(() => server.evaluate(client.final(sf.token)), { name: 'SaslAuthenticationError', message: msg }, `${user}: same failure`)
    t.equal(server.attemptedUser, user)
  }
  // an unknown user's made-up salt is stable (it cannot be told from a real one by asking twice)
  const a = new ScramServer(SHA256, store).evaluate(new ScramClient(SHA256, 'mallory', 'x', 'n1').first()).token.toString().split(',')[1]
  const b = new ScramServer(SHA256, store).evaluate(new ScramClient(SHA256, 'mallory', 'x', 'n2').first()).token.toString().split(',')[1]
  t.equal(a, b)
})

t.test('Kafka\'s nonce rule: the client-final nonce must end with the server-first nonce', async t => {
  const salt = Buffer.from('salt-salt-salt')
  const store = storeWith(SHA256, 'alice', 'alice-secret', salt, 4096)
  let server = new ScramServer(SHA256, store)
  let client = new ScramClient(SHA256, 'alice', 'alice-secret')
  let sf = server.evaluate(client.first()).token.toString()
  const nonce = /r=([^,]+)/.exec(sf)![1]!
  const lenient = server.evaluate(client.final(sf, 'X' + nonce))
  t.equal(lenient.kind, 'done', 'a prefix before the nonce is accepted (old librdkafka)')
  server = new ScramServer(SHA256, store)
  client = new ScramClient(SHA256, 'alice', 'alice-secret')
  sf = server.evaluate(client.first()).token.toString()
  t.throws(() => server.evaluate(client.final(sf, 'other-nonce')), { message: /Invalid client nonce/ })
})

t.test('bad client messages', async t => {
  const store = { get: () => undefined }
  const bad = (msg: string, re: RegExp): void => {
    t.throws(() => new ScramServer(SHA256, store).evaluate(Buffer.from(msg)), { name: 'SaslAuthenticationError', message: re }, JSON.stringify(msg))
  }
  bad('garbage', /invalid SCRAM client-first message/)
  bad('p=tls-unique,,n=a,r=x', /channel binding is not supported/)
  bad('n,,n=,r=abc', /invalid SCRAM user name/)
  bad('n,,n=a=b,r=abc', /invalid SCRAM user name/)
  bad('n,a=bob,n=alice,r=abc', /authorization id that is different from username/)
  bad('n,,n=alice,r=abc,tokenauth=true', /delegation tokens are not supported/)
  t.equal(new ScramServer(SHA256, store).evaluate(Buffer.from('n,,n=a=3Db=2Cc,r=abc')).kind, 'challenge', 'escaped names decode')
  const s = new ScramServer(SHA256, store)
  s.evaluate(Buffer.from('n,,n=alice,r=abc'))
  t.throws(() => s.evaluate(Buffer.from('nonsense')), { message: /invalid SCRAM client-final message/ })
  t.throws(() => s.evaluate(Buffer.from('x')), { message: /already finished/ })
})

t.test('the credential store: Kafka\'s AlterUserScramCredentials rules', async t => {
  const store = ScramCredentialStore.inMemory()
  const up = (name: string, mechanism = 1, iterations = 4096, salt = Buffer.from('s'), saltedPassword = Buffer.from('p')): any => ({ name, mechanism, iterations, salt, saltedPassword })
  t.same(await store.alter([], [up('alice'), up('bob', 2, 16384)]), [{ user: 'alice', errorCode: 0, errorMessage: null }, { user: 'bob', errorCode: 0, errorMessage: null }])
  t.ok(store.get('alice', 'SCRAM-SHA-256'))
  t.notOk(store.get('alice', 'SCRAM-SHA-512'))
  const codes = async (d: any[], u: any[]): Promise<number[]> => (await store.alter(d, u)).map(r => r.errorCode)
  t.same(await codes([], [up('carol', 1, 4095)]), [93], 'too few iterations')
  t.same(await codes([], [up('carol', 1, 16385)]), [93], 'too many iterations')
  t.same(await codes([], [up('carol', 1, 4096, Buffer.alloc(0))]), [93], 'empty salt')
  t.same(await codes([], [up('')]), [93], 'empty user')
  t.same(await codes([], [up('carol', 7)]), [33], 'unknown mechanism')
  t.same(await codes([{ name: 'carol', mechanism: 1 }], [up('carol')]), [92], 'a user and mechanism twice')
  t.same(await codes([], [up('carol', 1, 4096), up('carol', 2, 4095)]), [93], 'one bad entry refuses the user\'s other entries')
  t.notOk(store.get('carol', 'SCRAM-SHA-256'))
  t.same(await codes([], [up('carol', 1), up('carol', 2)]), [0], 'two mechanisms of one user in one request (as kafka-configs.sh sends them)')
  t.same(await codes([{ name: 'carol', mechanism: 1 }, { name: 'carol', mechanism: 2 }], []), [0])
  t.same(await codes([{ name: 'alice', mechanism: 2 }], []), [91], 'deleting a missing credential')
  t.notOk(store.get('carol', 'SCRAM-SHA-256'), 'nothing of a refused request applied')
  t.same(await codes([{ name: 'alice', mechanism: 1 }], []), [0])
  const d = store.describe(null)
  t.same(d.results, [{ user: 'bob', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 16384 }] }])
  t.same(store.describe(['alice', 'bob', 'bob']).results.map(r => [r.user, r.errorCode]), [['alice', 91], ['bob', 92]])
})
