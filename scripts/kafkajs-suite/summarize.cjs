#!/usr/bin/env node
// Summarise jest --json results of kafkajs's suite: passed/total per area, exclusions with reasons, and every
// failure with its triage (triage.cjs) and, when a reference run (Apache Kafka) is given, whether the same test
// fails there too.
//
//   node summarize.cjs --results DIR [--reference DIR] [--kafkajs KAFKAJS_DIR] [--markdown FILE] [--triage no]
//
// --triage no lists failures with their messages and no triage (for a reference run against Apache Kafka:
// triage.cjs describes Samsa's failures).
// DIR holds the *.json files written by run.sh (one per area). Exit status: 0 when no applicable test
// failed, 1 otherwise, 2 on bad usage.
'use strict'

const fs = require('fs')
const path = require('path')
const exclusions = require('./exclusions.cjs')
const triage = require('./triage.cjs')

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--') || i + 1 >= argv.length) usage(`bad argument ${a}`)
    out[a.slice(2)] = argv[++i]
  }
  if (!out.results) usage('--results DIR is required')
  return out
}

function usage (msg) {
  process.stderr.write(`summarize.cjs: ${msg}\nusage: node summarize.cjs --results DIR [--reference DIR] [--kafkajs DIR] [--markdown FILE] [--triage no]\n`)
  process.exit(2)
}

const args = parseArgs(process.argv.slice(2))
const kafkajsDir = args.kafkajs || process.env.KAFKAJS_DIR || null

function relative (file) {
  const m = /(?:^|\/)(src\/.*)$/.exec(file)
  return m ? m[1] : file
}

function areaOf (rel) {
  if (rel.startsWith('src/protocol/requests/')) return 'src/protocol/requests'
  const parts = rel.split('/')
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : 'src (index)'
}

// A spec file "talks to the broker" when it uses the helpers that open connections or create topics.
const BROKER_HELPERS = /\b(createCluster|createConnectionPool|createConnectionBuilder|createTopic|connectionOpts|new Kafka\()\b/
const brokerFacingCache = new Map()
function brokerFacing (rel) {
  if (!kafkajsDir) return null
  if (!brokerFacingCache.has(rel)) {
    let src = ''
    try { src = fs.readFileSync(path.join(kafkajsDir, rel), 'utf8') } catch {}
    brokerFacingCache.set(rel, BROKER_HELPERS.test(src))
  }
  return brokerFacingCache.get(rel)
}

function exclusionFor (rel, name) {
  return exclusions.find(r => rel.startsWith(r.file) && (r.test === undefined || r.test.test(name))) || null
}

function triageFor (rel, name) {
  if (args.triage === 'no') return null
  return triage.find(t => rel.startsWith(t.file) && (t.test === undefined || t.test.test(name))) || null
}

function load (dir) {
  const tests = []
  const suiteErrors = []
  const files = fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort()
  if (files.length === 0) usage(`no *.json results in ${dir}`)
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
    for (const s of r.testResults) {
      const rel = relative(s.name)
      if (s.assertionResults.length === 0 && s.status === 'failed') {
        suiteErrors.push({ rel, message: firstLines(s.message || s.failureMessage || '', 6) })
      }
      for (const a of s.assertionResults) {
        tests.push({
          rel,
          area: areaOf(rel),
          name: a.fullName || [...a.ancestorTitles, a.title].join(' '),
          status: a.status,
          duration: a.duration,
          message: a.status === 'failed' ? firstLines((a.failureMessages || []).join('\n'), 4) : ''
        })
      }
    }
  }
  return { tests, suiteErrors }
}

function firstLines (text, n) {
  return text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')
    .filter(l => l.trim() !== '' && !/^\s+at /.test(l))
    .slice(0, n).map(l => l.trim()).join(' | ').slice(0, 400)
}

const key = t => `${t.rel} :: ${t.name}`
const run = load(args.results)
const reference = args.reference ? load(args.reference) : null
const refStatus = reference ? new Map(reference.tests.map(t => [key(t), t.status])) : null

