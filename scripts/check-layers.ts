// Checks the layering of src/ (see README "Code layout"): every import, type-only and dynamic ones included,
// goes to the same layer or a lower one; front doors never import each other; and no files import each other
// in a circle. Exits 1 naming each offending import (file:line -> target) and each cycle, else prints one
// summary line and exits 0.
//
//   npx tsx scripts/check-layers.ts [SRC_DIR]       (npm run check:layers; default: src/ beside scripts/)
//
// Layers, top to bottom (a file belongs to the first rule whose prefix matches its path under src/):
//   entry       index.ts, cli/                       the public API and the `samsa` command
//   broker      broker.ts                            composition root: the core behind its front doors
//   front door  kafka/, amqp/, http/, client/        one folder each; none imports another (client/ is
//                                                    Samsa's own Kafka client, used by the CLI)
//   core        core/                                protocol-neutral services
//   storage     storage/                             partitions, segments, indexes, cleaner, workers
//   base        protocol/, config/, config.ts, logger.ts   codecs, config, logging
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

interface Layer { name: string, rank: number, prefixes: string[], peers?: boolean }

const LAYERS: Layer[] = [
  { name: 'entry', rank: 5, prefixes: ['index.ts', 'cli/'] },
  { name: 'broker', rank: 4, prefixes: ['broker.ts'] },
  { name: 'front door', rank: 3, prefixes: ['kafka/', 'amqp/', 'http/', 'client/'], peers: true },
  { name: 'core', rank: 2, prefixes: ['core/'] },
  { name: 'storage', rank: 1, prefixes: ['storage/'] },
  { name: 'base', rank: 0, prefixes: ['protocol/', 'config/', 'config.ts', 'logger.ts'] }
]

function layerOf (rel: string): { layer: Layer, group: string } | null {
  for (const l of LAYERS) {
    for (const p of l.prefixes) {
      if (rel === p || (p.endsWith('/') && rel.startsWith(p))) return { layer: l, group: p }
    }
  }
  return null
}

function walk (dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p))
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

// import x from '...', import type {...} from '...', export ... from '...', import '...', import('...')
const IMPORT_RE = /(?:^|[^.\w$])(?:import|export)\s*(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?\(?\s*['"]([^'"]+)['"]/g

/** Every relative import of a file: [line, resolved path under srcDir]. */
function importsOf (file: string, srcDir: string): Array<{ line: number, rel: string }> {
  const text = fs.readFileSync(file, 'utf8')
  const out: Array<{ line: number, rel: string }> = []
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1]!
    if (!spec.startsWith('.')) continue
    let target = path.resolve(path.dirname(file), spec)
    if (target.endsWith('.js') && !fs.existsSync(target)) target = target.slice(0, -3) + '.ts'
    else if (!path.extname(target)) target += '.ts'
    const line = text.slice(0, (m.index ?? 0) + m[0].search(/import|export/)).split('\n').length
    out.push({ line, rel: path.relative(srcDir, target).split(path.sep).join('/') })
  }
  return out
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles (graph: Map<string, Set<string>>): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const on = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++
    stack.push(v); on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!))
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || (graph.get(v) ?? new Set()).has(v)) out.push(scc.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return out
}

export function checkLayers (srcDir: string): { problems: string[], files: number, imports: number } {
  const problems: string[] = []
  const graph = new Map<string, Set<string>>()
  const files = walk(srcDir)
  let imports = 0
  for (const file of files) {
    const rel = path.relative(srcDir, file).split(path.sep).join('/')
    const from = layerOf(rel)
    if (from === null) {
      problems.push(`${rel}: not in any layer (add its folder to LAYERS in scripts/check-layers.ts)`)
      continue
    }
    const edges = new Set<string>()
    graph.set(rel, edges)
    for (const imp of importsOf(file, srcDir)) {
      if (imp.rel.startsWith('..')) continue // outside src/ (e.g. package.json)
      imports++
      edges.add(imp.rel)
      const to = layerOf(imp.rel)
      if (to === null) continue
      if (to.layer.rank > from.layer.rank) {
        problems.push(`${rel}:${imp.line} imports ${imp.rel}: ${from.layer.name} must not import from ${to.layer.name} (a higher layer)`)
      } else if (to.layer === from.layer && from.layer.peers === true && to.group !== from.group) {
        problems.push(`${rel}:${imp.line} imports ${imp.rel}: front door ${from.group} must not import another front door (${to.group})`)
      }
    }
  }
  for (const c of cycles(graph)) problems.push(`import cycle of ${c.length} file(s): ${c.join(' -> ')}`)
  return { problems, files: files.length, imports }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const srcDir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src'))
  const { problems, files, imports } = checkLayers(srcDir)
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(p + '\n')
    process.stderr.write(`check-layers: ${problems.length} problem(s) in ${srcDir}\n`)
    process.exit(1)
  }
  process.stdout.write(`check-layers: ${files} files, ${imports} imports: no upward import, no front door importing another, no cycle\n`)
}
