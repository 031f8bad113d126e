/**
 * viem `Chain` objects for a local devnet.
 * @module
 */
import { type Address, type Chain, defineChain } from 'viem'
import { baseSepolia } from 'viem/chains'

/**
 * A viem chain for the devnet at `rpcUrl`, with `contracts.multicall3` pointing at our deployment
 * so `publicClient.multicall()` works. Chain id 84532 keeps viem's Base Sepolia definition
 * (OP-stack formatters, `testnet`), but with the local RPC URL and no block explorer: links to
 * Basescan would point at a different chain. No `blockTime` is set, since anvil mines on demand:
 * give clients a short `pollingInterval` instead.
 * @example
 * const chain = devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
 * const client = createPublicClient({ chain, transport: http(), pollingInterval: 50 })
 */
export function devnetChain(chainId: number, rpcUrl: string, multicall3: Address): Chain {
  const rpcUrls = { default: { http: [rpcUrl] } }
  if (chainId === baseSepolia.id) {
    return defineChain({
      ...baseSepolia,
      name: 'Base Sepolia (Tollgate devnet)',
      rpcUrls,
      blockExplorers: undefined,
      blockTime: undefined,
      contracts: { ...baseSepolia.contracts, multicall3: { address: multicall3 } },
    })
  }
  return defineChain({
    id: chainId,
    name: 'Tollgate devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls,
    contracts: { multicall3: { address: multicall3 } },
    testnet: true,
  })
}

/** The same chain before Multicall3 exists (used while deploying it). */
export function bareDevnetChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: 'Tollgate devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  })
}
