/**
 * @module
 * What the chain-independent packages (the facilitator, its dashboard, the CLI) may know of a
 * chain, supplied by the chain's own package: `evmChain` in `@tollgate/evm`, `svmChain` in
 * `@tollgate/svm`. They register descriptors and never test a network id themselves.
 */

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
