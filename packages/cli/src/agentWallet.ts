import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { PayerOptions, RefusalCause } from '@tollgate/client'
import { type SchemeClient, solanaNetworks } from '@tollgate/core'
import {
  batchSettlementEvmClient,
  type EvmAsset,
  type EvmSigner,
  exactEvmClient,
  uptoEvmClient,
} from '@tollgate/evm'
import { type DevManifest, readManifest } from '@tollgate/manifest'
import { exactSvmClient, type SvmSigner, svmSignerFromSecretKey } from '@tollgate/svm'
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
import { createPublicClient, http } from 'viem'
import type { WalletCliOptions } from './commands/walletOptions.ts'
import { defaultKeystorePath, defaultSpendStorePath } from './paths.ts'
import { keyFromKeystore } from './secrets.ts'
import { UserError } from './ui.ts'
export interface AgentWallet {
  signer: EvmSigner
  /** The Solana signer, from TOLLGATE_SOLANA_SECRET_KEY; without it the wallet pays on EVM only. */
  solanaSigner: SvmSigner | undefined
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
  const solanaSigner = await loadSolanaSigner(context.env)
  const policy = await loadPolicy(options)
  const dev = await devManifest(options.manifest)
  const assets: Record<string, EvmAsset> = dev ? { [dev.network]: dev.asset } : {}
  const storeUrl = options.storeUrl ?? (context.env.TOLLGATE_SPEND_DATABASE_URL || undefined)
  const storeDir = options.store ?? (context.env.TOLLGATE_SPEND_STORE || defaultSpendStorePath())
  const store = await SpendStore.open(storeUrl ? { databaseUrl: storeUrl } : { dataDir: storeDir })
  const guard = spendingGuard({
    store,
    policy,
    howToRaise: context.howToRaise,
    ...(context.onApproval ? { onApproval: context.onApproval } : {}),
  })
  const schemes = walletSchemes({ signer, solanaSigner, dev, env: context.env })
  return {
    signer,
    solanaSigner,
    assets,
    policy,
    store,
    schemes,
    payer: (extra = {}) => ({
      ...paymentPolicyOf(policy),
      schemes,
      spending: guard,
      howToRaise: context.howToRaise,
      hints: refusalHints(options.manifest, dev, solanaSigner !== undefined),
      ...extra,
    }),
    close: () => store.close(),
  }
}

/**
 * The wallet's signer: `--keystore` (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt), else
 * TOLLGATE_PRIVATE_KEY. `tollgate wallet` reads addresses the same way.
 */
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

/**
 * Advice for refusals no limit caused, naming what the wallet looked at: the manifest that would
 * make the devnet's token known, how to fund a devnet wallet, the key that pays on Solana.
 */
function refusalHints(
  manifestPath: string,
  dev: DevManifest | undefined,
  hasSolana: boolean,
): Partial<Record<RefusalCause, string>> {
  const where = resolve(manifestPath)
  return {
    unknownAsset: dev
      ? `known: each main network's USDC and, from ${where}, the devnet's ${dev.asset.symbol} ${dev.asset.address} on ${dev.network}`
      : `known: each main network's USDC; a devnet's test token is known only from its manifest, and there is none at ${where} (start \`tollgate dev\` there or pass --manifest <file>)`,
    balance: dev
      ? 'on the local devnet, `tollgate wallet fund` gives a wallet test USDC and gas'
      : 'the wallet needs more of that token on that network',
    ...(hasSolana
      ? {}
      : {
          noSigner: 'to pay on Solana, set TOLLGATE_SOLANA_SECRET_KEY (base58 of the 64-byte key)',
        }),
  }
}

/** The manifest of the local stack, when there is one. */
async function devManifest(manifestPath: string): Promise<DevManifest | undefined> {
  return existsSync(manifestPath) ? readManifest(manifestPath) : undefined
}

/**
 * The Solana key, base58 of its 64 bytes, from TOLLGATE_SOLANA_SECRET_KEY. The dev manifest's
 * Solana payer is never used implicitly: a wallet pays only with keys its owner gave it.
 */
export async function loadSolanaSigner(env: NodeJS.ProcessEnv): Promise<SvmSigner | undefined> {
  const secret = env.TOLLGATE_SOLANA_SECRET_KEY
  if (!secret) return undefined
  try {
    return await svmSignerFromSecretKey(secret)
  } catch {
    throw new UserError(
      'TOLLGATE_SOLANA_SECRET_KEY is not a base58 64-byte Solana secret key',
      'on the local devnet it is solana.payer.secretKey in .tollgate/dev.json',
    )
  }
}

/** Public Solana RPC endpoints, for a wallet with neither TOLLGATE_SOLANA_RPC_URL nor a manifest. */
const publicSolanaRpcUrls: Readonly<Record<string, string>> = {
  [solanaNetworks.mainnet]: 'https://api.mainnet-beta.solana.com',
  [solanaNetworks.devnet]: 'https://api.devnet.solana.com',
}

/**
 * What the wallet signs with: EVM always, Solana when it has a Solana key. Each reads balances
 * where it knows an RPC (so a route offered on several chains is paid where the wallet holds
 * enough): the local stack's from the manifest, for Solana also TOLLGATE_SOLANA_RPC_URL or the
 * public clusters.
 */
function walletSchemes(wallet: {
  signer: EvmSigner
  solanaSigner: SvmSigner | undefined
  dev: DevManifest | undefined
  env: NodeJS.ProcessEnv
}): SchemeClient[] {
  const { dev, solanaSigner } = wallet
  const evm = {
    signer: wallet.signer,
    ...(dev
      ? { assets: { [dev.network]: dev.asset }, rpcUrls: { [dev.network]: dev.rpcUrl } }
      : {}),
  }
  // `upto` is counted at its maximum until the receipt names the charge. A channel's state is
  // read back from the escrow in a new process (and corrected by the seller's 402 if stale).
  const schemes: SchemeClient[] = [
    exactEvmClient(evm),
    uptoEvmClient(evm),
    batchSettlementEvmClient({
      ...evm,
      ...(dev
        ? { clients: { [dev.network]: createPublicClient({ transport: http(dev.rpcUrl) }) } }
        : {}),
    }),
  ]
  if (!solanaSigner) return schemes
  const rpcUrl = wallet.env.TOLLGATE_SOLANA_RPC_URL || undefined
  if (rpcUrl) {
    schemes.push(exactSvmClient({ signer: solanaSigner, rpcUrl, ...svmAssetsOf(dev) }))
    return schemes
  }
  // The manifest's cluster is the local devnet, even though it answers as Solana devnet.
  const endpoints = {
    ...publicSolanaRpcUrls,
    ...(dev ? { [dev.solana.network]: dev.solana.rpcUrl } : {}),
  }
  for (const [network, url] of Object.entries(endpoints)) {
    schemes.push(
      exactSvmClient({
        signer: solanaSigner,
        rpcUrl: url,
        networks: [network],
        ...svmAssetsOf(dev),
      }),
    )
  }
  return schemes
}

/** The local test USDC mint, known as a dollar when the manifest is present. */
function svmAssetsOf(dev: DevManifest | undefined) {
  if (!dev) return {}
  const { network, mint, decimals } = dev.solana
  return { assets: { [network]: { address: mint, decimals, symbol: 'USDC' } } }
}
