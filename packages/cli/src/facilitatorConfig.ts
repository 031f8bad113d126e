import { readFile } from 'node:fs/promises'
import { defaultEvmAssets, type EvmAsset } from '@tollgate/evm'
import { defaultSvmAssets, type SvmAsset, svmSignerFromSecretKey } from '@tollgate/svm'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { canonicalMulticall3, type EvmNetworkSetup } from './evmFacilitator.ts'
import { operatorConfigSchema } from './operatorConfig.ts'
import { asPrivateKey, keyFromKeystore, resolveEnvReference } from './secrets.ts'
import type { SvmNetworkSetup } from './svmFacilitator.ts'
import { UserError } from './ui.ts'

const assetSchema = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  name: z.string(),
  version: z.string(),
  decimals: z.number().int().min(0).max(36),
  symbol: z.string().optional(),
})

const signerSchema = z.union([
  z.string().describe('a private key or an $ENV reference to one'),
  z.object({ keystore: z.string(), password: z.string().describe('usually an $ENV reference') }),
])

const evmNetworkSchema = z.object({
  network: z
    .string()
    .regex(/^eip155:[0-9]+$/, 'must be eip155:<chain id> or solana:<genesis hash>'),
  rpcUrl: z.string(),
  signers: z.array(signerSchema).min(1),
  assets: z.array(assetSchema).optional(),
  multicall3: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  /** Blocks on top of a settlement before it is confirmed; absent: the network's default. */
  confirmationDepth: z.number().int().min(0).max(10_000).optional(),
  /** Blocks behind the head watched for reorganisations (at least the depth); absent: 64. */
  reorgWindowBlocks: z.number().int().min(0).max(100_000).optional(),
})

const base58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/** A Solana cluster: the fee payers' keys are base58 64-byte secrets, as $ENV references. */
const svmNetworkSchema = z.strictObject({
  network: z.string().regex(/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/, 'must be solana:<genesis hash>'),
  rpcUrl: z.string(),
  feePayers: z
    .array(z.string().describe('a base58 64-byte secret key, usually an $ENV reference'))
    .min(1),
  /** The only mints accepted; absent: the cluster's USDC. */
  assets: z
    .array(
      z.strictObject({
        address: z.string().regex(base58).min(32).max(44),
        decimals: z.number().int().min(0).max(18),
        symbol: z.string().optional(),
        tokenProgram: z.string().regex(base58).min(32).max(44).optional(),
      }),
    )
    .min(1)
    .optional(),
  /** Microlamports per compute unit; with the limit it bounds the fee of one transaction. */
  maxComputeUnitPrice: z.number().int().min(0).max(1_000_000_000).optional(),
  maxComputeUnitLimit: z.number().int().min(1).max(1_400_000).optional(),
})

type EvmNetworkConfig = z.output<typeof evmNetworkSchema>
type SvmNetworkConfig = z.output<typeof svmNetworkSchema>

/** An entry of `networks`: Solana when its id is `solana:…`, else EVM. */
const networkSchema = z
  .looseObject({ network: z.string() })
  .transform((entry, context): EvmNetworkConfig | SvmNetworkConfig | never => {
    const schema = entry.network.startsWith('solana:') ? svmNetworkSchema : evmNetworkSchema
    const parsed = schema.safeParse(entry)
    if (parsed.success) return parsed.data
    for (const issue of parsed.error.issues) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path })
    }
    return z.NEVER
  })

/** `tollgate facilitator --config <file>`: networks by CAIP-2 id, RPC URLs, signers, assets. */
export const facilitatorConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(4020),
  receiptTimeoutMs: z.number().int().positive().optional(),
  /** PostgreSQL URL (or an $ENV reference) shared by every process; absent: embedded ledger. */
  databaseUrl: z.string().optional(),
  /** Folder of the embedded ledger when there is no database URL. */
  ledgerDir: z.string().default('.tollgate/ledger'),
  /** Payments per settlement transaction (Multicall3); false settles one by one. */
  batch: z
    .union([
      z.literal(false),
      z.object({
        maxSize: z.number().int().min(1).max(500),
        maxWaitMs: z.number().int().min(0).max(10_000),
      }),
    ])
    .default({ maxSize: 100, maxWaitMs: 10 }),
  networks: z.array(networkSchema).min(1),
  /** API keys, rate limits, blocklist, metrics and ledger API tokens; absent: all off. */
  operator: operatorConfigSchema.optional(),
})

