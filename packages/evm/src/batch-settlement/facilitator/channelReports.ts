import type { ChannelReport, LedgerTransaction, SettlementLedger } from '@tollgate/core'
import { decodeFunctionData, type Hex, parseTransaction } from 'viem'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import { batchSettlementAbi, batchSettlementScheme } from '../constants.ts'
import type { ChannelConfig } from '../payload.ts'
import { channelIdOf } from '../typedData.ts'
import { readChannelState } from './channelState.ts'

/** The ledger kinds of the escrow calls that name channels (a sweep names only the receiver). */
export const channelTransactionKinds = ['batch-deposit', 'batch-claim', 'batch-refund'] as const

/** Transactions read to find channels: the newest ones, enough for an operator's view. */
const transactionsRead = 2_000

interface SeenChannel {
  config: ChannelConfig
  transactions: number
  lastTransactionAt: Date
}

/**
 * The channels this facilitator sent transactions for on one network, most recently used first:
 * found by decoding the escrow calls it stored in its ledger (every transaction is stored signed
 * before it is broadcast), then read from the escrow, so the figures are the chain's own.
 */
export async function channelReports(
  runtime: NetworkRuntime,
  ledger: SettlementLedger,
  limit: number,
): Promise<ChannelReport[]> {
  const transactions = await ledger.transactionsOfKind(
    runtime.network,
    channelTransactionKinds,
    transactionsRead,
  )
  const seen = new Map<string, SeenChannel>()
  for (const transaction of transactions) {
    if (transaction.state === 'dropped' || transaction.state === 'reverted') continue
    for (const config of channelConfigsOf(transaction)) {
      const channelId = channelIdOf(config, runtime.chainId).toLowerCase()
      const known = seen.get(channelId)
      if (known) {
        known.transactions++
        if (transaction.createdAt > known.lastTransactionAt)
          known.lastTransactionAt = transaction.createdAt
      } else
        seen.set(channelId, {
          config,
          transactions: 1,
          lastTransactionAt: transaction.createdAt,
        })
    }
  }
  const newest = [...seen]
    .sort(([, a], [, b]) => b.lastTransactionAt.getTime() - a.lastTransactionAt.getTime())
    .slice(0, limit)
  return Promise.all(
    newest.map(async ([channelId, channel]) => {
      const state = await readChannelState(runtime.client, channelId as Hex)
      return {
        scheme: batchSettlementScheme,
        network: runtime.network,
        channelId,
        payer: channel.config.payer.toLowerCase(),
        payTo: channel.config.receiver.toLowerCase(),
        asset: channel.config.token.toLowerCase(),
        balance: state.balance.toString(),
        totalClaimed: state.totalClaimed.toString(),
        ...(state.withdrawRequestedAt > 0
          ? { withdrawRequestedAt: new Date(state.withdrawRequestedAt * 1000).toISOString() }
          : {}),
        transactions: channel.transactions,
        lastTransactionAt: channel.lastTransactionAt.toISOString(),
      }
    }),
  )
}

/** The channel configs an escrow call names; none for a transaction that is not one. */
function channelConfigsOf(transaction: LedgerTransaction): ChannelConfig[] {
  let call: ReturnType<typeof decodeFunctionData<typeof batchSettlementAbi>>
  try {
    const data = parseTransaction(transaction.raw as Hex).data
    if (!data) return []
    call = decodeFunctionData({ abi: batchSettlementAbi, data })
  } catch {
    return []
  }
  switch (call.functionName) {
    case 'deposit':
    case 'refund':
    case 'refundWithSignature':
      return [call.args[0]]
    case 'claim':
    case 'claimWithSignature':
      return call.args[0].map((claim) => claim.voucher.channel)
    default:
      return []
  }
}
