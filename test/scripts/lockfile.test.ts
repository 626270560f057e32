// package-lock.json agrees with package.json, so `npm ci` works on a fresh clone (issue 11, finding 7: the lock
// once lacked msgpackr-extract's optional platform packages and `npm ci` refused it). `npm ci --dry-run` checks
// exactly that agreement without installing anything; it runs on copies of the two files in a temp dir. The
// second test proves the check can fail: the same lock without those optional packages is refused.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

function npmCiDryRun (t: { teardown: (fn: () => void) => void }, lock: unknown): { status: number | null, output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-lock-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'))
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
  const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }

t.test('npm ci accepts package-lock.json as committed', async t => {
  const r = npmCiDryRun(t, lock)
  t.equal(r.status, 0, r.output.split('\n').filter(l => l.includes('npm error')).slice(0, 5).join('\n'))
})

t.test('a lock missing packages that package.json needs is refused (the check can fail)', async t => {
  const broken = structuredClone(lock)
  const removed = Object.keys(broken.packages).filter(k => k.includes('@msgpackr-extract/'))
  for (const k of removed) Reflect.deleteProperty(broken.packages, k)
  t.ok(removed.length > 0, `removed ${removed.length} optional platform packages of msgpackr-extract`)
  const r = npmCiDryRun(t, broken)
  t.not(r.status, 0)
  t.match(r.output, /in sync|npm ci/)
})
