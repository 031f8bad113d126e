import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { PayerOptions } from '@tollgate/client'
import type { SchemeClient } from '@tollgate/core'
import { type EvmAsset, type EvmSigner, exactEvmClient } from '@tollgate/evm'
import {
  type ApprovalRequest,
  parseSpendingPolicy,
  paymentPolicyOf,
  type SpendingPolicy,
  type SpendingPolicyInput,
  SpendStore,
  signerFromEnv,
  signerFromPrivateKey,
  spendingGuard,
} from '@tollgate/wallet'
import type { Command } from 'commander'
import { readManifest } from './manifest.ts'
import { keyFromKeystore } from './secrets.ts'
import { UserError } from './ui.ts'

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
    .option('--manifest <path>', 'dev manifest whose test USDC to recognise', '.tollgate/dev.json')
}

export interface AgentWallet {
  signer: EvmSigner
  assets: Record<string, EvmAsset>
  policy: SpendingPolicy
  store: SpendStore
  schemes: SchemeClient[]
  /** What `wrapFetch` and the MCP payer are given. */
  payer(extra?: Partial<PayerOptions>): PayerOptions
  close(): Promise<void>
}

/**
 * Opens the wallet the flags describe. `onApproval` asks the owner about a payment above the
 * approval threshold; without it such payments are refused with a message saying how to allow them.
 */
export async function openAgentWallet(
  options: WalletCliOptions,
  context: {
    env: NodeJS.ProcessEnv
    howToRaise: string
    promptPassword(question: string): Promise<string>
    onApproval?: ((request: ApprovalRequest) => Promise<boolean>) | undefined
  },
): Promise<AgentWallet> {
  const signer = await loadSigner(options, context)
  const policy = await loadPolicy(options)
  const assets = await knownAssets(options.manifest)
  const storeUrl = options.storeUrl ?? (context.env.TOLLGATE_SPEND_DATABASE_URL || undefined)
  const storeDir =
    options.store ?? (context.env.TOLLGATE_SPEND_STORE || join(homedir(), '.tollgate', 'spending'))
  const store = await SpendStore.open(storeUrl ? { databaseUrl: storeUrl } : { dataDir: storeDir })
  const guard = spendingGuard({
    store,
    policy,
    howToRaise: context.howToRaise,
    ...(context.onApproval ? { onApproval: context.onApproval } : {}),
  })
  const schemes = [exactEvmClient({ signer, assets })]
  return {
    signer,
    assets,
    policy,
    store,
    schemes,
    payer: (extra = {}) => ({
      ...paymentPolicyOf(policy),
      schemes,
      spending: guard,
      howToRaise: context.howToRaise,
      ...extra,
    }),
    close: () => store.close(),
  }
}

/**
 * The wallet's signer: `--keystore` (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt), else
 * TOLLGATE_PRIVATE_KEY. `tollgate wallet` reads addresses the same way.
 */
/** Where `wallet create` and `wallet import` write, and where every command looks last. */
export function defaultKeystorePath(): string {
  return join(homedir(), '.tollgate', 'keystore.json')
}

export async function loadSigner(
  options: Pick<WalletCliOptions, 'keystore'>,
  context: { env: NodeJS.ProcessEnv; promptPassword(question: string): Promise<string> },
): Promise<EvmSigner> {
  if (options.keystore) {
    const password =
      context.env.TOLLGATE_KEYSTORE_PASSWORD ??
      (await context.promptPassword(`password for ${options.keystore}: `))
    return signerFromPrivateKey(await keyFromKeystore(options.keystore, password), 'the keystore')
  }
  if (!context.env.TOLLGATE_PRIVATE_KEY) {
    if (existsSync(defaultKeystorePath()))
      return loadSigner({ keystore: defaultKeystorePath() }, context)
    throw new UserError(
      `no wallet: set TOLLGATE_PRIVATE_KEY, pass --keystore <file>, or create ${defaultKeystorePath()}`,
      'create one with `tollgate wallet create`; on the local devnet the payer key is accounts.payer.privateKey in .tollgate/dev.json',
    )
  }
  try {
    return signerFromEnv(context.env)
  } catch (error) {
    throw new UserError((error as Error).message)
  }
}

/** The policy file, if any, with the flags on top. */
async function loadPolicy(options: WalletCliOptions): Promise<SpendingPolicy> {
  let input: SpendingPolicyInput = {}
  if (options.policy) {
    try {
      input = JSON.parse(await readFile(options.policy, 'utf8'))
    } catch (error) {
      throw new UserError(`cannot read the policy ${options.policy}: ${(error as Error).message}`)
    }
  }
  if (options.maxPayment !== undefined) input = { ...input, maxPayment: options.maxPayment }
  if (options.dailyBudget !== undefined) {
    input = {
      ...input,
      budgets: [...(input.budgets ?? []), { limit: options.dailyBudget, per: 'day' }],
    }
  }
  try {
    return parseSpendingPolicy(input)
  } catch (error) {
    throw new UserError((error as Error).message)
  }
}

/** The default USDC table plus the devnet's test USDC when a manifest is present. */
export async function knownAssets(manifestPath: string): Promise<Record<string, EvmAsset>> {
  if (!existsSync(manifestPath)) return {}
  const manifest = await readManifest(manifestPath)
  return { [manifest.network]: manifest.asset }
}
