// What one consumer group has read, per partition, checked against at-least-once delivery.
// The soak topics hold plain (non-transactional, never compacted) records, so a partition's offsets are
// contiguous from 0 and a group that loses nothing reads every offset at least once.
// Rules, per topic-partition of one group:
//  - next = highest offset read by any member + 1. An offset above next skipped offsets: it is held as a
//    suspect until settle() asks for the partition's log start offset. At or above the offset read, the skipped
//    records were deleted by retention (the consumer fell behind by more than retention.bytes and reset to the
//    earliest offset: allowed, counted as retention skips); below it they still exist and were skipped: a GAP
//    (a violation). One below next is a redelivery (allowed: a member re-reads from the last committed
//    offset after a rebalance or a member's departure).
//  - a session is one member between two rebalances (the client's join event starts a new one). Within a
//    session offsets must rise: an offset at or below the session's previous one, more than REBALANCE_GRACE_MS
//    after the group's last rebalance, is an in-session DUPLICATE (a violation: the broker served it twice in
//    one fetch stream). Within the grace a step back is a redelivery: a client re-seeks to the committed
//    offset after a rebalance while fetches it sent before it still deliver.
//  - a record whose value fails checkValue is CORRUPT (a violation).
// At the end, every partition's next is compared with its high watermark (caught up, or records missing).

const REBALANCE_GRACE_MS = 15_000
const MAX_SUSPECTS = 1000

export interface PartitionState { next: number, consumed: number }

export class Ledger {
  readonly partitions = new Map<string, PartitionState>()
  gaps = 0
  gapOffsets = 0
  retentionSkips = 0
  private suspects: Array<{ tp: string, from: number, to: number }> = []
  duplicates = 0
  redelivered = 0
  corrupt = 0
  /** The first few violations, described. */
  readonly firstViolations: string[] = []

  private lastRebalance = -Infinity

  constructor (readonly group: string) {}

  /** A member of the group saw a rebalance (joined, or was told to rejoin). */
  rebalanced (): void {
    this.lastRebalance = performance.now()
  }

  /** Records offset of topic/partition read in session (a Map the member resets on each rebalance). */
  record (session: Map<string, number>, topic: string, partition: number, offset: number, valueOk: boolean): void {
    const tp = `${topic}/${partition}`
    let st = this.partitions.get(tp)
    if (st === undefined) {
      st = { next: 0, consumed: 0 }
      this.partitions.set(tp, st)
    }
    st.consumed++
    if (!valueOk) {
      this.corrupt++
      this.note(`corrupt value at ${tp}@${offset}`)
    }
    const last = session.get(tp)
    if (last !== undefined && offset <= last && performance.now() - this.lastRebalance > REBALANCE_GRACE_MS) {
      this.duplicates++
      this.note(`in-session duplicate at ${tp}@${offset} (previous ${last})`)
    }
    session.set(tp, offset)
    if (offset > st.next) {
      if (this.suspects.length < MAX_SUSPECTS) this.suspects.push({ tp, from: st.next, to: offset })
      else this.gap(tp, st.next, offset)
      st.next = offset + 1
    } else if (offset < st.next) {
      this.redelivered++
    } else {
      st.next = offset + 1
    }
  }

  private gap (tp: string, from: number, to: number): void {
    this.gaps++
    this.gapOffsets += to - from
    this.note(`gap at ${tp}: read ${to}, expected ${from}`)
  }

  /** Classifies the suspect gaps: logStart(topic/partition) is the partition's log start offset now. */
  async settle (logStart: (tp: string) => Promise<number>): Promise<void> {
    const suspects = this.suspects
    this.suspects = []
    for (const s of suspects) {
      let start = -1
      try {
        start = await logStart(s.tp)
      } catch {}
      if (start >= s.to) this.retentionSkips++
      else this.gap(s.tp, s.from, s.to)
    }
  }

  private note (s: string): void {
    if (this.firstViolations.length < 10) this.firstViolations.push(s)
  }

  /** Partitions whose next is below their high watermark (hw: topic/partition -> offset). */
  behind (hw: Map<string, number>): Array<{ tp: string, next: number, hw: number }> {
    const out: Array<{ tp: string, next: number, hw: number }> = []
    for (const [tp, h] of hw) {
      const next = this.partitions.get(tp)?.next ?? 0
      if (next < h) out.push({ tp, next, hw: h })
    }
    return out
  }
}
