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
import { Producer, type ProducedBatch, type ProduceRecord } from '../client/producer.js'
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
  const settings = produceSettings(opts)
  const { input, total } = openInput(settings.file)
  return await withCluster(opts, async cluster => {
    const producer = new Producer(cluster, settings.topic, { acks: settings.acks, compression: settings.compression, autoCreate: true })
    await producer.partitions()
    const produced = await produceLines(producer, settings, input, total)
    if (process.stderr.isTTY === true) process.stderr.write(`produced ${produced} record${produced === 1 ? '' : 's'} to ${settings.topic}\n`)
    return 0
  })
}

/** What `samsa produce` was asked to do, checked before any connection is made. */
interface ProduceSettings {
  topic: string
  acks: number
  compression: CompressionCodec
  /** undefined: by key, else one partition per batch. */
  partition: number | undefined
  headers: Array<{ key: string, value: Buffer }>
  /** --key-separator as bytes; null: every record has a null key. */
  keySeparator: Buffer | null
  file: string | undefined
  verbose: boolean
  json: boolean
}

function produceSettings (opts: Options): ProduceSettings {
  const [topic] = opts.expectPositionals(['TOPIC'])
  const acks = parseAcks(opts.string('acks'))
  const codecName = opts.string('compression') ?? 'none'
  const compression = codecFromName(codecName)
  if (compression === undefined) throw new UsageError(`bad --compression '${codecName}': expected none, gzip, snappy, lz4 or zstd`)
  const partition = opts.int('partition', 0, 0x7fffffff)
  const headers = parseHeaders(opts.all('headers'))
  const sep = opts.string('key-separator')
  if (sep === '') throw new UsageError('--key-separator cannot be empty')
  return {
    topic: topic!,
    acks,
    compression: compression as CompressionCodec,
    partition,
    headers,
    keySeparator: sep === undefined ? null : Buffer.from(sep, 'utf8'),
    file: opts.string('file'),
    verbose: opts.has('verbose'),
    json: opts.has('json')
  }
}

/** --file (with its size, for the progress line), else stdin. */
function openInput (file: string | undefined): { input: NodeJS.ReadableStream, total: number | undefined } {
  if (file === undefined) return { input: process.stdin, total: undefined }
  let total: number
  try {
    total = fs.statSync(file).size
  } catch (err) {
    throw new CliError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return { input: fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), total }
}

/**
 * Sends every line of `input` as a record, one request per chunk read, in order; returns the number of
 * records produced. `total` is the input's size in bytes, for the progress line (undefined: unknown).
 */
async function produceLines (producer: Producer, s: ProduceSettings, input: NodeJS.ReadableStream, total: number | undefined): Promise<number> {
  const progress = new Progress(`producing to ${s.topic}`, process.stderr.isTTY === true && s.file !== undefined)
  let produced = 0
  let read = 0
  const send = async (records: ProduceRecord[]): Promise<void> => {
    if (records.length === 0) return
    const batches = await producer.send(records)
    produced += records.length
    if (s.verbose) await printOffsets(s.topic, batches, s.json)
  }
  let rest: Buffer = Buffer.alloc(0)
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    read += buf.length
    const data = rest.length === 0 ? buf : Buffer.concat([rest, buf])
    const records: ProduceRecord[] = []
    let start = 0
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      records.push(lineRecord(data.subarray(start, nl), s))
      start = nl + 1
    }
    // Copy the partial line: `data` may be a pooled chunk the stream reuses.
    rest = Buffer.from(data.subarray(start))
    await send(records)
    progress.update(read, total, formatBytes)
  }
  if (rest.length > 0) await send([lineRecord(rest, s)])
  progress.done()
  return produced
}

/** One input line (without its \n; a trailing \r is dropped) as a record: views on the line, no copy. */
function lineRecord (line: Buffer, s: ProduceSettings): ProduceRecord {
  if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
  let key: Buffer | null = null
  let value = line
  const sep = s.keySeparator
  if (sep !== null) {
    const at = line.indexOf(sep)
    if (at >= 0) {
      key = line.subarray(0, at)
      value = line.subarray(at + sep.length)
    }
  }
  return { key, value, headers: s.headers, partition: s.partition }
}

/** --verbose: the partition and offset of every record of `batches` (unknown with acks=0). */
async function printOffsets (topic: string, batches: ProducedBatch[], json: boolean): Promise<void> {
  for (const b of batches) {
    for (let i = 0; i < b.count; i++) {
      const offset = b.baseOffset < 0 ? -1 : b.baseOffset + i
      if (json) await out(toJson({ topic, partition: b.partition, offset }) + '\n')
      else await out(`produced to ${topic} partition ${b.partition} at offset ${offset < 0 ? 'unknown (acks=0)' : offset}\n`)
    }
  }
}
