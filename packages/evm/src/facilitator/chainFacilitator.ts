import type {
  ChainFacilitator,
  ChainFacilitatorContext,
  ChainFacilitatorPlugin,
  ChainNetworkSetup,
  ConfigSecrets,
} from '@tollgate/core'
import {
  type Address,
  type Chain,
  createPublicClient,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { defaultEvmAssets, type EvmAsset } from '../assets.ts'
import { exactEvmFacilitator } from './exactEvmFacilitator.ts'
import { settlementAccount } from './nativeSigner.ts'
import type { ExactEvmFacilitatorOptions, SettlementStep } from './options.ts'

/** One EVM network a facilitator settles on, its keys read and its defaults filled in. */
export interface EvmNetworkSetup extends ChainNetworkSetup {
  network: string
  rpcUrl: string
  signerKeys: readonly Hex[]
  assets: readonly EvmAsset[]
  /** Multicall3 on this chain; without it payments settle one transaction each. */
  multicall3?: Address | undefined
  chain?: Chain | undefined
  /** Blocks on top of a settlement before it is confirmed; absent: the network's default. */
  confirmationDepth?: number | undefined
  /** Blocks behind the head watched for reorganisations; absent: 64. */
  reorgWindowBlocks?: number | undefined
  /** How long a send may wait for its receipt in the same call; absent: 1000 ms. */
  syncSendWaitMs?: number | undefined
}

/** The `eip155` entry of `ChainFacilitatorContext.options`: what only an EVM facilitator takes. */
export interface EvmFacilitatorExtras {
  /**
   * The key that signs claims and refunds of batch-settlement channels naming its address as
   * their receiver authorizer; `/supported` advertises that address.
   */
  batchSettlementAuthorizerKey?: Hex | undefined
  /** Who may have refunds signed with that key. @default 'payee-key' */
  batchSettlementRefunds?: 'payee-key' | 'any-caller' | undefined
  /** Test hook: called at each settlement step. */
  onSettlementStep?: ((step: SettlementStep) => void) | undefined
  /** When a transaction counts as stuck, how often recovery runs, the fee cap, the lease. */
  tuning?:
    | Pick<
        ExactEvmFacilitatorOptions,
        'stuckAfterMs' | 'recoveryIntervalMs' | 'idlePassMs' | 'maxFeePerGasCap' | 'leaseMs'
      >
    | undefined
}

/** Multicall3's address on nearly every EVM chain (deployed from the same keyless transaction). */
export const canonicalMulticall3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'

/**
 * A public client for a facilitator. Concurrent reads go out as parallel requests on kept-alive
 * connections; JSON-RPC batching would add a timer tick of latency to every call.
 */
export function rpcClient(rpcUrl: string, chain?: Chain): PublicClient {
  return createPublicClient({
    ...(chain ? { chain } : {}),
    transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }),
  })
}

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address of 20 bytes')
/**
 * A fact the config leaves to whoever runs it (a token's address on a newer chain): an `$ENV`
 * reference, resolved and checked when the network is resolved.
 */
const envReference = z
  .string()
  .regex(/^\$(\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)$/, 'must be an $ENV reference')
const addressOrReference = z.union([hexAddress, envReference])

const signerConfig = z.union([
  z.string().describe('a private key or an $ENV reference to one'),
  z.object({ keystore: z.string(), password: z.string().describe('usually an $ENV reference') }),
])

/** An EVM network in a facilitator config: `eip155:<chain id>`, its RPC, signers and tokens. */
export const evmNetworkConfig = z.object({
  network: z.string().regex(/^eip155:[0-9]+$/, 'must be eip155:<chain id>'),
  rpcUrl: z.string(),
  signers: z.array(signerConfig).min(1),
  assets: z
    .array(
      z.object({
        address: addressOrReference,
        /** The token's EIP-712 domain name and version (its `eip712Domain()`), or $ENV references. */
        name: z.string(),
        version: z.string(),
        decimals: z.union([z.number().int().min(0).max(36), envReference]),
        symbol: z.string().optional(),
      }),
    )
    .optional(),
  multicall3: addressOrReference.optional(),
  /** Blocks on top of a settlement before it is confirmed; absent: the network's default. */
  confirmationDepth: z.number().int().min(0).max(10_000).optional(),
  /** Blocks behind the head watched for reorganisations (at least the depth); absent: 64. */
  reorgWindowBlocks: z.number().int().min(0).max(100_000).optional(),
  /** How long a send may wait for its receipt in the same call (EIP-7966); 0: never. Absent: 1000. */
  syncSendWaitMs: z.number().int().min(0).max(60_000).optional(),
})

type EvmNetworkConfig = z.output<typeof evmNetworkConfig>

const privateKeyPattern = /^0x[0-9a-fA-F]{64}$/

