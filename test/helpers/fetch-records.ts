// Test helper: reads a partition's records through the wire protocol (Fetch v11 via RawClient) and decodes
// them, so tests check what any consumer would receive, independently of a client library.
import { RawClient } from './raw-client.js'
import { iterateBatches, iterateRecords, type DecodedRecord } from '../../src/protocol/records/record.js'

export interface FetchedRecord extends DecodedRecord {
  keyString: string | null
  valueString: string | null
}

/** Every record from `fromOffset` up to the high watermark. */
export async function fetchRecords (port: number, topic: string, partition: number, fromOffset = 0): Promise<{ records: FetchedRecord[], highWatermark: number, batches: Buffer[] }> {
  const client = await RawClient.connect(port)
  try {
    const records: FetchedRecord[] = []
    const batches: Buffer[] = []
    let offset = fromOffset
    let highWatermark = -1
    for (let round = 0; round < 10000; round++) {
      const res = await client.request(1, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 64 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 * 1024 * 1024 }] }],
        forgottenTopicsData: [], rackId: ''
      })
      const p = res.responses[0].partitions[0]
      if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${offset}: error code ${p.errorCode}`)
      highWatermark = Number(p.highWatermark)
      const data: Buffer = p.records ?? Buffer.alloc(0)
      if (data.length === 0) break
      for (const b of iterateBatches(data)) {
        batches.push(data.subarray(b.pos, b.pos + b.size))
        for (const r of iterateRecords(data, b.pos)) {
          if (r.offset < offset) continue
          records.push({ ...r, keyString: r.key?.toString() ?? null, valueString: r.value?.toString() ?? null })
          offset = r.offset + 1
        }
      }
      if (offset >= highWatermark) break
    }
    return { records, highWatermark, batches }
  } finally {
    client.close()
  }
}
