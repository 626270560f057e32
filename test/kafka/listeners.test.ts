// Several listeners at once (Kafka's listeners / listener.security.protocol.map / advertised.listeners): each
// is bound, and Metadata and FindCoordinator answer every client with the address of the listener it
// connected to. Config errors name the listener setting.
import t from 'tap'
import { withBroker } from '../helpers/broker.js'
import { RawClient } from '../helpers/raw-client.js'
import { metadataBody } from '../helpers/wire.js'
import { loadBrokerConfig } from '../../src/config.js'

t.test('two listeners: each answers with its own advertised address', async t => {
  const b = await withBroker(t, {
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      'advertised.listeners': 'INTERNAL://internal.example:29093'
    }
  })
  const ls = b.current.listeners
  t.same(ls.map(l => [l.name, l.securityProtocol]), [['PLAINTEXT', 'PLAINTEXT'], ['INTERNAL', 'PLAINTEXT']])
  t.not(ls[0].port, ls[1].port, 'two ports bound')
  const outside = await RawClient.connect(ls[0].port)
  const inside = await RawClient.connect(ls[1].port)
  t.teardown(() => { outside.close(); inside.close() })
  let md = await outside.request(3, 9, metadataBody([]))
  t.same(md.brokers.map((x: any) => [x.host, x.port]), [['127.0.0.1', ls[0].port]], 'PLAINTEXT: its bound address')
  md = await inside.request(3, 9, metadataBody([]))
  t.same(md.brokers.map((x: any) => [x.host, x.port]), [['internal.example', 29093]], 'INTERNAL: its advertised address')
  const fc = await inside.request(10, 4, { keyType: 0, coordinatorKeys: ['g'] })
  t.same(fc.coordinators.map((c: any) => [c.host, c.port]), [['internal.example', 29093]], 'FindCoordinator: the same')
  t.same(b.current.listeners.map(l => l.address), [`127.0.0.1:${ls[0].port}`, 'internal.example:29093'])
})

t.test('listener settings: parsing and clear errors', async t => {
  const c = loadBrokerConfig({
    overrides: [
      ['listeners', 'PLAINTEXT://:9092,SASL_SSL://0.0.0.0:9093,CONTROLLER://:9094'],
      ['controller.listener.names', 'CONTROLLER'],
      ['listener.name.sasl_ssl.ssl.client.auth', 'required'],
      ['ssl.client.auth', 'none']
    ]
  })
  t.same(c.listeners.map(l => [l.name, l.securityProtocol, l.host, l.port]), [['PLAINTEXT', 'PLAINTEXT', '127.0.0.1', 9092], ['SASL_SSL', 'SASL_SSL', '0.0.0.0', 9093]])
  t.same(c.ignoredListeners, ['CONTROLLER://:9094'], 'the controller listener is not bound')
  t.equal(c.forListener('SASL_SSL', 'ssl.client.auth'), 'required', 'per-listener override')
  t.equal(c.forListener('PLAINTEXT', 'ssl.client.auth'), 'none', 'else the broker-wide value')
  const withPort = loadBrokerConfig({ overrides: [['listeners', 'PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093'], ['port', '0']] })
  t.same(withPort.listeners.map(l => l.port), [0, 9093], '--port overrides the first listener')
  t.throws(() => loadBrokerConfig({ overrides: [['listeners', 'INTERNAL://:9092']] }), { name: 'ConfigError', message: /listener INTERNAL has no security protocol: add INTERNAL:PLAINTEXT/ })
  t.throws(() => loadBrokerConfig({ overrides: [['listeners', 'PLAINTEXT://:9092,PLAINTEXT://:9093']] }), { message: /PLAINTEXT is used twice/ })
  t.throws(() => loadBrokerConfig({ overrides: [['listener.security.protocol.map', 'X:TLS']] }), { message: /unknown security protocol 'TLS' for X/ })
  t.throws(() => loadBrokerConfig({ overrides: [['advertised.listeners', 'OTHER://h:1']] }), { message: /OTHER is not one of the listeners \(PLAINTEXT\)/ })
  t.throws(() => loadBrokerConfig({ overrides: [['listener.name.plaintext.no.such.key', '1']] }), { message: /unknown config 'listener\.name\.plaintext\.no\.such\.key'/ })
  t.throws(() => loadBrokerConfig({ overrides: [['listener.name.ssl.ssl.client.auth', 'maybe']] }), { message: /ssl\.client\.auth/ }, 'a per-listener value is validated as its key')
})
