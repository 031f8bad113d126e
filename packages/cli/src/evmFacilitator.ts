import type { DiscoveryCatalog, SchemeFacilitator, SettlementLedger } from '@tollgate/core'
import {
  type EvmAsset,
  type ExactEvmFacilitator,
  type ExactEvmFacilitatorOptions,
  exactEvmFacilitator,
  type SettlementStep,
} from '@tollgate/evm'
import {
  createFacilitatorApp,
  Facilitator,
  type FacilitatorApp,
  type FacilitatorAppOptions,
  type Logger,
} from '@tollgate/facilitator'
import { type OpenLedgerOptions, openLedger, SqlLedger, SqlSvmSettlements } from '@tollgate/ledger'
import {
  type Address,
  type Chain,
  createPublicClient,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { buildSvmSchemes, type SvmNetworkSetup } from './svmFacilitator.ts'

export interface EvmNetworkSetup {
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

export interface BuiltFacilitator {
  facilitator: Facilitator
  app: FacilitatorApp
  scheme: ExactEvmFacilitator
  ledger: SettlementLedger
  /** Stops recovery, waits for batches in flight and cataloguing, and closes a ledger it opened. */
  close(): Promise<void>
}

/**
 * Wires the EVM exact scheme, its ledger and the HTTP app, and starts recovery (which settles
 * anything a previous run left unfinished before the first request). Solana clusters in `svm`
 * are served next to it, their settlements kept in the same ledger database.
 */
export async function buildEvmFacilitator(options: {
  networks: readonly EvmNetworkSetup[]
  /** Solana clusters served by the exact SVM scheme, next to the EVM networks. */
  svm?: readonly SvmNetworkSetup[]
  /** A ledger to use, or where to open one (default: an embedded one in memory). */
  ledger?: SettlementLedger | OpenLedgerOptions
  logger?: Logger
  receiptTimeoutMs?: number
  batch?: { maxSize: number; maxWaitMs: number } | false
  instanceId?: string
  /** Operator features of the HTTP app: API keys, rate limits, blocklist, metrics. */
  app?: FacilitatorAppOptions
  /** Turns discovery on: settled `bazaar` declarations are catalogued and served here. */
  catalog?: DiscoveryCatalog
  /**
   * The key that signs claims and refunds of batch-settlement channels naming its address as
   * their receiver authorizer; `/supported` advertises that address.
   */
  batchSettlementAuthorizerKey?: Hex | undefined
  /** Who may have refunds signed with that key (`batchSettlementRefunds`). @default 'payee-key' */
  batchSettlementRefunds?: 'payee-key' | 'any-caller' | undefined
  /** Test hook: called at each settlement step (see `SettlementStep`). */
  onSettlementStep?: (step: SettlementStep) => void
  /**
   * Settlement tuning: when a transaction counts as stuck, how often recovery runs, the fee cap,
   * how long a claim on a payment lasts unrenewed.
   */
  tuning?: Pick<
    ExactEvmFacilitatorOptions,
    'stuckAfterMs' | 'recoveryIntervalMs' | 'maxFeePerGasCap' | 'leaseMs'
  >
}): Promise<BuiltFacilitator> {
  const ownsLedger = !options.ledger || !('claim' in options.ledger)
  const ledger =
    options.ledger && 'claim' in options.ledger
      ? options.ledger
      : await openLedger(options.ledger ?? {})
  const scheme = exactEvmFacilitator({
    ledger,
    networks: options.networks.map((setup) => ({
      network: setup.network,
      client: rpcClient(setup.rpcUrl, setup.chain),
      signers: setup.signerKeys.map((key) => privateKeyToAccount(key)),
      assets: setup.assets,
      multicall3: setup.multicall3,
      confirmationDepth: setup.confirmationDepth,
      reorgWindowBlocks: setup.reorgWindowBlocks,
    })),
    ...(options.receiptTimeoutMs ? { receiptTimeoutMs: options.receiptTimeoutMs } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    ...(options.onSettlementStep ? { onSettlementStep: options.onSettlementStep } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.batchSettlementAuthorizerKey
      ? { batchSettlementAuthorizer: privateKeyToAccount(options.batchSettlementAuthorizerKey) }
      : {}),
    ...(options.batchSettlementRefunds
      ? { batchSettlementRefunds: options.batchSettlementRefunds }
      : {}),
    ...options.tuning,
  })
  let svmSchemes: SchemeFacilitator[]
  try {
    // A SQL ledger keeps Solana settlements too (by message hash), so they hold across restarts.
    const records = ledger instanceof SqlLedger ? new SqlSvmSettlements(ledger.sql) : undefined
    svmSchemes = buildSvmSchemes(options.svm ?? [], records, ledger)
    await scheme.start()
  } catch (error) {
    if (ownsLedger) await ledger.close()
    throw error
  }
  const facilitator = new Facilitator({
    schemes: [scheme, scheme.upto, scheme.batchSettlement, ...svmSchemes],
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    // A key no payment has: one index lookup, to tell whether the ledger answers at all.
    ledgerCheck: () => ledger.findByKey(''),
  })
  const app = createFacilitatorApp(facilitator, options.app)
  return {
    facilitator,
    app,
    scheme,
    ledger,
    async close() {
      await app.close()
      await scheme.stop()
      await facilitator.idle()
      if (ownsLedger) await ledger.close()
    },
  }
}
