// Committed offsets in memory: group -> topic -> partition -> CommittedOffset, the materialized view of the
// OffsetCommit records of __consumer_offsets (rebuilt from the log at start).
//
// Invariants: the view only changes once a record is durable, in log order (commits and tombstones are
// applied from the append's completion, and a group's records all go to one partition, whose completions
// run in offset order); offsets are kept exactly as committed (negative values included: kafkajs'
// resetOffsets commits -1/-2 and reads them back), with their metadata string and leader epoch.
// Each offset carries its `order`, the position of its record in the log order (a counter stamped when the
// record became durable or was replayed): when a transaction commits, its offsets replace only older ones
// (Kafka keeps the most recent record when transactional and ordinary commits are mixed).

export interface CommittedOffset {
  offset: bigint
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
  /** Absolute expiry from an OffsetCommit v1-v4 retention time, -1 when none. */
  expireTimestamp: number
  /** Where its record is in the log order (OffsetStore.stamp()); absent = older than any stamped one. */
  order?: number
}

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>()
  private lastOrder = 0

  /** The next position in the log order: call when a record becomes durable (or is replayed), in log order. */
  stamp (): number {
    return ++this.lastOrder
  }

  get (group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition)
  }

  put (group: string, topic: string, partition: number, o: CommittedOffset): void {
    let byTopic = this.groups.get(group)
    if (byTopic === undefined) this.groups.set(group, byTopic = new Map())
    let byPartition = byTopic.get(topic)
    if (byPartition === undefined) byTopic.set(topic, byPartition = new Map())
    byPartition.set(partition, o)
  }

  delete (group: string, topic: string, partition: number): boolean {
    const byTopic = this.groups.get(group)
    const byPartition = byTopic?.get(topic)
    if (byTopic === undefined || byPartition === undefined || !byPartition.delete(partition)) return false
    if (byPartition.size === 0) byTopic.delete(topic)
    if (byTopic.size === 0) this.groups.delete(group)
    return true
  }

  /** The group's offsets by topic (live view; do not mutate), undefined when it has none. */
  topics (group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.groups.get(group)
  }

  has (group: string): boolean {
    return this.groups.has(group)
  }

  count (group: string): number {
    let n = 0
    for (const p of this.groups.get(group)?.values() ?? []) n += p.size
    return n
  }

  /** Every (topic, partition) the group has an offset for. */
  partitionsOf (group: string): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const [topic, byPartition] of this.groups.get(group) ?? []) {
      for (const p of byPartition.keys()) out.push([topic, p])
    }
    return out
  }

  groupIds (): string[] {
    return [...this.groups.keys()]
  }

  /** Drops every offset of a topic, in every group (the topic was deleted). */
  deleteTopic (topic: string): Array<[string, number[]]> {
    const removed: Array<[string, number[]]> = []
    for (const [group, byTopic] of this.groups) {
      const byPartition = byTopic.get(topic)
      if (byPartition === undefined) continue
      removed.push([group, [...byPartition.keys()]])
      byTopic.delete(topic)
      if (byTopic.size === 0) this.groups.delete(group)
    }
    return removed
  }
}
