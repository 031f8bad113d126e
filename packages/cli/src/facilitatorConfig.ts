import { readFile } from 'node:fs/promises'
import { defaultEvmAssets, type EvmAsset } from '@tollgate/evm'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { canonicalMulticall3, type EvmNetworkSetup } from './evmFacilitator.ts'
import { operatorConfigSchema } from './operatorConfig.ts'
import { asPrivateKey, keyFromKeystore, resolveEnvReference } from './secrets.ts'
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
  networks: z
    .array(
      z.object({
        network: z.string().regex(/^eip155:[0-9]+$/, 'must be eip155:<chain id>'),
        rpcUrl: z.string(),
        signers: z.array(signerSchema).min(1),
        assets: z.array(assetSchema).optional(),
        multicall3: z
          .string()
          .regex(/^0x[0-9a-fA-F]{40}$/)
          .optional(),
      }),
    )
    .min(1),
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

/** Resolves secrets and defaults into what the facilitator is built from. */
export async function resolveNetworks(
  config: FacilitatorConfig,
  env: NodeJS.ProcessEnv,
): Promise<EvmNetworkSetup[]> {
  return Promise.all(
    config.networks.map(async (network) => {
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
          const source = `${network.network} signer ${index + 1}`
          if (typeof signer === 'string')
            return asPrivateKey(resolveEnvReference(signer, env), source)
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
      }
    }),
  )
}