/** Secrets read, defaults filled in; a key never appears in an error, only where it came from. */
export async function resolveEvmNetwork(
  entry: EvmNetworkConfig,
  secrets: ConfigSecrets,
): Promise<EvmNetworkSetup> {
  const assets: EvmAsset[] =
    entry.assets?.map((asset, index) => {
      const source = `${entry.network} asset ${index + 1}`
      return {
        ...asset,
        address: addressFrom(
          secrets.text(asset.address, `${source} address`),
          `${source} address${referenceOf(asset.address)}`,
        ),
        name: secrets.text(asset.name, `${source} name`),
        version: secrets.text(asset.version, `${source} version`),
        decimals: decimalsFrom(
          asset.decimals,
          secrets,
          `${source} decimals${referenceOf(asset.decimals)}`,
        ),
      }
    }) ?? []
  const fallback = defaultEvmAssets[entry.network]
  if (assets.length === 0 && fallback) assets.push(fallback)
  if (assets.length === 0) {
    throw new Error(
      `${entry.network} has no default asset: list its EIP-3009 or Permit2 token under "assets"`,
    )
  }
  const signerKeys = await Promise.all(
    entry.signers.map(async (signer, index) => {
      const source = `${entry.network} signer ${index + 1}`
      const raw =
        typeof signer === 'string'
          ? secrets.text(signer, source)
          : await secrets.keystore(
              secrets.text(signer.keystore, `${source} keystore`),
              secrets.text(signer.password, `${source} password`),
              source,
            )
      const key = raw.trim().startsWith('0x') ? raw.trim() : `0x${raw.trim()}`
      if (!privateKeyPattern.test(key)) {
        throw new Error(`${source}${referenceOf(signer)} is not a 32-byte hex private key`)
      }
      return key as Hex
    }),
  )
  return {
    network: entry.network,
    rpcUrl: secrets.text(entry.rpcUrl, `${entry.network} rpcUrl`),
    signerKeys,
    assets,
    multicall3: entry.multicall3
      ? addressFrom(
          secrets.text(entry.multicall3, `${entry.network} multicall3`),
          `${entry.network} multicall3${referenceOf(entry.multicall3)}`,
        )
      : (canonicalMulticall3 as Address),
    ...(entry.confirmationDepth !== undefined
      ? { confirmationDepth: entry.confirmationDepth }
      : {}),
    ...(entry.reorgWindowBlocks !== undefined
      ? { reorgWindowBlocks: entry.reorgWindowBlocks }
      : {}),
    ...(entry.syncSendWaitMs !== undefined ? { syncSendWaitMs: entry.syncSendWaitMs } : {}),
  }
}

function decimalsFrom(value: number | string, secrets: ConfigSecrets, source: string): number {
  if (typeof value === 'number') return value
  const text = secrets.text(value, source).trim()
  const decimals = Number(text)
  if (!/^\d{1,2}$/.test(text) || decimals > 36)
    throw new Error(`${source} must be a whole number from 0 to 36, not "${text.slice(0, 20)}"`)
  return decimals
}

function addressFrom(value: string, source: string): Address {
  if (!hexAddress.safeParse(value.trim()).success)
    throw new Error(`${source} must be a 0x address of 20 bytes, not "${value.slice(0, 60)}"`)
  return value.trim() as Address
}

/**
 * Every EVM scheme on every EVM network: exact (EIP-3009 and Permit2), upto and batch-settlement
 * share one settlement engine, its signers and the ledger. A new EVM scheme is registered here.
 */
export function evmChainFacilitator(
  setups: readonly EvmNetworkSetup[],
  context: ChainFacilitatorContext,
  extras: EvmFacilitatorExtras = {},
): ChainFacilitator {
  const scheme = exactEvmFacilitator({
    ledger: context.ledger,
    networks: setups.map((setup) => ({
      network: setup.network,
      client: rpcClient(setup.rpcUrl, setup.chain),
      signers: setup.signerKeys.map((key) => settlementAccount(key)),
      assets: setup.assets,
      multicall3: setup.multicall3,
      confirmationDepth: setup.confirmationDepth,
      reorgWindowBlocks: setup.reorgWindowBlocks,
      syncSendWaitMs: setup.syncSendWaitMs,
    })),
    ...(context.receiptTimeoutMs ? { receiptTimeoutMs: context.receiptTimeoutMs } : {}),
    ...(context.batch !== undefined ? { batch: context.batch } : {}),
    ...(context.instanceId ? { instanceId: context.instanceId } : {}),
    ...(context.logger ? { logger: context.logger } : {}),
    ...(extras.onSettlementStep ? { onSettlementStep: extras.onSettlementStep } : {}),
    ...(extras.batchSettlementAuthorizerKey
      ? { batchSettlementAuthorizer: privateKeyToAccount(extras.batchSettlementAuthorizerKey) }
      : {}),
    ...(extras.batchSettlementRefunds
      ? { batchSettlementRefunds: extras.batchSettlementRefunds }
      : {}),
    ...extras.tuning,
  })
  return {
    schemes: [scheme, scheme.upto, scheme.batchSettlement],
    start: () => scheme.start(),
    stop: () => scheme.stop(),
  }
}

/** `evmChain.facilitator`: EVM networks from a facilitator config. */
export const evmFacilitatorPlugin: ChainFacilitatorPlugin = {
  networkConfig: evmNetworkConfig,
  resolve: (entry, secrets) => resolveEvmNetwork(evmNetworkConfig.parse(entry), secrets),
  build: (setups, context) =>
    evmChainFacilitator(
      setups as readonly EvmNetworkSetup[],
      context,
      context.options?.eip155 as EvmFacilitatorExtras | undefined,
    ),
}

/** " (from $NAME)" for a value read from the environment, so an error names the variable. */
function referenceOf(value: unknown): string {
  return typeof value === 'string' && value.trim().startsWith('$') ? ` (from ${value.trim()})` : ''
}