export type FacilitatorConfig = z.output<typeof facilitatorConfigSchema>

export async function loadFacilitatorConfig(path: string): Promise<FacilitatorConfig> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new UserError(
      `cannot read ${path}: ${(error as Error).message}`,
      'pass a JSON file such as config/facilitator.base-sepolia.json',
    )
  }
  const parsed = facilitatorConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new UserError(`${path} is not a valid facilitator config:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data
}

/** What the facilitator is built from: EVM networks and Solana clusters, secrets resolved. */
export interface ResolvedNetworks {
  evm: EvmNetworkSetup[]
  svm: SvmNetworkSetup[]
}

/** Resolves secrets and defaults into what the facilitator is built from. */
export async function resolveNetworks(
  config: FacilitatorConfig,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedNetworks> {
  const resolved: ResolvedNetworks = { evm: [], svm: [] }
  for (const network of config.networks) {
    if ('feePayers' in network) resolved.svm.push(await resolveSvmNetwork(network, env))
    else resolved.evm.push(await resolveEvmNetwork(network, env))
  }
  return resolved
}

async function resolveEvmNetwork(
  network: EvmNetworkConfig,
  env: NodeJS.ProcessEnv,
): Promise<EvmNetworkSetup> {
  const assets: EvmAsset[] =
    network.assets?.map((asset) => ({ ...asset, address: asset.address as Hex })) ?? []
  const fallback = defaultEvmAssets[network.network]
  if (assets.length === 0 && fallback) assets.push(fallback)
  if (assets.length === 0) {
    throw new UserError(
      `${network.network} has no default asset`,
      'list its EIP-3009 token under "assets"',
    )
  }
  const signerKeys = await Promise.all(
    network.signers.map(async (signer, index) => {
      const source = `${network.network} signer ${index + 1}${referenceOf(signer)}`
      if (typeof signer === 'string') return asPrivateKey(resolveEnvReference(signer, env), source)
      return keyFromKeystore(
        resolveEnvReference(signer.keystore, env),
        resolveEnvReference(signer.password, env),
      )
    }),
  )
  return {
    network: network.network,
    rpcUrl: resolveEnvReference(network.rpcUrl, env),
    signerKeys,
    assets,
    multicall3: (network.multicall3 ?? canonicalMulticall3) as Address,
    ...(network.confirmationDepth !== undefined
      ? { confirmationDepth: network.confirmationDepth }
      : {}),
    ...(network.reorgWindowBlocks !== undefined
      ? { reorgWindowBlocks: network.reorgWindowBlocks }
      : {}),
  }
}

/** A Solana cluster: each fee payer key is read and checked, and never appears in an error. */
async function resolveSvmNetwork(
  network: SvmNetworkConfig,
  env: NodeJS.ProcessEnv,
): Promise<SvmNetworkSetup> {
  const assets: SvmAsset[] = network.assets ?? []
  const fallback = defaultSvmAssets[network.network]
  if (assets.length === 0 && fallback) assets.push(fallback)
  if (assets.length === 0) {
    throw new UserError(`${network.network} has no default asset`, 'list its mints under "assets"')
  }
  const feePayers = await Promise.all(
    network.feePayers.map(async (reference, index) => {
      const source = `${network.network} fee payer ${index + 1}${referenceOf(reference)}`
      try {
        return await svmSignerFromSecretKey(resolveEnvReference(reference, env))
      } catch (error) {
        if (error instanceof UserError) throw error
        throw new UserError(
          `${source} is not a base58 64-byte Solana secret key`,
          'export it as base58 of the 64-byte keypair (solana-keygen files hold the same bytes)',
        )
      }
    }),
  )
  return {
    network: network.network,
    rpcUrl: resolveEnvReference(network.rpcUrl, env),
    feePayers,
    assets,
    maxComputeUnitPrice:
      network.maxComputeUnitPrice === undefined ? undefined : BigInt(network.maxComputeUnitPrice),
    maxComputeUnitLimit: network.maxComputeUnitLimit,
  }
}

/** " (from $NAME)" for a value read from the environment, so an error names the variable. */
function referenceOf(value: unknown): string {
  return typeof value === 'string' && value.trim().startsWith('$') ? ` (from ${value.trim()})` : ''
}
