import type { Command } from 'commander'
import { defaultManifestPath } from '../paths.ts'

/** The options `tollgate pay` and `tollgate mcp` share: the wallet, its policy and its store. */
export interface WalletCliOptions {
  keystore?: string
  maxPayment?: string
  dailyBudget?: string
  policy?: string
  store?: string
  storeUrl?: string
  manifest: string
}

export function addWalletOptions(command: Command): Command {
  return command
    .option(
      '--keystore <file>',
      'encrypted JSON keystore (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt); default: TOLLGATE_PRIVATE_KEY',
    )
    .option('--max-payment <usd>', 'largest single payment, in dollars (default 0.10)')
    .option('--daily-budget <usd>', 'most to spend in any 24 hours, in dollars')
    .option('--policy <file>', 'spending policy JSON: caps, budgets, allowed networks/payees/hosts')
    .option(
      '--store <dir>',
      'where spending is recorded (or TOLLGATE_SPEND_STORE; default ~/.tollgate/spending)',
    )
    .option(
      '--store-url <url>',
      'record spending in PostgreSQL instead, shared by several agents (or TOLLGATE_SPEND_DATABASE_URL)',
    )
    .option('--manifest <path>', 'dev manifest whose test USDC to recognise', defaultManifestPath)
    .addHelpText(
      'after',
      "\nSolana: with TOLLGATE_SOLANA_SECRET_KEY (base58 of the 64-byte key) the wallet also pays on Solana,\nthrough TOLLGATE_SOLANA_RPC_URL, the manifest's devnet or the public clusters. Where a route offers\nseveral chains, it pays on the first one whose balance covers the price.",
    )
}
