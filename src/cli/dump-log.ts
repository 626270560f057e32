// `samsa dump-log PATH...`: decodes segment files offline, like Kafka's kafka-dump-log.sh
// (DumpLogSegments), with the same field names so its output reads (and greps) the same. A directory means
// every segment file in it. Problems are printed in place ("corrupt at position N: ...") and make the exit
// code 1, with a summary on stderr. --json prints JSON Lines: one object per batch, index entry or problem,
// then a summary object per file. Decoding itself is in log-dump.ts. --verify prints only the problems, with
// the broker scrubber's checks (log-verify.ts).
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from './args.js'
import { Options } from './options.js'
import { CliError, exitQuietlyOnClosedStdout, formatBytes, out, Progress } from './output.js'
import { verifyFiles } from './log-verify.js'
import { baseOffsetOf, dumpIndex, dumpLog, segmentFileKind, timestampTypeName, type Corruption, type DumpedBatch, type SegmentFileKind } from './log-dump.js'

export const DUMP_LOG_HELP = `Usage: samsa dump-log PATH... [options]

Decodes .log, .index and .timeindex segment files offline (no broker needed), like Kafka's
kafka-dump-log.sh: batches with offsets, timestamps, sizes, codecs and CRC validity; index entries checked
against the .log next to them. PATH may be a partition directory (every segment file in it).
Corruption is reported with its byte position and makes the exit code 1.

Options:
  --records            also decode every record (offset, timestamp, key, value, header keys)
  --json               JSON Lines: one object per batch, entry or problem, then a summary per file
  --verify             print only what is wrong, one line per damaged batch or index entry (file, position,
                       reason: lengths, magic, offsets against the segment's and the next segment's base,
                       CRC32C), then a summary; exit code 1 if anything is wrong, 0 if all is clean
  -h, --help           this help

Examples:
  samsa dump-log segments/orders-0/00000000000000000000.log
  samsa dump-log segments/orders-0/00000000000000000000.log --records
  samsa dump-log segments/orders-0/00000000000000000000.index
  samsa dump-log segments/orders-0 --json | jq 'select(.type == "corruption")'
  samsa dump-log --verify segments/orders-0 segments/orders-1
`

