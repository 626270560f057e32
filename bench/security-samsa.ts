// Child process of bench/security.ts: one Samsa broker started with startBroker() and the broker config given
// as JSON in argv[2] (Kafka's keys, listeners included); prints `listeners <JSON>` once listening, stops on
// SIGTERM or when stdin closes (the parent died). Its own process, so the benchmark's client does not share its
// event loop.
import { startBroker } from '../src/index.js'

const config = JSON.parse(process.argv[2]) as Record<string, string>
const dataDir = process.argv[3]
const b = await startBroker({ dataDir, fsync: 'never', logLevel: 'warn', config })
process.stdout.write(`listeners ${JSON.stringify(b.listeners)}\n`)
const stop = async (): Promise<void> => { await b.close(); process.exit(0) }
process.on('SIGTERM', () => { void stop() })
process.stdin.on('end', () => { void stop() })
process.stdin.resume()
