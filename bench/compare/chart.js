// The comparison chart (bench/results/compare.png): one horizontal bar per row, the normalised ratio
// Samsa/Kafka (above 1 = Samsa better) on a log2 axis, green at or above 1, red below, value at the bar end.
// Comparing two builds (compare-baseline.png), the axis is narrower (given ticks), each A/B pair's ratio is a
// dark tick on its row's bar, and the values stand in a column right of the plot.
import { Raster } from './png.js'
import { fmtRatio } from './report.js'

const GREEN = [46, 160, 67]
const RED = [207, 34, 46]
const GREY = [200, 200, 200]
const DARK = [40, 40, 40]

/**
 * rows: [{ label, ratio, pairs? }] (ratio normalised so that > 1 means Samsa, or this build, is better; pairs:
 * the ratio of each A/B pair); title: string; ticks: the axis' grid values (default powers of 2, 1/16 to 64).
 */
export function ratioChart (rows, { title, subtitle = '', ticks = null }) {
  const S = 2 // font scale: glyphs 10 x 14 px
  const rowH = 22
  const labelW = Math.max(...rows.map(r => Raster.textWidth(r.label, S))) + 20
  const plotW = 700
  const left = labelW
  const top = subtitle === '' ? 50 : 72
  const width = left + plotW + 110
  const height = top + rows.length * rowH + 50
  const img = new Raster(width, height)
  img.text(10, 10, title, DARK, S)
  if (subtitle !== '') img.text(10, 34, subtitle, [90, 90, 90], S)
  const grid = ticks ?? Array.from({ length: 11 }, (_, i) => 2 ** (i - 4))
  const lo = Math.log2(grid[0]) // default 1/16
  const hi = Math.log2(grid[grid.length - 1]) // default 64
  const xOf = r => left + ((Math.log2(Math.min(2 ** hi, Math.max(2 ** lo, r))) - lo) / (hi - lo)) * plotW
  for (const t of grid) {
    const x = xOf(t)
    img.rect(x, top - 4, 1, rows.length * rowH + 8, t === 1 ? DARK : GREY)
    const lab = ticks !== null || t >= 1 ? String(t) : `1/${1 / t}`
    img.text(x - Raster.textWidth(lab, S) / 2, top + rows.length * rowH + 12, lab, DARK, S)
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH
    img.text(left - 12 - Raster.textWidth(r.label, S), y + 4, r.label, DARK, S)
    if (r.ratio === null || !Number.isFinite(r.ratio)) { img.text(xOf(1) + 6, y + 4, 'N/A', DARK, S); return }
    const x1 = xOf(1)
    const x2 = xOf(r.ratio)
    const good = r.ratio >= 1
    img.rect(Math.min(x1, x2), y + 3, Math.max(2, Math.abs(x2 - x1)), rowH - 6, good ? GREEN : RED)
    const v = r.ratio >= 10 ? r.ratio.toFixed(0) : fmtRatio(r.ratio)
    if (r.pairs !== undefined) {
      for (const p of r.pairs) if (p !== null && Number.isFinite(p)) img.rect(xOf(p) - 1, y + 1, 2, rowH - 2, DARK)
      img.text(left + plotW + 10, y + 4, v, DARK, S)
      return
    }
    const tw = Raster.textWidth(v, S)
    const leftOfBar = Math.min(x2, x1) - 6 - tw
    img.text(good || leftOfBar < left ? Math.max(x2, x1) + 6 : leftOfBar, y + 4, v, DARK, S)
  })
  return img.png()
}
