/**
 * @module
 * How the page writes amounts, addresses, times and durations. Amounts arrive in atomic units as
 * decimal strings and are divided with bigints, never floats.
 */
import type { AssetLabel, NetworkName } from './api.ts'

/** "1.5 USDC" with decimals known, else the atomic amount and a shortened asset address. */
export function formatAmount(amount: string, label: AssetLabel & { asset?: string }): string {
  if (label.decimals === undefined) {
    return `${groupDigits(amount)} ${label.symbol ?? (label.asset ? shorten(label.asset) : 'units')}`
  }
  const atomic = BigInt(amount)
  const scale = 10n ** BigInt(label.decimals)
  const whole = groupDigits((atomic / scale).toString())
  const fraction = (atomic % scale).toString().padStart(label.decimals, '0').replace(/0+$/, '')
  const shown = fraction.length > 0 ? `${whole}.${fraction.slice(0, 6)}` : whole
  return `${shown} ${label.symbol ?? ''}`.trim()
}

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** `0x1234…abcd`: enough to tell addresses apart, short enough for a table cell. */
export function shorten(text: string, keep = 6): string {
  return text.length > keep * 2 + 3 ? `${text.slice(0, keep)}…${text.slice(-4)}` : text
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
}

export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

/** A balance in whole units of its coin (the API converts): exact digits, grouped, six decimals. */
export function formatBalance(balance: string | undefined, unit: string | undefined): string {
  if (balance === undefined) return 'unknown'
  // "9999.99952298484249926" reads better as "9,999.999522".
  const [whole = '0', fraction = ''] = balance.split('.')
  const shown = fraction ? `${groupDigits(whole)}.${fraction.slice(0, 6)}` : groupDigits(whole)
  return `${shown} ${unit ?? ''}`.trim()
}

const networks = new Map<string, NetworkName>()

/** Keeps the facilitator's names of its networks (`/api/networks`), read once per page load. */
export function rememberNetworks(named: readonly NetworkName[]): void {
  for (const network of named) networks.set(network.network, network)
}

/** A person's name of a CAIP-2 network, as its chain's package gives it; else the id. */
export function networkLabel(network: string): string {
  return networks.get(network)?.label ?? network
}

/** The explorer's page of a transaction, where the network has a public explorer. */
export function transactionUrl(network: string, transaction: string): string | undefined {
  return networks.get(network)?.transactionUrl?.replace('{transaction}', transaction)
}
