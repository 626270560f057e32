// Kafka's ssl.principal.mapping.rules (SslPrincipalMapper): the cases of Kafka's own SslPrincipalMapperTest
// (valid and invalid rules, the mapping of five DNs through one rule list) plus Java's replaceAll semantics.
import t from 'tap'
import { NoMatchingRuleError, SslPrincipalMapper } from '../../../../src/core/security/tls/principal-mapper.js'

t.test('valid rules parse', async t => {
  for (const rules of [
    'DEFAULT',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
    'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
    'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
    'RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/',
    '  DEFAULT  ,  RULE:^CN=(.*)$/$1/  ',
    ''
  ]) {
    t.doesNotThrow(() => new SslPrincipalMapper(rules), rules)
  }
})

t.test('invalid rules are refused naming the rule', async t => {
  for (const rules of [
    'default',
    'DEFAUL',
    'DEFAULT/L',
    'DEFAULT/U',
    'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/U/L',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/LU',
    'RULE:^CN=(.*?)$/$1/x'
  ]) {
    t.throws(() => new SslPrincipalMapper(rules), /Invalid rule/, rules)
  }
})

t.test('a rule list maps DNs as Kafka does', async t => {
  const m = new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, ' +
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, ' +
    'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U, ' +
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, ' +
    'DEFAULT')
  t.equal(m.name('CN=Duke,OU=ServiceUsers,O=Org,C=US'), 'duke')
  t.equal(m.name('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US'), 'duke@sme')
  t.equal(m.name('cn=duke,ou=sme,dc=mycp,dc=com'), 'DUKE@SME')
  t.equal(m.name('cN=duke,OU=JavaSoft,O=Sun Microsystems'), 'DUKE')
  t.equal(m.name('OU=JavaSoft,O=Sun Microsystems,C=US'), 'OU=JavaSoft,O=Sun Microsystems,C=US')
})

t.test('DEFAULT (and no rules at all) is the DN itself', async t => {
  t.equal(new SslPrincipalMapper(null).name('CN=alice,O=Example'), 'CN=alice,O=Example')
  t.equal(new SslPrincipalMapper('DEFAULT').name('CN=a\\,b'), 'CN=a\\,b')
})

t.test('no applicable rule throws NoMatchingRuleError naming the DN', async t => {
  const m = new SslPrincipalMapper('RULE:^CN=bob$/bob/')
  t.throws(() => m.name('CN=alice'), NoMatchingRuleError)
  t.throws(() => m.name('CN=alice'), /no ssl.principal.mapping.rules rule applies to CN=alice/)
  t.throws(() => new SslPrincipalMapper('').name('CN=alice'), NoMatchingRuleError, 'an empty rule list maps nothing')
})

t.test('Java replaceAll semantics: escaped slashes, literal back references, \\x, ${name}, every match replaced', async t => {
  t.equal(new SslPrincipalMapper('RULE:^CN=(.*)\\/x$/$1/').name('CN=a/x'), 'a', 'an escaped / in the pattern')
  t.equal(new SslPrincipalMapper('RULE:^CN=(.*)$/u\\/$1/').name('CN=a'), 'u/a', 'an escaped / in the replacement')
  t.equal(new SslPrincipalMapper('RULE:^CN=(.*?)$/$1-$3/').name('CN=a'), 'a-$3', 'a reference to a missing group is literal')
  t.equal(new SslPrincipalMapper('RULE:^CN=(.*?)$/\\$1/').name('CN=a'), '$1', '\\$ is a literal $')
  t.equal(new SslPrincipalMapper('RULE:^CN=(?<who>[a-z]+)$/${who}!/').name('CN=abc'), 'abc!', 'named group')
  t.equal(new SslPrincipalMapper('RULE:^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)$/$11$12/').name('abcdefghijk'), 'ka2', '$12 with 11 groups is $1 then 2')
  t.equal(new SslPrincipalMapper('RULE:.*/x/').name('CN=a'), 'xx', '.* matches the DN and the empty end, as Java\'s replaceAll')
  t.equal(new SslPrincipalMapper('RULE:^CN=([^,]+),.*$/$1/L').name('CN=ALICE,O=X'), 'alice')
})

t.test('an invalid regular expression fails at parse', async t => {
  t.throws(() => new SslPrincipalMapper('RULE:^CN=(.*$/$1/'), /Invalid rule/)
})
