import type { ChainDescriptor } from '@tollgate/core'
import { evmFacilitatorPlugin } from './facilitator/chainFacilitator.ts'

/** Chains people name, with the explorer each is usually read on. Others show their id. */
const knownChains: Readonly<Record<number, { label: string; explorer?: string }>> = {
  1: { label: 'Ethereum', explorer: 'https://etherscan.io' },
  11155111: { label: 'Sepolia', explorer: 'https://sepolia.etherscan.io' },
  8453: { label: 'Base', explorer: 'https://basescan.org' },
  84532: { label: 'Base Sepolia', explorer: 'https://sepolia.basescan.org' },
  137: { label: 'Polygon', explorer: 'https://polygonscan.com' },
  80002: { label: 'Polygon Amoy', explorer: 'https://amoy.polygonscan.com' },
  43114: { label: 'Avalanche', explorer: 'https://snowtrace.io' },
  43113: { label: 'Avalanche Fuji', explorer: 'https://testnet.snowtrace.io' },
  42161: { label: 'Arbitrum One', explorer: 'https://arbiscan.io' },
  10: { label: 'OP Mainnet', explorer: 'https://optimistic.etherscan.io' },
  42220: { label: 'Celo', explorer: 'https://celoscan.io' },
  1329: { label: 'Sei', explorer: 'https://seitrace.com' },
  31337: { label: 'local devnet (anvil)' },
}

function chainIdOf(network: string): number | undefined {
  const match = /^eip155:([1-9][0-9]{0,15})$/.exec(network)
  return match ? Number(match[1]) : undefined
}

/** EVM chains (CAIP-2 `eip155`): fees in ETH-like coins of 18 decimals, hex addresses. */
export const evmChain: ChainDescriptor = {
  namespace: 'eip155',
  name: 'EVM',
  feeUnit: { symbol: 'ETH', decimals: 18, atomicName: 'wei' },
  label(network) {
    const chainId = chainIdOf(network)
    if (chainId === undefined) return network
    return knownChains[chainId]?.label ?? `EVM chain ${chainId}`
  },
  transactionUrlTemplate(network) {
    const chainId = chainIdOf(network)
    const explorer = chainId === undefined ? undefined : knownChains[chainId]?.explorer
    return explorer ? `${explorer}/tx/{transaction}` : undefined
  },
  sameAddress: (left, right) => left.toLowerCase() === right.toLowerCase(),
  facilitator: evmFacilitatorPlugin,
}