const areas = new Map()
const failures = []
const excludedByReason = new Map()
for (const t of run.tests) {
  if (!areas.has(t.area)) areas.set(t.area, { passed: 0, failed: 0, excluded: 0, skipped: 0, bPassed: 0, bTotal: 0 })
  const a = areas.get(t.area)
  if (t.status === 'passed' || t.status === 'failed') {
    const ex = exclusionFor(t.rel, t.name)
    if (ex && t.status === 'failed') {
      // an excluded test that ran anyway (e.g. exclusions changed without rerun): report as excluded
      a.excluded++
      excludedByReason.set(ex.reason, (excludedByReason.get(ex.reason) || 0) + 1)
      continue
    }
    a[t.status]++
    if (brokerFacing(t.rel)) {
      a.bTotal++
      if (t.status === 'passed') a.bPassed++
    }
    if (t.status === 'failed') failures.push(t)
  } else {
    const ex = exclusionFor(t.rel, t.name)
    if (ex) {
      a.excluded++
      excludedByReason.set(ex.reason, (excludedByReason.get(ex.reason) || 0) + 1)
    } else {
      a.skipped++ // skipped by kafkajs itself (version gates, test.skip)
    }
  }
}

const lines = []
const out = s => lines.push(s)
const order = [...areas.keys()].sort()
let tot = { passed: 0, failed: 0, excluded: 0, skipped: 0, bPassed: 0, bTotal: 0 }
out('| area | passed / applicable | failed | broker-facing files: passed / applicable | excluded (n/a) | skipped by kafkajs |')
out('|---|---|---|---|---|---|')
for (const name of order) {
  const a = areas.get(name)
  for (const k of Object.keys(tot)) tot[k] += a[k]
  out(`| ${name} | ${a.passed} / ${a.passed + a.failed} | ${a.failed} | ${kafkajsDir ? `${a.bPassed} / ${a.bTotal}` : '-'} | ${a.excluded} | ${a.skipped} |`)
}
out(`| **total** | **${tot.passed} / ${tot.passed + tot.failed}** | ${tot.failed} | ${kafkajsDir ? `${tot.bPassed} / ${tot.bTotal}` : '-'} | ${tot.excluded} | ${tot.skipped} |`)
out('')
out('"broker-facing": tests in spec files that open connections or create topics through kafkajs\'s testHelpers;')
out('the other tests are unit tests of the client (encoders, decoders, mocks) that never reach the broker.')
out('')
if (excludedByReason.size > 0) {
  out('Excluded as not applicable to one plaintext broker (exclusions.cjs):')
  for (const [reason, n] of excludedByReason) out(`- ${n} test(s): ${reason}`)
  out('')
}
if (run.suiteErrors.length > 0) {
  out('Spec files that failed to load or crashed outside a test:')
  for (const e of run.suiteErrors) out(`- ${e.rel}: ${e.message}`)
  out('')
}
if (failures.length > 0) {
  const groups = new Map()
  for (const f of failures) {
    const tr = triageFor(f.rel, f.name)
    const label = tr ? `${tr.kind}: ${tr.title}` : 'untriaged'
    if (!groups.has(label)) groups.set(label, { tr, tests: [] })
    groups.get(label).tests.push(f)
  }
  const rank = g => (g.tr ? (triage.KINDS.indexOf(g.tr.kind) + 1) : 0)
  const byKind = new Map()
  for (const g of groups.values()) {
    const k = g.tr ? g.tr.kind : 'untriaged'
    byKind.set(k, (byKind.get(k) || 0) + g.tests.length)
  }
  out(`Failures (${failures.length}) by kind: ${['untriaged', ...triage.KINDS].filter(k => byKind.has(k)).map(k => `${k} ${byKind.get(k)}`).join(', ')}`)
  out('')
  out(`Failures (${failures.length}), grouped by triage (triage.cjs):`)
  for (const [label, g] of [...groups].sort((x, y) => rank(x[1]) - rank(y[1]) || y[1].tests.length - x[1].tests.length)) {
    out('')
    out(`### ${label} (${g.tests.length})`)
    if (g.tr && g.tr.detail) out(g.tr.detail)
    for (const f of g.tests) {
      const ref = refStatus ? ` [reference: ${refStatus.get(key(f)) || 'not run'}]` : ''
      out(`- ${f.rel} :: ${f.name}${ref}`)
      if (!g.tr) out(`  - ${f.message}`)
    }
  }
  out('')
}
if (refStatus) {
  const refOnly = run.tests.filter(t => t.status === 'passed' && refStatus.get(key(t)) === 'failed' && !exclusionFor(t.rel, t.name))
  if (refOnly.length > 0) {
    out(`Tests that pass here but fail on the reference run (${refOnly.length}):`)
    for (const t of refOnly) out(`- ${t.rel} :: ${t.name}`)
    out('')
  }
}

const text = lines.join('\n') + '\n'
process.stdout.write(text)
if (args.markdown) fs.writeFileSync(args.markdown, text)
process.exit(tot.failed > 0 ? 1 : 0)
