import type { Log, TransactionReceipt } from 'viem'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { readTokenLogs } from './eip3009Wire.ts'

export interface SettledItem {
  id: number
  asset: string
  authorization: Authorization
  /** Moved by Permit2, which logs no event of its own: the token's `Transfer` is the evidence. */
  permit2?: boolean | undefined
}

/**
 * Which payments of a transaction took effect, read from its receipt: an item settled when the
 * token logged `AuthorizationUsed` for its payer and nonce and a matching
 * `Transfer(from, to, value)`; a Permit2 item when a matching `Transfer` is left once the EIP-3009
 * items took theirs. Everything else in the transaction did not move money.
 */
export function settledByReceipt(
  receipt: TransactionReceipt,
  items: readonly SettledItem[],
): Set<number> {
  const settled = new Set<number>()
  if (receipt.status !== 'success') return settled
  const { used: usedLogs, transfers: transferLogs } = readTokenLogs(receipt.logs as Log[])
  const used = new Set(usedLogs.map((log) => `${log.address}|${log.authorizer}|${log.nonce}`))
  // Transfers are counted, so two equal payments in one batch each need their own event.
  const transfers = new Map<string, number>()
  for (const log of transferLogs) {
    const key = `${log.address}|${log.from}|${log.to}|${log.value}`
    transfers.set(key, (transfers.get(key) ?? 0) + 1)
  }
  // EIP-3009 items first: their nonce names their transfer, a permit's only its amount.
  const ordered = [...items.filter((i) => !i.permit2), ...items.filter((i) => i.permit2)]
  for (const item of ordered) {
    const { from, to, value, nonce } = item.authorization
    if (!item.permit2 && !used.has(`${item.asset}|${from}|${nonce}`.toLowerCase())) continue
    const transfer = `${item.asset}|${from}|${to}|${BigInt(value)}`.toLowerCase()
    const left = transfers.get(transfer) ?? 0
    if (left === 0) continue
    transfers.set(transfer, left - 1)
    settled.add(item.id)
  }
  return settled
}
