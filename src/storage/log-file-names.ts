// Every file-name rule of the data directory, in one place (Kafka's LogFileUtils).
//
//   <dataDir>/<topic>-<partition>/                          one directory per partition
//       <20-digit base offset>.log                          RecordBatch v2 sequence
//       <20-digit base offset>.index                        offset index
//       <20-digit base offset>.timeindex                    time index
//       <20-digit base offset>.txnindex                     aborted transactions (only once there is one)
//       *.cleaned                                           compaction output being written (deleted at start)
//       *.swap                                              compaction output ready to replace (completed at start)
//       *.deleted                                           segment being deleted (deleted at start)
//   <dataDir>/<topic>-<partition>.<topicId>-delete/         partition directory of a deleted topic (removed at start)
//   <dataDir>/.kafka_cleanshutdown                          clean-shutdown marker
//   <dataDir>/samsa-topics.msgpack                          topic registry
//   <dataDir>/samsa-<name>.msgpack                          other durable broker state (state-file.ts):
//                                                           acls, scram-credentials, client-quotas
// The base offset is the offset of the segment's first batch, zero-padded to 20 digits so that names sort
// in offset order.
import { basename, join } from 'node:path'

export const LOG_FILE_SUFFIX = '.log'
export const INDEX_FILE_SUFFIX = '.index'
export const TIME_INDEX_FILE_SUFFIX = '.timeindex'
export const TXN_INDEX_FILE_SUFFIX = '.txnindex'
export const CLEANED_FILE_SUFFIX = '.cleaned'
export const SWAP_FILE_SUFFIX = '.swap'
export const DELETED_FILE_SUFFIX = '.deleted'
export const DELETE_DIR_SUFFIX = '-delete'
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'
export const TOPIC_REGISTRY_FILE = 'samsa-topics.msgpack'
/** The file of a durable broker state (state-file.ts): samsa-<name>.msgpack. */
export function stateFileName (name: string): string {
  return `samsa-${name}.msgpack`
}

/** Kafka's legal topic names: [a-zA-Z0-9._-], 1..249 characters, not "." or "..". */
export const MAX_TOPIC_NAME_LENGTH = 249
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/

export function topicNameError (name: string): string | null {
  if (name.length === 0) return 'topic name is empty'
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is ${name.length} characters, the limit is ${MAX_TOPIC_NAME_LENGTH}`
  if (!LEGAL_TOPIC.test(name)) return `topic name "${name}" has characters outside [a-zA-Z0-9._-]`
  return null
}

/** 20-digit zero-padded decimal offset. */
export function filenamePrefixFromOffset (offset: number): string {
  return String(offset).padStart(20, '0')
}

export function logFileName (dir: string, baseOffset: number, suffix = ''): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + LOG_FILE_SUFFIX + suffix)
}
export function offsetIndexFileName (dir: string, baseOffset: number, suffix = ''): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + INDEX_FILE_SUFFIX + suffix)
}
export function timeIndexFileName (dir: string, baseOffset: number, suffix = ''): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + TIME_INDEX_FILE_SUFFIX + suffix)
}
export function txnIndexFileName (dir: string, baseOffset: number, suffix = ''): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + TXN_INDEX_FILE_SUFFIX + suffix)
}

/** Base offset of a segment file name (`00000000000000000042.log` -> 42), or null if it is not one. */
export function offsetFromFileName (file: string): number | null {
  const m = /^(\d{20})\./.exec(basename(file))
  if (m === null) return null
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : null
}

export type SegmentFileKind = 'log' | 'index' | 'timeindex' | 'txnindex'

/** Parses `<20 digits>.(log|index|timeindex|txnindex)[.cleaned|.swap|.deleted]`. */
export function parseSegmentFileName (file: string): { baseOffset: number; kind: SegmentFileKind; suffix: '' | '.cleaned' | '.swap' | '.deleted' } | null {
  const m = /^(\d{20})\.(log|index|timeindex|txnindex)(\.cleaned|\.swap|\.deleted)?$/.exec(basename(file))
  if (m === null) return null
  const n = Number(m[1])
  if (!Number.isSafeInteger(n)) return null
  return { baseOffset: n, kind: m[2] as SegmentFileKind, suffix: (m[3] ?? '') as '' | '.cleaned' | '.swap' | '.deleted' }
}

export function partitionDirName (topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** `<topic>-<partition>` -> parts (the topic may itself contain '-'), or null. Deleted-topic dirs return null. */
export function parsePartitionDirName (name: string): { topic: string; partition: number } | null {
  if (name.endsWith(DELETE_DIR_SUFFIX)) return null
  const i = name.lastIndexOf('-')
  if (i <= 0) return null
  const topic = name.slice(0, i)
  const p = name.slice(i + 1)
  if (!/^\d+$/.test(p)) return null
  if (topicNameError(topic) !== null) return null
  return { topic, partition: Number(p) }
}

/** Kafka's name for the directory of a deleted partition, awaiting removal. */
export function deleteDirName (topic: string, partition: number, topicId: string): string {
  return `${topic}-${partition}.${topicId.replace(/-/g, '')}${DELETE_DIR_SUFFIX}`
}

export function isDeleteDirName (name: string): boolean {
  return name.endsWith(DELETE_DIR_SUFFIX) && name.includes('.')
}
