import type {
  ChainFacilitator,
  ChainFacilitatorContext,
  ChainFacilitatorPlugin,
  ChainNetworkSetup,
  ConfigSecrets,
} from '@tollgate/core'
import { z } from 'zod'
import { defaultSvmAssets, type SvmAsset } from '../assets.ts'
import { svmSignerFromSecretKey } from '../signer.ts'
import { exactSvmFacilitator } from './exactSvmFacilitator.ts'
import {
  type ExactSvmFacilitatorOptions,
  exactSvmDefaults,
  worstCaseFeeLamports,
} from './options.ts'

/** One Solana cluster a facilitator settles on. */
export interface SvmNetworkSetup extends ChainNetworkSetup {
  /** CAIP-2 id, e.g. `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1` (devnet). */
  network: string
  rpcUrl: string
  /** Keys that pay the fees and co-sign as fee payer (signers, never raw keys). */
  feePayers: ExactSvmFacilitatorOptions['feePayers']
  /** The only mints accepted for payment. */
  assets: readonly SvmAsset[]
  /** Microlamports per compute unit. @default 5_000_000n */
  maxComputeUnitPrice?: bigint | undefined
  /** @default 200_000 */
  maxComputeUnitLimit?: number | undefined
}

const base58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/** A Solana cluster in a facilitator config: fee payers' keys are base58 64-byte secrets. */
export const svmNetworkConfig = z.strictObject({
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

/** Each fee payer's key is read and checked, and never appears in an error. */
export async function resolveSvmNetwork(
  entry: z.output<typeof svmNetworkConfig>,
  secrets: ConfigSecrets,
): Promise<SvmNetworkSetup> {
  const assets: SvmAsset[] = entry.assets ?? []
  const fallback = defaultSvmAssets[entry.network]
  if (assets.length === 0 && fallback) assets.push(fallback)
  if (assets.length === 0) {
    throw new Error(`${entry.network} has no default asset: list its mints under "assets"`)
  }
  const feePayers = await Promise.all(
    entry.feePayers.map(async (reference, index) => {
      const source = `${entry.network} fee payer ${index + 1}`
      const secret = secrets.text(reference, source)
      try {
        return await svmSignerFromSecretKey(secret)
      } catch {
        const from = reference.trim().startsWith('$') ? ` (from ${reference.trim()})` : ''
        throw new Error(
          `${source}${from} is not a base58 64-byte Solana secret key: export it as base58 of ` +
            'the 64-byte keypair (solana-keygen files hold the same bytes)',
        )
      }
    }),
  )
  return {
    network: entry.network,
    rpcUrl: secrets.text(entry.rpcUrl, `${entry.network} rpcUrl`),
    feePayers,
    assets,
    maxComputeUnitPrice:
      entry.maxComputeUnitPrice === undefined ? undefined : BigInt(entry.maxComputeUnitPrice),
    maxComputeUnitLimit: entry.maxComputeUnitLimit,
  }
}

/** The most one accepted transaction can cost a fee payer of `setup`, in lamports. */
export function svmWorstCaseFee(setup: SvmNetworkSetup): bigint {
  return worstCaseFeeLamports({
    maxComputeUnitPrice: setup.maxComputeUnitPrice ?? exactSvmDefaults.maxComputeUnitPrice,
    maxComputeUnitLimit: setup.maxComputeUnitLimit ?? exactSvmDefaults.maxComputeUnitLimit,
    maxSignatures: exactSvmDefaults.maxSignatures,
  })
}

/**
 * The exact scheme on each cluster. Settlements are kept in the ledger's database when it has one
 * (`messageSettlements`), so a payment settles once across restarts and processes; every
 * verification is recorded in the ledger.
 */
export function svmChainFacilitator(
  setups: readonly SvmNetworkSetup[],
  context: Pick<ChainFacilitatorContext, 'ledger'>,
): ChainFacilitator {
  const records = context.ledger.messageSettlements?.()
  const schemes = setups.map((setup) =>
    exactSvmFacilitator({
      rpcUrl: setup.rpcUrl,
      feePayers: setup.feePayers,
      networks: [setup.network],
      assets: setup.assets,
      ...(setup.maxComputeUnitPrice !== undefined
        ? { maxComputeUnitPrice: setup.maxComputeUnitPrice }
        : {}),
      ...(setup.maxComputeUnitLimit !== undefined
        ? { maxComputeUnitLimit: setup.maxComputeUnitLimit }
        : {}),
      ...(records ? { settle: { records } } : {}),
      verifications: context.ledger,
    }),
  )
  return {
    schemes,
    start: async () => undefined,
    stop: async () => undefined,
    summary: () => ({
      // The most one accepted transaction can cost its fee payer (compute caps).
      worstCaseFeeLamports: Object.fromEntries(
        setups.map((setup) => [setup.network, svmWorstCaseFee(setup).toString()]),
      ),
    }),
  }
}

/** `svmChain.facilitator`: Solana clusters from a facilitator config. */
export const svmFacilitatorPlugin: ChainFacilitatorPlugin = {
  networkConfig: svmNetworkConfig,
  resolve: (entry, secrets) => resolveSvmNetwork(svmNetworkConfig.parse(entry), secrets),
  build: (setups, context) => svmChainFacilitator(setups as readonly SvmNetworkSetup[], context),
}
