// __consumer_offsets records, in Kafka's own format so tools that read the topic (lag checkers,
// kafka-console-consumer's OffsetsMessageFormatter, DumpLogSegments --offsets-decoder) understand them.
//
//   key   = int16 key version + key struct      value = int16 value version + value struct, or null
//   key version 0|1: OffsetCommitKey   { group, topic, partition }            -> OffsetCommitValue
//   key version 2:   GroupMetadataKey  { group }                              -> GroupMetadataValue
//   key version 3+:  records of the new (KIP-848) coordinator: not ours, skipped when loading
//   null value = tombstone (offset deleted / group deleted); compaction keeps the last value per key.
//
// Versions written are Kafka 3.x's: OffsetCommitKey v1; OffsetCommitValue v3 (v1 when the commit carries
// an explicit expire timestamp, OffsetCommit v2-v4 retention); GroupMetadataKey v2; GroupMetadataValue v3.
// Decoding accepts every version the schemas define; anything undecodable is reported, never thrown.
//
// Transaction markers are not coordinator records but control records (the control batch the transaction
// coordinator writes): key = int16 version 0 + int16 type (0 ABORT, 1 COMMIT), value = int16 version 0 +
// int32 coordinator epoch (Kafka's EndTransactionMarker).
import { Reader } from '../../protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'
import { decodeOffsetCommitKey, sizeOffsetCommitKey, writeOffsetCommitKey, type OffsetCommitKey } from '../../protocol/generated/messages/offset-commit-key.js'
import { decodeOffsetCommitValue, sizeOffsetCommitValue, writeOffsetCommitValue, type OffsetCommitValue } from '../../protocol/generated/messages/offset-commit-value.js'
import { decodeGroupMetadataKey, sizeGroupMetadataKey, writeGroupMetadataKey } from '../../protocol/generated/messages/group-metadata-key.js'
import { decodeGroupMetadataValue, sizeGroupMetadataValue, writeGroupMetadataValue, type GroupMetadataValue } from '../../protocol/generated/messages/group-metadata-value.js'

export type { OffsetCommitValue, GroupMetadataValue }

export const OFFSET_COMMIT_KEY_VERSION = 1
export const GROUP_METADATA_KEY_VERSION = 2
export const OFFSET_COMMIT_VALUE_VERSION = 3
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1
export const GROUP_METADATA_VALUE_VERSION = 3

/** One record for the log: key and value bytes (value null = tombstone). */
export interface CoordinatorRecord {
  key: Buffer
  value: Buffer | null
}

function versioned<T> (version: number, m: T, size: (v: number, m: T) => number, write: (w: Writer, v: number, m: T) => void): Buffer {
  const n = 2 + size(version, m)
  const w = new Writer(n)
  w.int16(version)
  write(w, version, m)
  return concatChunks(w.finish(), n)
}

export function offsetCommitKey (group: string, topic: string, partition: number): Buffer {
  return versioned<OffsetCommitKey>(OFFSET_COMMIT_KEY_VERSION, { group, topic, partition }, sizeOffsetCommitKey, writeOffsetCommitKey)
}

export function offsetCommitRecord (group: string, topic: string, partition: number, value: OffsetCommitValue | null): CoordinatorRecord {
  const key = offsetCommitKey(group, topic, partition)
  if (value === null) return { key, value: null }
  const version = value.expireTimestamp >= 0n ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION
  return { key, value: versioned(version, value, sizeOffsetCommitValue, writeOffsetCommitValue) }
}

export function groupMetadataKey (group: string): Buffer {
  return versioned(GROUP_METADATA_KEY_VERSION, { group }, sizeGroupMetadataKey, writeGroupMetadataKey)
}

export function groupMetadataRecord (group: string, value: GroupMetadataValue | null): CoordinatorRecord {
  const key = groupMetadataKey(group)
  return { key, value: value === null ? null : versioned(GROUP_METADATA_VALUE_VERSION, value, sizeGroupMetadataValue, writeGroupMetadataValue) }
}

export type ParsedRecord =
  | { type: 'offset', group: string, topic: string, partition: number, value: OffsetCommitValue | null }
  | { type: 'group', group: string, value: GroupMetadataValue | null }
  | { type: 'other', keyVersion: number }
  | { type: 'invalid', reason: string }

/** Decodes one __consumer_offsets record; never throws. */
export function parseRecord (key: Buffer | null, value: Buffer | null): ParsedRecord {
  if (key === null) return { type: 'invalid', reason: 'record without a key' }
  try {
    const r = new Reader(key)
    const keyVersion = r.int16()
    if (keyVersion === 0 || keyVersion === 1) {
      const k = decodeOffsetCommitKey(r, keyVersion)
      let v: OffsetCommitValue | null = null
      if (value !== null) {
        const vr = new Reader(value)
        v = decodeOffsetCommitValue(vr, vr.int16())
      }
      return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: v }
    }
    if (keyVersion === 2) {
      const k = decodeGroupMetadataKey(r, keyVersion)
      let v: GroupMetadataValue | null = null
      if (value !== null) {
        const vr = new Reader(value)
        v = decodeGroupMetadataValue(vr, vr.int16())
      }
      return { type: 'group', group: k.group, value: v }
    }
    return { type: 'other', keyVersion }
  } catch (err) {
    return { type: 'invalid', reason: (err as Error).message }
  }
}
