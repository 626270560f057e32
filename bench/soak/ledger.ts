// What one consumer group has read, per partition, checked against at-least-once delivery.
// The soak topics hold plain (non-transactional, never compacted) records, so a partition's offsets are
// contiguous from 0 and a group that loses nothing reads every offset at least once.
// Rules, per topic-partition of one group:
//  - next = highest offset read by any member + 1. An offset above next is a GAP (offsets skipped: a
//    violation); one below next is a redelivery (allowed: a member re-reads from the last committed offset
//    after a rebalance or a member's departure).
//  - a session is one member between two rebalances (the client's join event starts a new one). Within a
//    session offsets must rise: an offset at or below the session's previous one, more than REBALANCE_GRACE_MS
//    after the group's last rebalance, is an in-session DUPLICATE (a violation: the broker served it twice in
//    one fetch stream). Within the grace a step back is a redelivery: a client re-seeks to the committed
//    offset after a rebalance while fetches it sent before it still deliver.
//  - a record whose value fails checkValue is CORRUPT (a violation).
// At the end, every partition's next is compared with its high watermark (caught up, or records missing).

const REBALANCE_GRACE_MS = 15_000

export interface PartitionState { next: number, consumed: number }

export class Ledger {
  readonly partitions = new Map<string, PartitionState>()
  gaps = 0
  gapOffsets = 0
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
      this.gaps++
      this.gapOffsets += offset - st.next
      this.note(`gap at ${tp}: read ${offset}, expected ${st.next}`)
      st.next = offset + 1
    } else if (offset < st.next) {
      this.redelivered++
    } else {
      st.next = offset + 1
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
