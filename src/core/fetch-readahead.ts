// Read-ahead for sequential consumers. A consumer fetches a partition, works through the response, and asks
// for the next offsets only then; meanwhile the broker is idle. Kafka answers from the page cache with
// sendfile, which starts streaming at once; Samsa reads the bytes into a buffer first (pread) and writes them
// after, so a large fetch (@platformatic/kafka asks for 10 MiB per partition) waits for a whole read before
// its first byte leaves. Read-ahead overlaps that read with the consumer's work: once a Fetch has read a
// partition from offset A up to offset N, the read of the same partition from N with the same byte budget
// starts at once, for the same connection; if that connection's next Fetch asks for exactly N with that
// budget, it takes the finished (or running) read instead of starting its own.
//
// Rules (correctness never depends on the read-ahead being used):
//   - one slot per (connection, partition); a request that does not match it drops it (its buffers go back
//     to the pool);
//   - the read stops at the bound the triggering Fetch had (HW, or LSO for read_committed); a taker whose bound
//     is lower cannot use it (the slot's bound must be <= the request's), a higher bound only means the
//     answer holds less than it could, as if the Fetch had come a moment earlier;
//   - a slot not taken within SLOT_TTL_MS is dropped; all slots together hold at most MAX_BYTES, and each
//     slot's budget is taken from the broker's FetchMemory (fetch.max.memory.bytes) while it is held: a new
//     read-ahead is not started beyond either (taken by its Fetch, the slot's share goes back: the Fetch
//     holds its own);
//   - records read ahead are a copy: retention, DeleteRecords or compaction afterwards do not change them,
//     the same view a Fetch a moment earlier would have had (the log start offset is checked by the Fetch
//     itself before taking the slot).
// Threading: main thread; the reads themselves are PartitionLog.read (libuv pool).
import type { PartitionLog } from '../storage/log.js'
import type { ReadResult } from '../storage/segment.js'
import type { FetchMemory } from './fetch-memory.js'

const SLOT_TTL_MS = 1000
const MAX_BYTES = 64 * 1024 * 1024
/** Budgets below this gain little (the read is short) and would multiply slots for many small partitions. */
const MIN_BUDGET = 256 * 1024

interface Slot {
  offset: number
  budget: number
  maxOffset: number
  read: Promise<ReadResult | null>
  bytes: number
  timer: NodeJS.Timeout
}

export class FetchReadAhead {
  private readonly slots = new WeakMap<object, Map<PartitionLog, Slot>>()
  private held = 0
  started = 0
  taken = 0

  constructor (private readonly memory: FetchMemory | null = null) {}

  /**
   * The read-ahead result for this read, or null (no slot, or it does not match: then it is dropped).
   * `minOneBatch` false: only a result within the budget is usable.
   */
  take (conn: object, log: PartitionLog, offset: number, budget: number, maxOffset: number): Promise<ReadResult | null> | null {
    const slot = this.slots.get(conn)?.get(log)
    if (slot === undefined) return null
    const matches = slot.offset === offset && slot.budget === budget && slot.maxOffset <= maxOffset
    this.drop(conn, log, slot, !matches)
    if (!matches) return null
    this.taken++
    return slot.read
  }

  /** Starts reading `log` from `offset` for this connection's next Fetch (if worth it and within the memory cap). */
  start (conn: object, log: PartitionLog, offset: number, budget: number, maxOffset: number): void {
    if (budget < MIN_BUDGET || offset >= maxOffset || this.held + budget > MAX_BYTES || log.isClosed) return
    if (this.memory !== null && this.memory.take(budget, budget) === 0) return
    let byLog = this.slots.get(conn)
    if (byLog === undefined) this.slots.set(conn, byLog = new Map())
    const old = byLog.get(log)
    if (old !== undefined) this.drop(conn, log, old, true)
    const slot: Slot = {
      offset,
      budget,
      maxOffset,
      bytes: budget,
      read: log.read(offset, budget, { minOneBatch: true, maxOffset }).catch(() => null),
      timer: setTimeout(() => { if (byLog.get(log) === slot) this.drop(conn, log, slot, true) }, SLOT_TTL_MS)
    }
    slot.timer.unref()
    this.held += budget
    this.started++
    byLog.set(log, slot)
  }

  private drop (conn: object, log: PartitionLog, slot: Slot, release: boolean): void {
    clearTimeout(slot.timer)
    const byLog = this.slots.get(conn)
    if (byLog?.get(log) === slot) byLog.delete(log)
    this.held -= slot.bytes
    this.memory?.release(slot.bytes)
    if (release) void slot.read.then(r => r?.release?.())
  }
}
