import { type Command, InvalidArgumentError } from 'commander'
import { defaultKeystorePath, defaultManifestPath } from '../paths.ts'
import { lazy } from './lazy.ts'

const walletActions = async () => import('../actions/wallet.ts')

function parseAsset(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InvalidArgumentError('not an address')
  return value
}

export function registerWallet(program: Command): void {
  const wallet = program
    .command('wallet')
    .description("the agent's key: an encrypted keystore, its address and balances")
  const keystoreHelp = 'encrypted JSON keystore to write'
  wallet
    .command('create')
    .description(
      'generate a key and save it encrypted (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt)',
    )
    .option('--keystore <file>', keystoreHelp, defaultKeystorePath())
    .option('--force', 'replace an existing keystore file (its key is lost unless backed up)')
    .action(lazy(async () => (await walletActions()).createWallet))
  wallet
    .command('import')
    .description(
      'encrypt an existing key, read from TOLLGATE_PRIVATE_KEY or stdin (never an argument)',
    )
    .option('--keystore <file>', keystoreHelp, defaultKeystorePath())
    .option('--force', 'replace an existing keystore file (its key is lost unless backed up)')
    .action(lazy(async () => (await walletActions()).importWallet))
  const readHelp = `keystore to read (default: TOLLGATE_PRIVATE_KEY, else ${defaultKeystorePath()})`
  wallet
    .command('address')
    .description("print the wallet's address (a v3 keystore records it: no password needed)")
    .option('--keystore <file>', readHelp)
    .action(lazy(async () => (await walletActions()).printAddress))
  wallet
    .command('balance')
    .description("print the wallet's native and USDC balances")
    .option('--keystore <file>', readHelp)
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .option('--rpc-url <url>', 'ask this node instead of the devnet in the manifest')
    .option(
      '--asset <address>',
      "token to show (default: the manifest's, or the chain's USDC)",
      parseAsset,
    )
    .option('--json', 'print JSON instead of text')
    .action(lazy(async () => (await walletActions()).printBalance))
  wallet
    .command('fund')
    .description(
      'give the wallet test USDC and gas on the local devnet of `tollgate dev` (devnet only)',
    )
    .option('--keystore <file>', readHelp)
    .option('--address <address>', 'fund this address instead of the wallet')
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .option('--usdc <amount>', 'test USDC to mint', '100')
    .option('--eth <amount>', 'ether to send for gas', '1')
    .option('--json', 'print the new balances as JSON')
    .action(lazy(async () => (await import('../actions/walletFund.ts')).fundWallet))
  const channelActions = async () => import('../actions/walletChannels.ts')
  wallet
    .command('channels')
    .description(
      "list the wallet's batch-settlement channels: deposited, claimed by the seller, unclaimed",
    )
    .option('--keystore <file>', readHelp)
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .option('--rpc-url <url>', 'ask this node instead of the devnet in the manifest')
    .option('--json', 'print JSON instead of text')
    .action(lazy(async () => (await channelActions()).printChannels))
  wallet
    .command('withdraw')
    .description(
      "take back what a channel's seller has not claimed: starts the channel's withdraw delay, and run again after it, finishes",
    )
    .argument('<channel-id>', 'the channel, as `tollgate wallet channels` lists it')
    .option('--keystore <file>', readHelp)
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
    .option('--rpc-url <url>', 'send to this node instead of the devnet in the manifest')
    .action(lazy(async () => (await channelActions()).withdrawChannel))
}
