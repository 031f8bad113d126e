import type { Address, Hex, PublicClient } from 'viem'
import { batchSettlementAbi, batchSettlementAddresses } from '../constants.ts'
import type { ChannelState } from '../payload.ts'

/** The escrow's view of one channel, read in one round trip (Multicall3 when the chain has it). */
export async function readChannelState(
  client: PublicClient,
  channelId: Hex,
  escrow: Address = batchSettlementAddresses.escrow,
): Promise<ChannelState> {
  const [channel, withdrawal, refundNonce] = await Promise.all([
    client.readContract({
      address: escrow,
      abi: batchSettlementAbi,
      functionName: 'channels',
      args: [channelId],
    }),
    client.readContract({
      address: escrow,
      abi: batchSettlementAbi,
      functionName: 'pendingWithdrawals',
      args: [channelId],
    }),
    client.readContract({
      address: escrow,
      abi: batchSettlementAbi,
      functionName: 'refundNonce',
      args: [channelId],
    }),
  ])
  return {
    balance: channel[0],
    totalClaimed: channel[1],
    withdrawRequestedAt: Number(withdrawal[1]),
    refundNonce,
  }
}
