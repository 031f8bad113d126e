import {
  type ChainDescriptor,
  type ChainFacilitator,
  type ChainNetworkSetup,
  chainOf,
  type DiscoveryCatalog,
  type SettlementLedger,
} from '@tollgate/core'
import type { EvmFacilitatorExtras, EvmNetworkSetup } from '@tollgate/evm'
import {
  createFacilitatorApp,
  Facilitator,
  type FacilitatorApp,
  type FacilitatorAppOptions,
  type Logger,
} from '@tollgate/facilitator'
import { type OpenLedgerOptions, openLedger } from '@tollgate/ledger'
import type { SvmNetworkSetup } from '@tollgate/svm'
import { chains as registeredChains } from './chains.ts'

export interface BuildFacilitatorOptions {
  /**
   * The networks to settle on, each as its chain's package resolves it (`resolveEvmNetwork`,
   * `resolveSvmNetwork`, or `resolveNetworks` of a config file).
   */
  networks: readonly (EvmNetworkSetup | SvmNetworkSetup | ChainNetworkSetup)[]
  /** The chains that may serve them. @default every chain this CLI registers */
  chains?: readonly ChainDescriptor[]
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
   * Options of one chain's facilitator by its namespace, documented by its package: for EVM
   * networks the batch-settlement authorizer and refund policy, settlement tuning, a test hook.
   */
  chainOptions?: { eip155?: EvmFacilitatorExtras } & Readonly<Record<string, unknown>>
}

export interface BuiltFacilitator {
  facilitator: Facilitator
  app: FacilitatorApp
  ledger: SettlementLedger
  /** What each chain adds to the startup log, by namespace (e.g. a fee payer's worst-case fee). */
  chainSummaries(): Record<string, Record<string, unknown>>
  /** Stops recovery, waits for batches in flight and cataloguing, and closes a ledger it opened. */
  close(): Promise<void>
}

/**
 * Builds each chain's facilitator for its networks (one per chain, from its descriptor), the
 * facilitator over all their schemes and its HTTP app, and starts recovery, which settles
 * anything a previous run left unfinished before the first request.
 */
export async function buildFacilitator(
  options: BuildFacilitatorOptions,
): Promise<BuiltFacilitator> {
  const chains = options.chains ?? registeredChains
  const byChain = new Map<ChainDescriptor, ChainNetworkSetup[]>()
  for (const setup of options.networks) {
    const chain = chainOf(chains, setup.network)
    if (!chain?.facilitator) {
      const served = chains.filter((known) => known.facilitator).map((known) => known.namespace)
      throw new Error(
        `no registered chain settles ${setup.network} (served namespaces: ${served.join(', ')})`,
      )
    }
    byChain.set(chain, [...(byChain.get(chain) ?? []), setup])
  }
  const ownsLedger = !options.ledger || !('claim' in options.ledger)
  const ledger =
    options.ledger && 'claim' in options.ledger
      ? options.ledger
      : await openLedger(options.ledger ?? {})
  const parts: ChainFacilitator[] = []
  const summaries: Array<() => [string, Record<string, unknown>] | undefined> = []
  try {
    for (const [chain, setups] of byChain) {
      const part = await chain.facilitator!.build(setups, {
        ledger,
        logger: options.logger,
        batch: options.batch,
        receiptTimeoutMs: options.receiptTimeoutMs,
        instanceId: options.instanceId,
        options: options.chainOptions,
      })
      parts.push(part)
      summaries.push(() => (part.summary ? [chain.namespace, part.summary()] : undefined))
      await part.start()
    }
  } catch (error) {
    for (const part of parts) await part.stop()
    if (ownsLedger) await ledger.close()
    throw error
  }
  const facilitator = new Facilitator({
    schemes: parts.flatMap((part) => part.schemes),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    // A key no payment has: one index lookup, to tell whether a shared ledger answers at all.
    // An embedded one lives in this process and cannot be cut off from it: no lookup per verify
    // (it was a third of a verify's CPU).
    ...(ledger.exclusive ? {} : { ledgerCheck: () => ledger.findByKey('') }),
  })
  const app = createFacilitatorApp(facilitator, options.app)
  return {
    facilitator,
    app,
    ledger,
    chainSummaries: () =>
      Object.fromEntries(
        summaries.flatMap((summary) => {
          const entry = summary()
          return entry ? [entry] : []
        }),
      ),
    async close() {
      await app.close()
      for (const part of parts) await part.stop()
      await facilitator.idle()
      if (ownsLedger) await ledger.close()
    },
  }
}
