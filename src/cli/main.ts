#!/usr/bin/env node
// The `samsa` command: dispatches to a subcommand. Usage errors exit 2 with a message naming what was wrong.
import { startCommand } from './start.js'
import { UsageError } from './args.js'
import { ListenError } from '../broker/broker.js'

const HELP = `Usage: samsa <command> [options]

Commands:
  start     run a broker (samsa start --help)

Run 'samsa <command> --help' for a command's options.
`

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start': return await startCommand(rest)
    case undefined: case '-h': case '--help': case 'help':
      process.stdout.write(HELP)
      return command === undefined ? 2 : 0
    default:
      throw new UsageError(`unknown command '${command}'\n\n${HELP}`)
  }
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
}, err => {
  if (err instanceof UsageError) {
    process.stderr.write(`samsa: ${err.message}\n`)
    process.exitCode = 2
  } else if (err instanceof ListenError) {
    process.stderr.write(`samsa: ${err.message}\n`)
    process.exitCode = 1
  } else {
    process.stderr.write(`samsa: ${(err as Error).stack ?? String(err)}\n`)
    process.exitCode = 1
  }
})
