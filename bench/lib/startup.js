// Start-up time (process spawn -> `listening` line on stdout) and idle memory of the broker process, next to
// the floor every Node program pays here: spawning `node` to print one line.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker } from './broker.js'
import { median, sleep } from './stats.js'

/** ms from spawn to the first stdout line of `node -e` printing one line (Node's own start-up floor). */
function nodeFloorOnce () {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(process.execPath, ['-e', "process.stdout.write('listening on 127.0.0.1:0\\n')"], { stdio: ['ignore', 'pipe', 'inherit'] })
    child.stdout.once('data', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6))
    child.once('error', reject)
  })
}

/**
 * starts: number of cold starts on fresh data dirs (median reported); idleMs: wait before reading the
 * idle RSS of the last start.
 */
export async function runStartup ({ baseDir, starts, idleMs, nodeArgs }) {
  const startMs = []
  const floor = []
  const rssAtListen = []
  let idle = null
  // broker starts and Node floor starts alternate, so both see the same load on a shared machine
  for (let i = 0; i < starts; i++) {
    floor.push(await nodeFloorOnce())
    const dir = mkdtempSync(join(baseDir, 'start-'))
    const b = await startBroker({ dataDir: dir, nodeArgs })
    startMs.push(b.startMs)
    rssAtListen.push(b.status().rssMiB)
    if (i === starts - 1) {
      await sleep(idleMs)
      idle = b.status()
    }
    await b.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    starts,
    startMs: { median: median(startMs), min: Math.min(...startMs), max: Math.max(...startMs), all: startMs },
    nodeFloorMs: { median: median(floor), min: Math.min(...floor), max: Math.max(...floor), all: floor },
    /** median of (broker start - the Node floor start just before it): what the broker adds to Node's boot */
    overFloorMs: median(startMs.map((v, i) => v - floor[i])),
    rssAtListenMiB: median(rssAtListen),
    idleRssMiB: idle?.rssMiB ?? null,
    idleAfterMs: idleMs
  }
}
