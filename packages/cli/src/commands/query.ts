import { type Command, InvalidArgumentError as InvalidArgument } from 'commander'
import { defaultManifestPath } from '../paths.ts'
import { lazy } from './lazy.ts'
import { wholeNumber } from './shared.ts'

const defaultFacilitatorUrl = 'http://127.0.0.1:4020'

export function registerLedger(program: Command): void {
  program
    .command('ledger')
    .description(
      'recent payments and their states: from --database-url, else from a running facilitator',
    )
    .option('--limit <n>', 'how many, newest first (1 to 500)', wholeNumber(1, 500), 50)
    .option(
      '--state <state...>',
      'only these states: received, verified, submitted, pending, confirmed, failed',
    )
    .option('--network <id>', 'only this network (CAIP-2 id)')
    .option('--json', 'print JSON instead of a table')
    .option('--database-url <url>', 'read a PostgreSQL ledger directly (or DATABASE_URL)')
    .option(
      '--facilitator-url <url>',
      `ask this facilitator (default: the dev manifest's, else ${defaultFacilitatorUrl})`,
    )
    .option('--admin-token <token>', "the facilitator's admin token (or TOLLGATE_ADMIN_TOKEN)")
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .action(lazy(async () => (await import('../actions/ledger.ts')).showLedger))
}

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description("search the paid APIs a facilitator has catalogued (x402 'bazaar' discovery)")
    .argument('<query>', 'words to look for, e.g. "weather lisbon"')
    .option('--type <type>', 'only http or mcp resources', oneOf(['http', 'mcp']))
    .option('--network <id>', 'only resources payable on this network (CAIP-2 id)')
    // The facilitator caps it too (discoveryLimits.max in @tollgate/core).
    .option('--limit <n>', 'how many, best first (1 to 100)', wholeNumber(1, 100), 20)
    .option('--json', 'print JSON instead of a table')
    .option(
      '--facilitator-url <url>',
      `ask this facilitator (default: the dev manifest's, else ${defaultFacilitatorUrl})`,
    )
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .action(lazy(async () => (await import('../actions/discover.ts')).discover))
}

function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((choice) => choice === value)
    if (found === undefined) throw new InvalidArgument(`takes ${choices.join(' or ')}`)
    return found
  }
}
