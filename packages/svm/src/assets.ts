import { parseCaip2, solanaNetworks } from '@tollgate/core'
import { tokenProgram } from './constants.ts'

/** A token the exact scheme can charge in on Solana: an SPL Token or Token-2022 mint. */
export interface SvmAsset {
  /** The mint address (base58). */
  address: string
  decimals: number
  symbol?: string | undefined
  /**
   * The program that owns the mint. A transfer under the other token program is refused.
   * @default the SPL Token program
   */
  tokenProgram?: string | undefined
}

function usdc(address: string): SvmAsset {
  return { address, decimals: 6, symbol: 'USDC', tokenProgram }
}

/** The USDC mint per network, used for dollar prices (x402 spec §10). */
export const defaultSvmAssets: Readonly<Record<string, SvmAsset>> = {
  [solanaNetworks.mainnet]: usdc('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'),
  [solanaNetworks.devnet]: usdc('4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU'),
  [solanaNetworks.testnet]: usdc('4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU'),
}

/** Finds an asset by mint among `assets`. Base58 is case sensitive, so the match is exact. */
export function findSvmAsset(assets: Iterable<SvmAsset>, mint: string): SvmAsset | undefined {
  for (const asset of assets) if (asset.address === mint) return asset
  return undefined
}

/** USDC, USDT and friends: the symbols dollar stablecoins use. */
export function isUsdStable(asset: SvmAsset): boolean {
  return /^(usdc|usdt|usdg|pyusd|cash)$/i.test(asset.symbol ?? '')
}

/** True for a CAIP-2 id in the `solana` namespace. */
export function isSolanaNetwork(network: string): boolean {
  return parseCaip2(network)?.namespace === 'solana'
}
