// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per file, busy time only
// ((idle) and (program) are reported apart), so "where does the broker's time go" has a short answer.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT } from './broker.js'

function shortUrl (url) {
  if (url === '') return ''
  let p = url
  try { if (url.startsWith('file://')) p = fileURLToPath(url) } catch {}
  if (p.startsWith('node:')) return p
  const rel = relative(ROOT, p)
  if (!rel.startsWith('..')) return rel
  // brokers run from a copy of dist/ (see snapshotDist): name files from dist/ or node_modules/ on
  const m = /\/((?:dist|node_modules)\/.*)$/.exec(p)
  return m === null ? p : m[1]
}

/** { totalMs, idleMs, gcMs, programMs, functions: [{ name, where, selfMs, pct }], files: [{ file, selfMs, pct }] } */
export function summarizeProfile (path, top = 20) {
  const prof = JSON.parse(readFileSync(path, 'utf8'))
  const byId = new Map()
  for (const n of prof.nodes) byId.set(n.id, n)
  const self = new Map()
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000
    const id = prof.samples[i]
    self.set(id, (self.get(id) ?? 0) + dt)
  }
  let totalMs = 0
  let idleMs = 0
  let gcMs = 0
  let programMs = 0
  const fns = new Map()
  const files = new Map()
  for (const [id, ms] of self) {
    const cf = byId.get(id).callFrame
    totalMs += ms
    if (cf.functionName === '(idle)') { idleMs += ms; continue }
    if (cf.functionName === '(garbage collector)') gcMs += ms
    if (cf.functionName === '(program)') programMs += ms
    const where = cf.url === '' ? '' : `${shortUrl(cf.url)}:${cf.lineNumber + 1}`
    const key = `${cf.functionName || '(anonymous)'} ${where}`
    const f = fns.get(key) ?? { name: cf.functionName || '(anonymous)', where, selfMs: 0 }
    f.selfMs += ms
    fns.set(key, f)
    const file = cf.url === '' ? cf.functionName : shortUrl(cf.url)
    files.set(file, (files.get(file) ?? 0) + ms)
  }
  const busy = totalMs - idleMs
  const pct = ms => busy > 0 ? (100 * ms) / busy : 0
  return {
    totalMs,
    busyMs: busy,
    idleMs,
    gcMs,
    programMs,
    functions: [...fns.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map(f => ({ ...f, pct: pct(f.selfMs) })),
    files: [...files.entries()].map(([file, selfMs]) => ({ file, selfMs, pct: pct(selfMs) })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
  }
}

export function profileMarkdown (title, s) {
  const lines = [`#### ${title}`, '',
    `main thread busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s profiled; GC ${(100 * s.gcMs / Math.max(1, s.busyMs)).toFixed(1)}% of busy, (program) ${(100 * s.programMs / Math.max(1, s.busyMs)).toFixed(1)}%`, '',
    '| self % | self ms | function | where |', '|---:|---:|---|---|']
  for (const f of s.functions) lines.push(`| ${f.pct.toFixed(1)} | ${f.selfMs.toFixed(0)} | \`${f.name}\` | ${f.where} |`)
  lines.push('', '| self % | file |', '|---:|---|')
  for (const f of s.files.slice(0, 12)) lines.push(`| ${f.pct.toFixed(1)} | ${f.file} |`)
  return lines.join('\n')
}
