/**
 * @module
 * What the chain-independent packages (the facilitator, its dashboard, the CLI) may know of a
 * chain, supplied by the chain's own package: `evmChain` in `@tollgate/evm`, `svmChain` in
 * `@tollgate/svm`. They register descriptors and never test a network id themselves.
 */

import type { ZodType } from 'zod'
import type { SettlementLedger } from './ledger.ts'
import type { SchemeFacilitator } from './schemes.ts'

/** The coin a chain's signers pay fees in, e.g. ETH with 18 decimals. */
export interface FeeUnit {
  symbol: string
  decimals: number
  /** The atomic unit's name, e.g. `wei`, `lamports`. */
  atomicName: string
}

export interface ChainDescriptor {
  /** The CAIP-2 namespace this package serves, e.g. `eip155`. */
  readonly namespace: string
  /** The family's name in prose, e.g. `EVM`. */
  readonly name: string
  readonly feeUnit: FeeUnit
  /** A person's name for a network, e.g. `Base Sepolia`; the id itself when unknown. */
  label(network: string): string
  /**
   * A block explorer's page for a transaction, with `{transaction}` where its hash goes;
   * undefined for a network without a public explorer (a local devnet).
   */
  transactionUrlTemplate(network: string): string | undefined
  /** Whether two addresses name the same account (hex compares without case). */
  sameAddress(left: string, right: string): boolean
  /** How a facilitator settles on this chain's networks; absent for a chain it cannot serve. */
  readonly facilitator?: ChainFacilitatorPlugin | undefined
}

/**
 * Reads configuration values that may be secrets. Both throw an error that names `source` (and
 * the environment variable), never the value.
 */
export interface ConfigSecrets {
  /** The value, or what the environment holds for a `$NAME` or `${NAME}` reference. */
  text(value: string, source: string): string
  /** The key a JSON keystore file holds (Web3 secret storage), as 0x hex. */
  keystore(path: string, password: string, source: string): Promise<string>
}

/** One network a facilitator settles on, as its chain's package resolved it from the config. */
export interface ChainNetworkSetup {
  /** CAIP-2 id. */
  readonly network: string
  /** The tokens accepted there (for the operator's fee and limit tables). */
  readonly assets: readonly { address: string; decimals: number; symbol?: string | undefined }[]
}

/** What every chain's facilitator is built with; chain-specific options travel in `options`. */
export interface ChainFacilitatorContext {
  ledger: SettlementLedger
  /** Where it reports what it recovers from on its own; pino's logger fits. */
  logger?:
    | {
        info(fields: Record<string, unknown>, message: string): void
        warn(fields: Record<string, unknown>, message: string): void
      }
    | undefined
  /** Payments per settlement transaction, where the chain batches; false: one by one. */
  batch?: { maxSize: number; maxWaitMs: number } | false | undefined
  receiptTimeoutMs?: number | undefined
  /** Names this process in leases, so other instances can tell a crashed one's claims. */
  instanceId?: string | undefined
  /**
   * Options of one chain's facilitator, by its namespace (e.g. `eip155`); each chain's package
   * documents and checks its own.
   */
  options?: Readonly<Record<string, unknown>> | undefined
}

/** A chain's facilitator once built: its schemes, started and stopped together. */
export interface ChainFacilitator {
  /** Every scheme it serves, registered with the facilitator as they are. */
  readonly schemes: readonly SchemeFacilitator[]
  /** Settles what a previous run left unfinished, before the first request. */
  start(): Promise<void>
  stop(): Promise<void>
  /** Facts for the startup log, e.g. the most one transaction can cost a fee payer. */
  summary?(): Record<string, unknown>
}

/** How a facilitator serves a chain, from the `networks` entries of its config file. */
export interface ChainFacilitatorPlugin {
  /** One entry of a facilitator config's `networks` whose id is in this namespace. */
  readonly networkConfig: ZodType<{ network: string }>
  /** An entry checked by `networkConfig`, its secrets read and its defaults filled in. */
  resolve(entry: { network: string }, secrets: ConfigSecrets): Promise<ChainNetworkSetup>
  /** One facilitator for all of this chain's networks (setups that `resolve` returned). */
  build(
    setups: readonly ChainNetworkSetup[],
    context: ChainFacilitatorContext,
  ): ChainFacilitator | Promise<ChainFacilitator>
}

/** The descriptor serving a CAIP-2 network, by its namespace. */
export function chainOf(
  chains: readonly ChainDescriptor[],
  network: string,
): ChainDescriptor | undefined {
  const namespace = network.split(':')[0]
  return chains.find((chain) => chain.namespace === namespace)
}

/** A descriptor with another label and explorer for some networks (a local devnet's ids). */
export function withNetworkNames(
  chain: ChainDescriptor,
  names: Readonly<Record<string, { label: string; transactionUrlTemplate?: string | undefined }>>,
): ChainDescriptor {
  return {
    ...chain,
    label: (network) => names[network]?.label ?? chain.label(network),
    transactionUrlTemplate: (network) =>
      names[network]
        ? names[network].transactionUrlTemplate
        : chain.transactionUrlTemplate(network),
    sameAddress: (left, right) => chain.sameAddress(left, right),
  }
}
