// The data directory's identity file, meta.properties, in Kafka's KRaft format (version=1, cluster.id,
// node.id, directory.id), so Kafka's tools recognise a Samsa data directory and the cluster id is stable
// across restarts. Ids are Kafka-style: a random UUID in URL-safe base64 without padding (22 characters).
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

export interface ClusterMeta {
  clusterId: string
  nodeId: number
  directoryId: string
}

/** A random id in Kafka's Uuid form (22 base64url characters); like Kafka's Uuid.randomUuid, never starting
 * with '-', so Kafka's tools can take it as an argument (kafka-storage format -t ID). */
export function kafkaUuid (): string {
  let id = '-'
  while (id.startsWith('-')) id = randomBytes(16).toString('base64url')
  return id
}

/**
 * `onNoSpace`: called instead of throwing when a new meta.properties cannot be written for lack of space (the
 * broker starts read-only with the new ids in memory; the file is written at a later start).
 */
export function loadOrCreateClusterMeta (dataDir: string, nodeId: number, onNoSpace?: (err: Error) => void): ClusterMeta {
  const file = path.join(dataDir, 'meta.properties')
  let text: string | null = null
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text !== null) {
    const props = new Map<string, string>()
    for (const line of text.split(/\r?\n/)) {
      const m = /^([^#=]+)=(.*)$/.exec(line.trim())
      if (m !== null) props.set(m[1].trim(), m[2].trim())
    }
    const clusterId = props.get('cluster.id')
    if (clusterId !== undefined && clusterId !== '') {
      return { clusterId, nodeId, directoryId: props.get('directory.id') ?? kafkaUuid() }
    }
  }
  const meta: ClusterMeta = { clusterId: kafkaUuid(), nodeId, directoryId: kafkaUuid() }
  const body = `#\n#Written by Samsa\nnode.id=${nodeId}\ndirectory.id=${meta.directoryId}\nversion=1\ncluster.id=${meta.clusterId}\n`
  try {
    fs.writeFileSync(file + '.tmp', body)
    fs.renameSync(file + '.tmp', file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (onNoSpace === undefined || (code !== 'ENOSPC' && code !== 'EDQUOT')) throw err
    fs.rmSync(file + '.tmp', { force: true })
    onNoSpace(err as Error)
  }
  return meta
}