function filesOf (p: string): string[] {
  let st: fs.Stats
  try {
    st = fs.statSync(p)
  } catch (err) {
    throw new CliError(`cannot open ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (!st.isDirectory()) {
    if (segmentFileKind(p) === null) throw new UsageError(`cannot tell what ${p} is: expected a .log, .index or .timeindex file (or a directory of them)`)
    return [p]
  }
  const order: Record<SegmentFileKind, number> = { log: 0, index: 1, timeindex: 2 }
  return fs.readdirSync(p).filter(f => segmentFileKind(f) !== null)
    .sort((a, b) => baseOffsetOf(a) - baseOffsetOf(b) || order[segmentFileKind(a)!] - order[segmentFileKind(b)!] || a.localeCompare(b))
    .map(f => path.join(p, f))
}

const text = (b: Buffer | null): string => b === null ? 'null' : b.toString('utf8')

function batchLine (b: DumpedBatch): string {
  const h = b.header
  return `baseOffset: ${h.baseOffset} lastOffset: ${b.lastOffset} count: ${h.recordCount} baseSequence: ${h.baseSequence} ` +
    `lastSequence: ${b.lastSequence} producerId: ${h.producerId} producerEpoch: ${h.producerEpoch} ` +
    `partitionLeaderEpoch: ${h.partitionLeaderEpoch} isTransactional: ${h.isTransactional} isControl: ${h.isControl} ` +
    `deleteHorizonMs: ${b.deleteHorizonMs === null ? 'OptionalLong.empty' : `OptionalLong[${b.deleteHorizonMs}]`} position: ${b.position} ${timestampTypeName(h)}: ${h.maxTimestamp} ` +
    `size: ${b.size} magic: ${h.magic} compresscodec: ${b.codec} crc: ${h.crc} isvalid: ${b.crcValid}\n`
}

function batchJson (b: DumpedBatch): string {
  const h = b.header
  return JSON.stringify({
    type: 'batch',
    position: b.position,
    baseOffset: h.baseOffset,
    lastOffset: b.lastOffset,
    count: h.recordCount,
    size: b.size,
    magic: h.magic,
    compression: b.codec,
    timestampType: timestampTypeName(h),
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    lastSequence: b.lastSequence,
    isTransactional: h.isTransactional,
    isControl: h.isControl,
    deleteHorizonMs: b.deleteHorizonMs,
    crc: h.crc,
    computedCrc: b.computedCrc,
    crcValid: b.crcValid,
    ...(b.records === undefined
      ? {}
      : {
          records: b.records.map(r => ({
            offset: r.offset, timestamp: r.timestamp, keySize: r.keySize, valueSize: r.valueSize, sequence: r.sequence,
            headerKeys: r.headerKeys, key: r.key === null ? null : r.key.toString('utf8'), value: r.value === null ? null : r.value.toString('utf8')
          }))
        })
  }) + '\n'
}

interface FileSummary { file: string; kind: SegmentFileKind; corruptions: Corruption[] }

async function dumpOne (file: string, json: boolean, records: boolean): Promise<FileSummary> {
  const kind = segmentFileKind(file)!
  const corruptions: Corruption[] = []
  const problem = async (c: Corruption): Promise<void> => {
    corruptions.push(c)
    await out(json ? JSON.stringify({ type: 'corruption', file, ...c }) + '\n' : `corrupt at position ${c.position}: ${c.message}\n`)
  }
  if (!json) await out(`Dumping ${file}\n`)
  try {
    if (kind === 'log') {
      if (!json) await out(`Log starting offset: ${baseOffsetOf(file)}\n`)
      const progress = new Progress(`dumping ${path.basename(file)}`)
      let batches = 0
      let count = 0
      let first = -1
      let last = -1
      for (const e of dumpLog(file, { records, onProgress: (pos, size) => progress.update(pos, size, formatBytes) })) {
        if (e.type === 'corruption') {
          progress.done()
          await problem(e.corruption)
          continue
        }
        const b = e.batch
        batches++
        count += b.header.recordCount
        if (first < 0) first = b.header.baseOffset
        last = b.lastOffset
        if (json) {
          await out(batchJson(b))
          continue
        }
        await out(batchLine(b))
        for (const r of b.records ?? []) {
          await out(`| offset: ${r.offset} ${timestampTypeName(b.header)}: ${r.timestamp} keySize: ${r.keySize} valueSize: ${r.valueSize} ` +
            `sequence: ${r.sequence} headerKeys: [${r.headerKeys.join(',')}] key: ${text(r.key)} payload: ${text(r.value)}\n`)
        }
      }
      progress.done()
      const summary = { type: 'summary', file, kind, batches, records: count, firstOffset: first, lastOffset: last, corruptions: corruptions.length }
      if (json) await out(JSON.stringify(summary) + '\n')
      else await out(`Summary: ${batches} batch${batches === 1 ? '' : 'es'}, ${count} record${count === 1 ? '' : 's'}${batches > 0 ? `, offsets ${first}-${last}` : ''}, ${corruptions.length === 0 ? 'no problems' : `${corruptions.length} problem${corruptions.length === 1 ? '' : 's'}`}\n`)
    } else {
      let entries = 0
      for (const e of dumpIndex(file, kind)) {
        if (e.type === 'corruption') {
          await problem(e.corruption)
        } else if (e.type === 'preallocated') {
          if (json) await out(JSON.stringify({ type: 'preallocated', file, position: e.position, bytes: e.bytes }) + '\n')
          else await out(`(${e.bytes} bytes of preallocated, unused entries from position ${e.position})\n`)
        } else {
          entries++
          const x = e.entry
          if (json) await out(JSON.stringify({ type: 'entry', file, index: x.index, offset: x.offset, ...(kind === 'index' ? { position: x.filePosition } : { timestamp: x.timestamp }) }) + '\n')
          else await out(kind === 'index' ? `offset: ${x.offset} position: ${x.filePosition!}\n` : `timestamp: ${x.timestamp!} offset: ${x.offset}\n`)
        }
      }
      const summary = { type: 'summary', file, kind, entries, corruptions: corruptions.length }
      if (json) await out(JSON.stringify(summary) + '\n')
      else await out(`Summary: ${entries} entr${entries === 1 ? 'y' : 'ies'}, ${corruptions.length === 0 ? 'no problems' : `${corruptions.length} problem${corruptions.length === 1 ? '' : 's'}`}\n`)
    }
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return { file, kind, corruptions }
}

export async function dumpLogCommand (argv: string[]): Promise<number> {
  const opts = new Options('dump-log', argv, { booleans: ['json', 'records', 'verify'] })
  if (opts.has('help')) {
    process.stdout.write(DUMP_LOG_HELP)
    return 0
  }
  if (opts.positionals.length === 0) throw new UsageError('samsa dump-log needs a PATH (a .log, .index or .timeindex file, or a partition directory)')
  exitQuietlyOnClosedStdout()
  const files = opts.positionals.flatMap(filesOf)
  if (files.length === 0) throw new CliError(`no segment files in ${opts.positionals.join(', ')}`)
  if (opts.has('verify')) {
    if (opts.has('records')) throw new UsageError('--verify prints problems only: it takes no --records')
    return await verifyFiles(files, opts.has('json')) > 0 ? 1 : 0
  }
  let bad = 0
  for (const [i, file] of files.entries()) {
    if (i > 0 && !opts.has('json')) await out('\n')
    const s = await dumpOne(file, opts.has('json'), opts.has('records'))
    if (s.corruptions.length > 0) {
      bad++
      const c = s.corruptions[0]!
      process.stderr.write(`samsa: ${file} is corrupt: ${s.corruptions.length} problem${s.corruptions.length === 1 ? '' : 's'}, the first at position ${c.position}: ${c.message}\n`)
    }
  }
  return bad > 0 ? 1 : 0
}
