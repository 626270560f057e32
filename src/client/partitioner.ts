// Choosing a partition for a record, as the Java producer's default partitioner does, so that a key lands
// on the same partition whichever client wrote it:
//   keyed record:   toPositive(murmur2(key bytes)) % partition count   (Kafka's Utils.murmur2, seed 0x9747b28c)
//   keyless record: "sticky": every keyless record of one batch goes to one partition, the next batch to the
//                   next partition (KIP-480), so batches stay large.

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), 32-bit signed result. */
export function murmur2 (data: Uint8Array): number {
  const length = data.length
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = length & ~3
  const rest = length % 4
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail]! & 0xff
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** The partition of a keyed record among `count` partitions. */
export function partitionForKey (key: Uint8Array, count: number): number {
  return (murmur2(key) & 0x7fffffff) % count
}

/** Sticky choice for keyless records: one partition per batch, rotating. */
export class StickyPartitioner {
  private next: number

  constructor (start = Math.floor(Math.random() * 1_000_000)) {
    this.next = start
  }

  /** The partition for the keyless records of the next batch. */
  nextBatch (count: number): number {
    return this.next++ % count
  }
}
