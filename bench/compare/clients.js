// Harness-side helpers for the Node clients: topic creation (kafkajs admin, 1 partition, replication 1, the
// same call for both brokers) and running one node-client.js job in a child process, with its CPU time.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { trackChild } from './brokers.js'

const CLIENT = fileURLToPath(new URL('./node-client.js', import.meta.url))

export async function createTopics (bootstrap, topics, partitions = 1) {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

/** Runs one job (see node-client.js) in a fresh Node process; resolves its JSON result. */
export function runNodeClient (job, { timeoutMs = 180000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = trackChild(spawn(process.execPath, [CLIENT, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', s => { stdout += s })
    child.stderr.setEncoding('utf8').on('data', s => { if (stderr.length < 65536) stderr += s })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', code => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').pop()
      if (code !== 0 || line === undefined || line === '') { reject(new Error(`node-client ${job.kind}/${job.client} exited with ${code}\n${stderr.slice(-2000)}`)); return }
      try { resolve(JSON.parse(line)) } catch (err) { reject(new Error(`node-client: bad output ${line}: ${err.message}`)) }
    })
  })
}
