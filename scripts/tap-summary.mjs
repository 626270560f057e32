#!/usr/bin/env node
// Prints the plain line `N passed, N failed` for the last tap run, counting leaf assertions in the TAP that
// tap saved under .tap/test-results/ (a subtest's own ok/not ok line is not counted, unless it failed with no
// failing assertion inside, e.g. a timeout or a thrown error). CI reads this line; tap's own summary
// (`# { total, pass, fail }`) counts files only and is not recognised.
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(process.argv[2] ?? '.tap/test-results')

function files (dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p) : p.endsWith('.tap') ? [p] : []
  })
}

let passed = 0
let failed = 0
let skipped = 0
const failures = []
for (const file of files(root)) {
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  // Stack of open subtests: indentation and whether a failing leaf was seen inside.
  const stack = []
  // A file that crashed before or while running its tests: no results, or fewer top-level results than planned.
  let topLevelResults = 0
  let topLevelPlan = -1
  for (const line of lines) {
    if (/^1\.\.\d+/.test(line)) topLevelPlan = Number(line.slice(3).split(/\s/)[0])
    if (/^(not ok|ok)\b/.test(line)) topLevelResults++
  }
  if (topLevelPlan <= 0 || topLevelResults < topLevelPlan) {
    failed++
    failures.push(`${path.relative(root, file)}: crashed or ran no test (plan ${topLevelPlan}, ${topLevelResults} results)`)
  }
  for (const line of lines) {
    const indent = line.length - line.trimStart().length
    const text = line.trim()
    if (text.startsWith('# Subtest')) {
      stack.push({ indent, failedInside: false })
      continue
    }
    const m = /^(not ok|ok)\b\s*\d*\s*-?\s*(.*)$/.exec(text)
    if (m === null) continue
    const ok = m[1] === 'ok'
    const top = stack[stack.length - 1]
    if (top !== undefined && top.indent === indent) {
      stack.pop()
      if (!ok && !top.failedInside) {
        failed++
        failures.push(`${path.relative(root, file)}: ${m[2]}`)
      }
      if (!ok && stack.length > 0) stack[stack.length - 1].failedInside = true
      continue
    }
    if (/#\s*(SKIP|TODO)/i.test(m[2])) { skipped++; continue }
    if (ok) passed++
    else {
      failed++
      failures.push(`${path.relative(root, file)}: ${m[2]}`)
      for (const s of stack) s.failedInside = true
    }
  }
}
for (const f of failures.slice(0, 50)) console.log(`failed: ${f}`)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
