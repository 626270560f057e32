// Helpers of the cleaner tests: a compacted PartitionLog in a temporary directory, keyed appends, reads of
// what a consumer would see.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger, type Logger } from '../../../src/logger.js'
import { computeCrc, crc, lastOffset } from '../../../src/protocol/records/batch-header.js'
import { buildRecordBatch, type BuildBatchOptions, type RecordInput } from '../../../src/protocol/records/builder.js'
import { iterateRecords } from '../../../src/protocol/records/record.js'
import { LogCleaner, type LogCleanerOptions } from '../../../src/storage/cleaner/log-cleaner.js'
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig, type SwapStep } from '../../../src/storage/log.js'
import { Flusher } from '../../../src/storage/workers/flusher.js'

export interface Teardown { teardown: (fn: () => void | Promise<void>) => void }

export const COMPACT: LogConfig = {
  ...DEFAULT_LOG_CONFIG,
  fsync: 'never',
  segmentBytes: 2000,
  indexIntervalBytes: 256,
  cleanupPolicy: 'compact',
  minCleanableDirtyRatio: 0,
  deleteRetentionMs: 1000
}

export function tmp (t: Teardown, prefix = 'samsa-clean-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function openLog (dir: string, config: Partial<LogConfig> = {}, extra: { cleanShutdown?: boolean; swapFaultHook?: (s: SwapStep) => void; logger?: Logger } = {}): Promise<PartitionLog> {
  return await PartitionLog.open({
    dir: join(dir, 'k-0'),
    topic: 'k',
    partition: 0,
    config: { ...COMPACT, ...config },
    flusher: new Flusher({ mode: 'never', logger: silentLogger }),
    logger: extra.logger ?? silentLogger,
    cleanShutdown: extra.cleanShutdown ?? true,
    swapFaultHook: extra.swapFaultHook
  })
}

export function cleanerFor (dataDir: string, logs: PartitionLog[], opts: Partial<LogCleanerOptions> = {}): LogCleaner {
  return new LogCleaner({ dataDir, logger: silentLogger, logs: () => logs, backoffMs: 0, ...opts })
}

/** Appends one batch per entry; resolves when written. */
export async function appendAll (log: PartitionLog, batches: Array<{ records: RecordInput[]; opts?: BuildBatchOptions }>, now = Date.now()): Promise<void> {
  let last
  for (const b of batches) last = log.append([buildRecordBatch(b.records, b.opts)], now)
  await last?.durable
}

export interface Seen { offset: number; key: string | null; value: string | null; timestamp: number }

/** Every record from the log start to the HW, as a consumer sees it (records below a fetch offset skipped). */
export async function readAll (log: PartitionLog): Promise<{ records: Seen[]; batches: Buffer[] }> {
  const records: Seen[] = []
  const batches: Buffer[] = []
  let next = log.logStartOffset
  while (next < log.highWatermark) {
    const r = await log.read(next, 1 << 22, { minOneBatch: true, maxOffset: log.highWatermark })
    if (r.batches.length === 0) break
    for (const b of r.batches) {
      batches.push(Buffer.from(b))
      for (const rec of iterateRecords(b)) {
        if (rec.offset < next) continue
        records.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null, timestamp: rec.timestamp })
      }
    }
    next = lastOffset(r.batches[r.batches.length - 1]!) + 1
  }
  return { records, batches }
}

export function badCrcs (batches: Buffer[]): number {
  let bad = 0
  for (const b of batches) if (crc(b) !== computeCrc(b)) bad++
  return bad
}

/** The last record of each key (tombstones included), from a full list of records in offset order. */
export function lastPerKey (records: Seen[]): Map<string, Seen> {
  const m = new Map<string, Seen>()
  for (const r of records) if (r.key !== null) m.set(r.key, r)
  return m
}
