import type { ChainDescriptor } from '@tollgate/core'
import { svmFacilitatorPlugin } from './facilitator/chainFacilitator.ts'

/** Solana clusters by their CAIP-2 reference (the genesis hash's prefix). */
const clusters: Readonly<Record<string, { label: string; explorerCluster?: string }>> = {
  '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp': { label: 'Solana' },
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1: { label: 'Solana devnet', explorerCluster: 'devnet' },
  '4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z': { label: 'Solana testnet', explorerCluster: 'testnet' },
}

/** Solana (CAIP-2 `solana`): fees in SOL of 9 decimals (lamports), base58 addresses. */
export const svmChain: ChainDescriptor = {
  namespace: 'solana',
  name: 'Solana',
  feeUnit: { symbol: 'SOL', decimals: 9, atomicName: 'lamports' },
  label(network) {
    const reference = network.startsWith('solana:') ? network.slice('solana:'.length) : undefined
    if (reference === undefined) return network
    return clusters[reference]?.label ?? `Solana cluster ${reference.slice(0, 8)}`
  },
  transactionUrlTemplate(network) {
    const cluster = clusters[network.slice('solana:'.length)]
    if (!network.startsWith('solana:') || !cluster) return undefined
    const query = cluster.explorerCluster ? `?cluster=${cluster.explorerCluster}` : ''
    return `https://explorer.solana.com/tx/{transaction}${query}`
  },
  // Base58 is case-sensitive: the same account has one spelling.
  sameAddress: (left, right) => left === right,
  facilitator: svmFacilitatorPlugin,
}
