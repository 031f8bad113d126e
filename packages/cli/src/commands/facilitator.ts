import type { Command } from 'commander'
import { lazy } from './lazy.ts'

export function registerFacilitator(program: Command): void {
  const facilitator = program
    .command('facilitator')
    .description('run a facilitator for real networks from a config file; manage its keys')
    // Not a commander requiredOption: the subcommands (keys, block…) run without a config.
    .option(
      '--config <file>',
      'JSON config: EVM and Solana networks, RPC URLs, signer keys ($ENV references), operator features',
    )
    .option('--port <port>', 'override the configured port')
    .option(
      '--database-url <url>',
      'PostgreSQL for the ledger, shared by several processes (or DATABASE_URL)',
    )
    .option('--redis-url <url>', 'Redis for rate limits shared by several processes (or REDIS_URL)')
    .action(lazy(async () => (await import('../actions/facilitator.ts')).runFacilitator))
  registerOperatorCommands(facilitator)
}

const keysAction = async () => import('../actions/keys.ts')

function withStoreOptions(command: Command): Command {
  return command
    .option('--database-url <url>', "the facilitator's PostgreSQL ledger (or DATABASE_URL)")
    .option(
      '--ledger-dir <dir>',
      'its embedded ledger instead, only while no facilitator runs on it',
      '.tollgate/ledger',
    )
}

/**
 * `keys add|list|revoke` and `block|unblock|blocklist`: the merchant API keys and the blocklist
 * a facilitator reads with `"source": "database"` / `"blocklist": "database"`.
 */
function registerOperatorCommands(facilitator: Command): void {
  const keys = facilitator
    .command('keys')
    .description("merchant API keys in the facilitator's database")
  withStoreOptions(keys.command('add'))
    .description('create a key for a merchant: printed once on stdout, only its hash is stored')
    .argument('<merchant>', 'who the key is for')
    .option('--network <id...>', 'networks the key may be used on (default: any)')
    .option('--asset <address...>', 'token addresses the key may be paid in (default: any)')
    .action(lazy(async () => (await keysAction()).addKey))
  withStoreOptions(keys.command('list'))
    .description('list the keys (hashes only)')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON instead of a table')
    .action(lazy(async () => (await keysAction()).listKeys))
  withStoreOptions(keys.command('revoke'))
    .description('revoke a key, given the key itself, its hash, or 8+ first characters of its hash')
    .argument('<key-or-hash>')
    .action(lazy(async () => (await keysAction()).revokeKey))

  withStoreOptions(facilitator.command('block'))
    .description('refuse payments from or to an address')
    .argument('<address>')
    .option('--reason <text>', 'why, for the record')
    .action(lazy(async () => (await keysAction()).blockAddress))
  withStoreOptions(facilitator.command('unblock'))
    .description('accept payments from and to an address again')
    .argument('<address>')
    .action(lazy(async () => (await keysAction()).unblockAddress))
  withStoreOptions(facilitator.command('blocklist'))
    .description('list the blocked addresses')
    .option('--json', 'print JSON instead of a table')
    .action(lazy(async () => (await keysAction()).listBlocked))
}
