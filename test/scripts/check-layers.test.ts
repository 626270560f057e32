// scripts/check-layers.ts: src/ passes; a tree with an upward import, a front door importing another, an
// import cycle (type-only and dynamic imports included) or a file outside every layer fails, naming each.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkLayers } from '../../scripts/check-layers.js'

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src')

function tree (t: { teardown: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-layers-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  return dir
}

t.test('src/ has no upward import, no front door importing another and no cycle', async t => {
  const r = checkLayers(SRC)
  t.same(r.problems, [])
  t.ok(r.files > 100 && r.imports > 500, `read ${r.files} files, ${r.imports} imports`)
})

t.test('a lower layer importing a higher one is named with its line', async t => {
  const dir = tree(t, {
    'core/topics.ts': "export const x = 1\n",
    'storage/log.ts': "import { x } from '../protocol/errors.js'\nimport type { y } from '../core/topics.js'\n",
    'protocol/errors.ts': 'export const y = 2\n'
  })
  const r = checkLayers(dir)
  t.same(r.problems, ['storage/log.ts:2 imports core/topics.ts: storage must not import from core (a higher layer)'])
})

t.test('a front door importing another front door is refused; its own folder is fine', async t => {
  const dir = tree(t, {
    'kafka/handler.ts': "import { a } from '../amqp/channel.js'\nimport { b } from './router.js'\n",
    'kafka/router.ts': 'export const b = 1\n',
    'amqp/channel.ts': "import { c } from '../core/core.js'\nexport const a = 1\n",
    'core/core.ts': 'export const c = 1\n'
  })
  t.same(checkLayers(dir).problems, ['kafka/handler.ts:1 imports amqp/channel.ts: front door kafka/ must not import another front door (amqp/)'])
})

t.test('an import cycle through type-only and dynamic imports is reported once with its files', async t => {
  const dir = tree(t, {
    'core/a.ts': "import type { B } from './b.js'\nexport type A = 1\n",
    'core/b.ts': "export type B = 2\nexport const load = async () => await import('./c.js')\n",
    'core/c.ts': "import {\n  type A\n} from './a.js'\n",
    'core/d.ts': "import type { A } from './a.js'\n"
  })
  t.same(checkLayers(dir).problems, ['import cycle of 3 file(s): core/a.ts -> core/b.ts -> core/c.ts'])
})

t.test('a file outside every layer is named', async t => {
  const dir = tree(t, { 'misc/util.ts': 'export const u = 1\n' })
  t.match(checkLayers(dir).problems, [/^misc\/util\.ts: not in any layer/])
})
