// A dependency-free RGB raster with rectangles and a 5x7 bitmap font (upper case, digits, a little
// punctuation), written out as a PNG with node:zlib. Enough for a labelled bar chart; no canvas package
// (native prebuilds) needed.
import { deflateSync } from 'node:zlib'

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})
function crc32 (buf) {
  let c = -1
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
function chunk (type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

// 7 rows of 5 columns per glyph ('#' = ink)
const GLYPHS = {
  A: '.###.#...##...#######...##...##...#', B: '####.#...##...#####.#...##...#####.', C: '.###.#...##....#....#....#...#.###.',
  D: '####.#...##...##...##...##...#####.', E: '######....#....####.#....#....#####', F: '######....#....####.#....#....#....',
  G: '.###.#...##....#.####...##...#.####', H: '#...##...##...#######...##...##...#', I: '.###...#....#....#....#....#...###.',
  J: '..###...#....#....#....#.#..#..##..', K: '#...##..#.#.#..##...#.#..#..#.#...#', L: '#....#....#....#....#....#....#####',
  M: '#...###.###.#.##.#.##...##...##...#', N: '#...##...###..##.#.##..###...##...#', O: '.###.#...##...##...##...##...#.###.',
  P: '####.#...##...#####.#....#....#....', Q: '.###.#...##...##...##.#.##..#..##.#', R: '####.#...##...#####.#.#..#..#.#...#',
  S: '.#####....#.....###.....#....#####.', T: '#####..#....#....#....#....#....#..', U: '#...##...##...##...##...##...#.###.',
  V: '#...##...##...##...##...#.#.#...#..', W: '#...##...##...##.#.##.#.##.#.#.#.#.', X: '#...##...#.#.#...#...#.#.#...##...#',
  Y: '#...##...#.#.#...#....#....#....#..', Z: '#####....#...#...#...#...#....#####',
  0: '.###.#...##..###.#.###..##...#.###.', 1: '..#...##....#....#....#....#...###.', 2: '.###.#...#....#...#...#...#...#####',
  3: '####.....#....#.###.....#....#####.', 4: '...#...##..#.#.#..#.#####...#....#.', 5: '######....####.....#....##...#.###.',
  6: '..##..#...#....####.#...##...#.###.', 7: '#####....#...#...#...#....#....#...', 8: '.###.#...##...#.###.#...##...#.###.',
  9: '.###.#...##...#.####....#...#..##..',
  '.': '..........................##...##..', ',': '.....................##....#...#...', '/': '.........#...#...#...#...#.........',
  '=': '..........#####.....#####..........', '-': '...............#####...............', '(': '...#...#...#....#....#.....#.....#.',
  ')': '.#.....#.....#....#....#...#...#...', '%': '##...##..#...#...#...#...#..##...##', ':': '......##...##.......##...##........',
  '>': '.#.....#.....#.....#...#...#...#...', '<': '...#...#...#...#.....#.....#.....#.', '+': '.......#....#..#####..#....#.......',
  ';': '......##...##........##....#...#...', ' ': '.'.repeat(35), '?': '.###.#...#....#...#...#.........#..',
  '@': '.###.#...##.####.#.##.####.....###.'
}

export class Raster {
  constructor (width, height, bg = [255, 255, 255]) {
    this.width = width
    this.height = height
    this.px = Buffer.alloc(width * height * 3)
    this.rect(0, 0, width, height, bg)
  }

  rect (x, y, w, h, [r, g, b]) {
    const x0 = Math.max(0, Math.round(x))
    const y0 = Math.max(0, Math.round(y))
    const x1 = Math.min(this.width, Math.round(x + w))
    const y1 = Math.min(this.height, Math.round(y + h))
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 3
        this.px[i] = r; this.px[i + 1] = g; this.px[i + 2] = b
      }
    }
  }

  static textWidth (text, scale = 2) { return text.length * 6 * scale - scale }

  /** Draws text (upper-cased; unknown characters as '?') with its top-left corner at x, y. */
  text (x, y, text, color = [0, 0, 0], scale = 2) {
    let cx = x
    for (const ch of String(text)) {
      const g = GLYPHS[ch.toUpperCase()] ?? GLYPHS['?']
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) if (g[row * 5 + col] === '#') this.rect(cx + col * scale, y + row * scale, scale, scale, color)
      }
      cx += 6 * scale
    }
  }

  png () {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height)
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0 // filter: none
      this.px.copy(raw, y * (this.width * 3 + 1) + 1, y * this.width * 3, (y + 1) * this.width * 3)
    }
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(this.width, 0)
    ihdr.writeUInt32BE(this.height, 4)
    ihdr[8] = 8 // bit depth
    ihdr[9] = 2 // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))
    ])
  }
}
