import type { Command } from 'commander'
import { defaultManifestPath } from '../paths.ts'
import { lazy } from './lazy.ts'
import { parseChainId, parsePort, wholeNumber } from './shared.ts'

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'run the local stack: anvil and Solana devnets, facilitator and a paid example API',
    )
    .option('--rpc-port <port>', 'anvil JSON-RPC port', parsePort, 8545)
    .option('--facilitator-port <port>', 'facilitator port', parsePort, 4020)
    .option('--api-port <port>', 'example API port', parsePort, 4021)
    .option('--solana-port <port>', 'embedded Solana devnet JSON-RPC port', parsePort, 8899)
    .option(
      '--chain-id <id>',
      'chain id of the devnet (84532 makes it look like Base Sepolia)',
      parseChainId,
      31337,
    )
    .option('--manifest <path>', 'where to write the manifest', defaultManifestPath)
    .action(lazy(async () => (await import('../actions/dev.ts')).runDev))
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start the local stack on free ports and let agents pay the example API on EVM and Solana',
    )
    .option('--requests <n>', 'paid requests on each chain', wholeNumber(1, 1000), 1)
    .option('--chain-id <id>', 'chain id of the devnet', parseChainId, 31337)
    .action(lazy(async () => (await import('../actions/demo.ts')).runDemo))
}
