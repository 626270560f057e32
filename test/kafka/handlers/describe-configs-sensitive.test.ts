// DescribeConfigs never sends a password-type broker config (keystore passwords, sasl.jaas.config): the value
// and its synonyms' values are null and isSensitive is true, as Kafka answers.
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { RawClient } from '../../helpers/raw-client.js'

t.test('password configs are described without their values', async t => {
  const secret = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
  const b = await withBroker(t, { config: { 'sasl.jaas.config': secret, 'ssl.client.auth': 'requested' } })
  const c = await RawClient.connect(b.port)
  t.teardown(() => c.close())
  const res = await c.request(32, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['sasl.jaas.config', 'ssl.client.auth'] }], includeSynonyms: true, includeDocumentation: false })
  const byName = new Map<string, any>(res.results[0].configs.map((e: any) => [e.name, e]))
  const jaas = byName.get('sasl.jaas.config')
  t.equal(jaas.value, null, 'no value')
  t.equal(jaas.isSensitive, true, 'marked sensitive')
  t.equal(jaas.isDefault, false, 'still reported as set')
  t.ok(jaas.synonyms.every((s: any) => s.value === null), 'no value in the synonyms either')
  t.notMatch(JSON.stringify(res), /alice-secret/, 'the secret appears nowhere in the answer')
  t.equal(byName.get('ssl.client.auth').value, 'requested', 'other configs keep their values')
  t.equal(byName.get('ssl.client.auth').isSensitive, false)
})
