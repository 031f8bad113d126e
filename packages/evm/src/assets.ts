import type { Address } from 'viem'

/** A token the exact scheme can charge in: an EIP-3009 contract and its EIP-712 domain. */
export interface EvmAsset {
  address: Address
  /** EIP-712 domain name; it differs per deployment ("USD Coin" on Base, "USDC" on Base Sepolia). */
  name: string
  version: string
  decimals: number
  symbol?: string | undefined
}

/**
 * Default assets per network (the USDC deployments the reference uses, EIP-3009 only).
 * A wrong domain name here makes every signature fail, so each entry is the on-chain value.
 */
export const defaultEvmAssets: Readonly<Record<string, EvmAsset>> = {
  'eip155:8453': usdc('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD Coin'),
  'eip155:84532': usdc('0x036CbD53842c5426634e7929541eC2318f3dCF7e', 'USDC'),
  'eip155:1': usdc('0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 'USD Coin'),
  'eip155:43114': usdc('0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin'),
  'eip155:43113': usdc('0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin'),
  'eip155:137': usdc('0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 'USD Coin'),
  'eip155:42161': usdc('0xaf88d065e77c8cC2239327C5EDb3A432268e5831', 'USD Coin'),
  'eip155:421614': usdc('0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d', 'USD Coin'),
  'eip155:143': usdc('0x754704Bc059F8C67012fEd69BC8A327a5aafb603', 'USDC'),
  'eip155:988': {
    address: '0x779Ded0c9e1022225f8E0630b35a9b54bE713736',
    name: 'USDT0',
    version: '1',
    decimals: 6,
    symbol: 'USDT0',
  },
  'eip155:2201': {
    address: '0x78Cf24370174180738C5B8E352B6D14c83a6c9A9',
    name: 'USDT0',
    version: '1',
    decimals: 6,
    symbol: 'USDT0',
  },
}

function usdc(address: Address, name: string): EvmAsset {
  return { address, name, version: '2', decimals: 6, symbol: 'USDC' }
}

/** Finds an asset by address (any checksum case) among `assets`. */
export function findAsset(assets: Iterable<EvmAsset>, address: string): EvmAsset | undefined {
  const wanted = address.toLowerCase()
  for (const asset of assets) if (asset.address.toLowerCase() === wanted) return asset
  return undefined
}
