import { solanaNetworks } from '@tollgate/core'

/** Names people know networks by; anything else is shown by its CAIP-2 id alone. */
const networkNames: Readonly<Record<string, string>> = {
  'eip155:1': 'Ethereum',
  'eip155:8453': 'Base',
  'eip155:84532': 'Base Sepolia',
  'eip155:137': 'Polygon',
  'eip155:42161': 'Arbitrum One',
  'eip155:421614': 'Arbitrum Sepolia',
  'eip155:43114': 'Avalanche',
  'eip155:43113': 'Avalanche Fuji',
  'eip155:31337': 'Local devnet',
  [solanaNetworks.mainnet]: 'Solana',
  [solanaNetworks.devnet]: 'Solana Devnet',
  [solanaNetworks.testnet]: 'Solana Testnet',
}

/** Block explorers' transaction pages, for receipts on public networks. */
const explorerTxUrls: Readonly<Record<string, string>> = {
  'eip155:1': 'https://etherscan.io/tx/',
  'eip155:8453': 'https://basescan.org/tx/',
  'eip155:84532': 'https://sepolia.basescan.org/tx/',
  'eip155:137': 'https://polygonscan.com/tx/',
  'eip155:42161': 'https://arbiscan.io/tx/',
  'eip155:43114': 'https://snowtrace.io/tx/',
}

/** `Base Sepolia (eip155:84532)`, or the id alone for networks without a known name. */
export function networkLabel(network: string): string {
  const name = networkNames[network]
  return name ? `${name} (${network})` : network
}

/** The explorer page of a transaction, when the network has a well-known explorer. */
export function explorerTxUrl(network: string, transaction: string): string | undefined {
  const base = explorerTxUrls[network]
  return base && /^0x[0-9a-fA-F]{64}$/.test(transaction) ? `${base}${transaction}` : undefined
}
