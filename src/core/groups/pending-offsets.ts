// Pending transactional offsets in memory (Kafka's pendingTransactionalOffsetCommits): offsets a producer
// committed inside a transaction (TxnOffsetCommit), kept apart from the committed offsets until the
// transaction ends: group -> producer id -> topic -> partition -> PendingOffset, plus an index of the
// groups each producer has pending offsets in (for the marker: which groups does it complete?).
//
// An entry is added when its record is handed to the log (order null: the write is in flight; OffsetFetch
// with requireStable already reports the partition unstable, as Kafka) and stamped with its log order
// once durable; a failed write removes it again. The transaction's COMMIT marker moves a producer's
// entries into the OffsetStore, the ABORT marker drops them.
import type { CommittedOffset } from './offsets.js'

export interface PendingOffset {
  value: CommittedOffset
  /** The record's position in the log order once durable; null while the write is in flight. */
  order: number | null
}

type ByTopic = Map<string, Map<number, PendingOffset>>

export class PendingTxnOffsets {
  private readonly groups = new Map<string, Map<number, ByTopic>>()
  private readonly byProducer = new Map<number, Set<string>>()

  get (group: string, producerId: number, topic: string, partition: number): PendingOffset | undefined {
    return this.groups.get(group)?.get(producerId)?.get(topic)?.get(partition)
  }

  put (group: string, producerId: number, topic: string, partition: number, entry: PendingOffset): void {
    let byProducer = this.groups.get(group)
    if (byProducer === undefined) this.groups.set(group, byProducer = new Map())
    let byTopic = byProducer.get(producerId)
    if (byTopic === undefined) byProducer.set(producerId, byTopic = new Map())
    let byPartition = byTopic.get(topic)
    if (byPartition === undefined) byTopic.set(topic, byPartition = new Map())
    byPartition.set(partition, entry)
    let groups = this.byProducer.get(producerId)
    if (groups === undefined) this.byProducer.set(producerId, groups = new Set())
    groups.add(group)
  }

  /** Removes one entry (only if it is still `entry`, when given); true when something was removed. */
  remove (group: string, producerId: number, topic: string, partition: number, entry?: PendingOffset): boolean {
    const byTopic = this.groups.get(group)?.get(producerId)
    const byPartition = byTopic?.get(topic)
    const current = byPartition?.get(partition)
    if (byTopic === undefined || byPartition === undefined || current === undefined) return false
    if (entry !== undefined && current !== entry) return false
    byPartition.delete(partition)
    if (byPartition.size === 0) byTopic.delete(topic)
    if (byTopic.size === 0) this.dropProducer(group, producerId)
    return true
  }

  /** Removes and returns every entry of a producer in a group, in insertion order. */
  take (group: string, producerId: number): Array<{ topic: string, partition: number, entry: PendingOffset }> {
    const byTopic = this.groups.get(group)?.get(producerId)
    if (byTopic === undefined) return []
    const out: Array<{ topic: string, partition: number, entry: PendingOffset }> = []
    for (const [topic, byPartition] of byTopic) {
      for (const [partition, entry] of byPartition) out.push({ topic, partition, entry })
    }
    this.dropProducer(group, producerId)
    return out
  }

  /** The groups a producer has pending offsets in. */
  groupsOf (producerId: number): string[] {
    return [...this.byProducer.get(producerId) ?? []]
  }

  /** The producers with pending offsets in a group. */
  producersOf (group: string): number[] {
    return [...this.groups.get(group)?.keys() ?? []]
  }

  /** Whether any producer has a pending offset for the partition. */
  has (group: string, topic: string, partition: number): boolean {
    for (const byTopic of this.groups.get(group)?.values() ?? []) {
      if (byTopic.get(topic)?.has(partition) === true) return true
    }
    return false
  }

  hasGroup (group: string): boolean {
    return this.groups.has(group)
  }

  groupIds (): string[] {
    return [...this.groups.keys()]
  }

  /** Every (topic, partition) with a pending offset in the group, each once. */
  partitionsOf (group: string, onlyTopic?: string): Array<[string, number]> {
    const seen = new Set<string>()
    const out: Array<[string, number]> = []
    for (const byTopic of this.groups.get(group)?.values() ?? []) {
      for (const [topic, byPartition] of byTopic) {
        if (onlyTopic !== undefined && topic !== onlyTopic) continue
        for (const p of byPartition.keys()) {
          const k = `${topic}:${p}`
          if (seen.has(k)) continue
          seen.add(k)
          out.push([topic, p])
        }
      }
    }
    return out
  }

  /** Drops every producer's pending offset for the partition (an offset tombstone). */
  removePartition (group: string, topic: string, partition: number): void {
    for (const producerId of this.producersOf(group)) this.remove(group, producerId, topic, partition)
  }

  /** Drops every pending offset of the group. */
  removeGroup (group: string): void {
    for (const producerId of this.producersOf(group)) this.dropProducer(group, producerId)
  }

  private dropProducer (group: string, producerId: number): void {
    const byProducer = this.groups.get(group)
    if (byProducer === undefined) return
    byProducer.delete(producerId)
    if (byProducer.size === 0) this.groups.delete(group)
    const groups = this.byProducer.get(producerId)
    groups?.delete(group)
    if (groups?.size === 0) this.byProducer.delete(producerId)
  }
}
