// `--help` on every command prints its usage with examples (exit 0); the top-level help lists every command;
// an unknown command is a usage error (exit 2).
import t from 'tap'
import { runCli } from './run-cli.js'

t.test('every command has --help with examples', async t => {
  const commands = [['topics'], ['produce'], ['consume'], ['groups'], ['dump-log'], ['certs'], ['topics', 'create'], ['groups', 'reset']]
  const results = await Promise.all(commands.map(c => runCli([...c, '--help'])))
  commands.forEach((c, i) => {
    const r = results[i]!
    t.equal(r.code, 0, `${c.join(' ')} --help exits 0`)
    t.match(r.stdout, new RegExp(`^Usage: samsa ${c[0]}`), `${c.join(' ')}: usage line`)
    t.match(r.stdout, /\nExamples:\n(  .*samsa .*\n)+/, `${c.join(' ')}: examples`)
  })
  const top = await runCli(['--help'])
  t.equal(top.code, 0)
  for (const c of ['start', 'topics', 'produce', 'consume', 'groups', 'dump-log', 'certs']) t.match(top.stdout, new RegExp(`\\n  ${c} `), `lists ${c}`)
  const h = await runCli(['consume', '-h'])
  t.match(h.stdout, /^Usage: samsa consume TOPIC/, '-h works too')
  const bad = await runCli(['tpoics', 'list'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^samsa: unknown command 'tpoics'/)
})
