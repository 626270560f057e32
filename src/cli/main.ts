#!/usr/bin/env node
// The `samsa` command: dispatches to a subcommand. Usage errors exit 2 with a message naming what was wrong;
// failures the user can act on (unknown topic, unreachable broker, a Kafka error code) exit 1 with a one-line
// message, no stack trace. Every command is imported on demand: `samsa start` loads no client code and the
// client commands load no broker code (~60 ms less per run).
import { UsageError } from './args.js'
import { CliError } from './output.js'

const HELP = `Usage: samsa <command> [options]

Commands:
  start       run a broker (samsa start --help)
  topics      list, create, describe, delete, add-partitions, alter topics
  produce     write stdin (or a file) to a topic, one record per line
  consume     print a topic's records: replay from an offset or a time, follow like tail -f
  groups      list, describe, reset, delete consumer groups
  dump-log    decode .log/.index/.timeindex segment files offline
  certs       make a local CA, server and client certificates for trying TLS and mTLS

Client commands take --brokers host:port[,...] (default 127.0.0.1:9092) and --json, and work against any
Kafka cluster as well as Samsa.

Run 'samsa <command> --help' for a command's options and examples.
`

type Command = (argv: string[]) => Promise<number>

const CLIENT_COMMANDS: Record<string, () => Promise<Command>> = {
  topics: async () => (await import('./topics.js')).topicsCommand,
  produce: async () => (await import('./produce.js')).produceCommand,
  consume: async () => (await import('./consume.js')).consumeCommand,
  groups: async () => (await import('./groups.js')).groupsCommand,
  'dump-log': async () => (await import('./dump-log.js')).dumpLogCommand,
  certs: async () => (await import('./certs.js')).certsCommand
}

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start': return await (await import('./start.js')).startCommand(rest)
    case undefined: case '-h': case '--help': case 'help':
      process.stdout.write(HELP)
      return command === undefined ? 2 : 0
    default: {
      const load = Object.hasOwn(CLIENT_COMMANDS, command) ? CLIENT_COMMANDS[command] : undefined
      if (load === undefined) throw new UsageError(`unknown command '${command}'\n\n${HELP}`)
      // `samsa topics list | head -1`: a closed stdout ends the command quietly.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0)
        throw err
      })
      return await (await load())(rest)
    }
  }
}

/**
 * Errors whose message is the whole story, with their exit code: a usage error (2), a CLI error (its own,
 * start.ts turns a failed listen into one), an error of the Kafka client (1); null for anything else.
 */
async function userFacing (err: unknown): Promise<{ message: string, code: number } | null> {
  if (err instanceof UsageError) return { message: err.message, code: 2 }
  if (err instanceof CliError) return { message: err.message, code: err.exitCode }
  // loaded only on this path, so that `samsa start` loads no client code
  const { isClientError } = await import('../client/errors.js')
  if (isClientError(err)) return { message: err.message, code: 1 }
  return null
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
}, async err => {
  const known = await userFacing(err)
  if (known !== null) {
    process.stderr.write(`samsa: ${known.message}\n`)
    process.exitCode = known.code
  } else {
    process.stderr.write(`samsa: ${(err as Error).stack ?? String(err)}\n`)
    process.exitCode = 1
  }
})
