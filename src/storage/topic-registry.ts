// Topic registry: <dataDir>/samsa-topics.msgpack, Samsa's own record (Kafka keeps this in its metadata log;
// a single node needs only a file). msgpackr-encoded map:
//   { version: 1, topics: [{ name, topicId (uuid 8-4-4-4-12), partitions, configs: { <Kafka topic key>: string },
//                             creating?: true }] }
// `creating`: the topic is being created; its directories may be incomplete. Written before the first
// partition directory is made and removed once every partition exists, so a crash or failure in between
// leaves a mark: the next open removes that topic's directories instead of adopting them (log-manager.ts).
// Written whole, atomically: temp file, fsync, rename, fsync of the directory. Threading: main thread; the
// LogManager serializes writers.
import { closeSync, fsyncSync, openSync, promises as fsp } from 'node:fs'
import { join } from 'node:path'
import { TOPIC_REGISTRY_FILE } from './log-file-names.js'

export interface TopicRecord {
  name: string
  /** uuid, hex 8-4-4-4-12 */
  topicId: string
  partitions: number
  /** Topic-level overrides, Kafka key names. */
  configs: Record<string, string>
  /** Present (true) only while the topic's partitions are being created; see the header. */
  creating?: true
}

export const TOPIC_REGISTRY_VERSION = 1

export async function readTopicRegistry (dataDir: string): Promise<TopicRecord[] | null> {
  let data: Buffer
  try {
    data = await fsp.readFile(join(dataDir, TOPIC_REGISTRY_FILE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const { unpack } = await import('msgpackr') // loaded only when there is a registry (~15 ms at start otherwise)
  const decoded = unpack(data) as { version?: number; topics?: unknown }
  if (decoded === null || typeof decoded !== 'object' || !Array.isArray(decoded.topics)) {
    throw new Error(`topic registry ${join(dataDir, TOPIC_REGISTRY_FILE)}: expected { version, topics: [...] }, got ${typeof decoded}`)
  }
  if (decoded.version !== TOPIC_REGISTRY_VERSION) {
    throw new Error(`topic registry ${join(dataDir, TOPIC_REGISTRY_FILE)}: version ${String(decoded.version)}, this broker reads version ${TOPIC_REGISTRY_VERSION}`)
  }
  return (decoded.topics as TopicRecord[]).map(t => {
    const rec: TopicRecord = { name: t.name, topicId: t.topicId, partitions: t.partitions, configs: { ...(t.configs ?? {}) } }
    if (t.creating === true) rec.creating = true
    return rec
  })
}

export function fsyncDir (dir: string): void {
  const fd = openSync(dir, 'r')
  try { fsyncSync(fd) } catch { /* some filesystems refuse fsync on directories */ } finally { closeSync(fd) }
}

export async function writeTopicRegistry (dataDir: string, topics: TopicRecord[]): Promise<void> {
  const file = join(dataDir, TOPIC_REGISTRY_FILE)
  const tmp = file + '.tmp'
  const fh = await fsp.open(tmp, 'w')
  try {
    const { pack } = await import('msgpackr')
    await fh.writeFile(pack({ version: TOPIC_REGISTRY_VERSION, topics }))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await fsp.rename(tmp, file)
  fsyncDir(dataDir)
}
