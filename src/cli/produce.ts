// `samsa produce TOPIC`: one record per input line (stdin, or --file), like kafka-console-producer.sh and
// `kcat -P`. Lines end at \n (a \r before it is dropped); the input is read in chunks and every chunk's
// lines go out as one request (one batch per partition), so interactive input is sent line by line and a
// big file in ~1 MiB batches, in order. --key-separator splits each line at its first separator into key
// and value (a line without it gets a null key). Partitions: --partition, else Kafka's murmur2 of the key,
// else one partition per batch (sticky). The topic is created if the broker auto-creates topics.
import fs from 'node:fs'
import { UsageError } from './args.js'
import { CLIENT_OPTIONS_HELP, withCluster } from './common.js'
import { Options } from './options.js'
import { CliError, formatBytes, out, Progress, toJson } from './output.js'
import { Producer, type ProduceRecord } from '../client/producer.js'
import { codecFromName } from '../protocol/records/compression.js'
import type { CompressionCodec } from '../protocol/records/batch-header.js'

export const PRODUCE_HELP = `Usage: samsa produce TOPIC [options] < lines

Writes one record per input line.

Options:
  --file PATH          read lines from PATH instead of stdin (progress on stderr when it is a terminal)
  --key-separator SEP  split each line at the first SEP into key and value (no SEP: null key)
  --headers k=v        add a header to every record (repeatable)
  --partition N        write every record to partition N (default: by key, else one partition per batch)
  --acks all|1|0       acknowledgement to wait for (default all: written and fsynced on Samsa)
  --compression CODEC  none, gzip, snappy, lz4 or zstd (default none)
  --verbose            print the partition and offset of every record written
${CLIENT_OPTIONS_HELP}

Examples:
  echo hello | samsa produce greetings
  printf 'user1:login\\nuser2:logout\\n' | samsa produce events --key-separator : --verbose
  samsa produce events --file events.txt --compression zstd --headers source=import
  samsa produce audit --partition 0 --acks 1 --brokers 127.0.0.1:9092
`

function parseAcks (s: string | undefined): number {
  if (s === undefined || s === 'all' || s === '-1') return -1
  if (s === '0') return 0
  if (s === '1') return 1
  throw new UsageError(`bad --acks '${s}': expected all, -1, 0 or 1`)
}

function parseHeaders (list: string[]): Array<{ key: string, value: Buffer }> {
  return list.map(s => {
    const eq = s.indexOf('=')
    if (eq <= 0) throw new UsageError(`bad --headers '${s}': expected key=value`)
    return { key: s.slice(0, eq), value: Buffer.from(s.slice(eq + 1), 'utf8') }
  })
}

export async function produceCommand (argv: string[]): Promise<number> {
  const opts = new Options('produce', argv, {
    booleans: ['json', 'verbose'],
    values: ['brokers', 'file', 'key-separator', 'headers', 'partition', 'acks', 'compression']
  })
  if (opts.has('help')) {
    process.stdout.write(PRODUCE_HELP)
    return 0
  }
  const [topic] = opts.expectPositionals(['TOPIC'])
  const acks = parseAcks(opts.string('acks'))
  const codecName = opts.string('compression') ?? 'none'
  const compression = codecFromName(codecName)
  if (compression === undefined) throw new UsageError(`bad --compression '${codecName}': expected none, gzip, snappy, lz4 or zstd`)
  const partition = opts.int('partition', 0, 0x7fffffff)
  const headers = parseHeaders(opts.all('headers'))
  const sep = opts.string('key-separator')
  if (sep === '') throw new UsageError('--key-separator cannot be empty')
  const sepBuf = sep === undefined ? null : Buffer.from(sep, 'utf8')
  const file = opts.string('file')
  let input: NodeJS.ReadableStream
  let total: number | undefined
  if (file !== undefined) {
    try {
      total = fs.statSync(file).size
    } catch (err) {
      throw new CliError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    input = fs.createReadStream(file, { highWaterMark: 1024 * 1024 })
  } else {
    input = process.stdin
  }
  const verbose = opts.has('verbose')
  const json = opts.has('json')

  return await withCluster(opts, async cluster => {
    const producer = new Producer(cluster, topic!, { acks, compression: compression as CompressionCodec, autoCreate: true })
    await producer.partitions()
    const progress = new Progress(`producing to ${topic!}`, process.stderr.isTTY === true && file !== undefined)
    const toRecord = (line: Buffer): ProduceRecord => {
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
      let key: Buffer | null = null
      let value = line
      if (sepBuf !== null) {
        const at = line.indexOf(sepBuf)
        if (at >= 0) {
          key = line.subarray(0, at)
          value = line.subarray(at + sepBuf.length)
        }
      }
      return { key, value, headers, partition }
    }
    let produced = 0
    let read = 0
    const send = async (records: ProduceRecord[]): Promise<void> => {
      if (records.length === 0) return
      const batches = await producer.send(records)
      produced += records.length
      if (!verbose) return
      for (const b of batches) {
        for (let i = 0; i < b.count; i++) {
          const offset = b.baseOffset < 0 ? -1 : b.baseOffset + i
          if (json) await out(toJson({ topic, partition: b.partition, offset }) + '\n')
          else await out(`produced to ${topic!} partition ${b.partition} at offset ${offset < 0 ? 'unknown (acks=0)' : offset}\n`)
        }
      }
    }
    let rest: Buffer = Buffer.alloc(0)
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      read += buf.length
      const data = rest.length === 0 ? buf : Buffer.concat([rest, buf])
      const records: ProduceRecord[] = []
      let start = 0
      for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
        records.push(toRecord(data.subarray(start, nl)))
        start = nl + 1
      }
      // Copy the partial line: `data` may be a pooled chunk the stream reuses.
      rest = Buffer.from(data.subarray(start))
      await send(records)
      progress.update(read, total, formatBytes)
    }
    if (rest.length > 0) await send([toRecord(rest)])
    progress.done()
    if (process.stderr.isTTY === true) process.stderr.write(`produced ${produced} record${produced === 1 ? '' : 's'} to ${topic!}\n`)
    return 0
  })
}
