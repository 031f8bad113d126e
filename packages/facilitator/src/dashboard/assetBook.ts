/**
 * @module
 * Display names of assets for the dashboard: the ledger keeps atomic amounts and addresses, an
 * operator wants "12.50 USDC". Unknown assets stay in atomic units.
 */
import type { AssetLabel } from '@tollgate/core'

export type { AssetLabel }

/** An asset the dashboard can name; without `network` it names that address on any network. */
export interface DashboardAsset {
  network?: string | undefined
  address: string
  symbol?: string | undefined
  decimals: number
}

export type AssetBook = (network: string, asset: string) => AssetLabel

/** Looks assets up by network and address (hex addresses in any case). */
export function assetBook(assets: readonly DashboardAsset[] = []): AssetBook {
  const byKey = new Map<string, AssetLabel>()
  for (const asset of assets) {
    if (!Number.isInteger(asset.decimals) || asset.decimals < 0 || asset.decimals > 36) {
      throw new RangeError(`decimals of ${asset.address} must be a whole number from 0 to 36`)
    }
    const label = { ...(asset.symbol ? { symbol: asset.symbol } : {}), decimals: asset.decimals }
    byKey.set(`${asset.network ?? '*'}|${addressKey(asset.address)}`, label)
  }
  return (network, asset) =>
    byKey.get(`${network}|${addressKey(asset)}`) ?? byKey.get(`*|${addressKey(asset)}`) ?? {}
}

/** Hex addresses compare in lower case; others (Solana's base58) as they are. */
function addressKey(address: string): string {
  return address.startsWith('0x') ? address.toLowerCase() : address
}

/** An atomic amount in whole units, for plots (a float is precise enough for a chart). */
export function unitsForPlot(amount: string | bigint, decimals: number | undefined): number {
  const atomic = BigInt(amount)
  if (!decimals) return Number(atomic)
  const scale = 10n ** BigInt(decimals)
  return Number(atomic / scale) + Number(atomic % scale) / Number(scale)
}
