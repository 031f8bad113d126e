import { type Address, isAddressEqual, type Log, type PublicClient, parseEventLogs } from 'viem'
import { batchSettlementAbi, batchSettlementAddresses } from './constants.ts'

/** The payment a feedback names (ERC-8004 `proofOfPayment`): payer, payee and transaction. */
export interface AnchoredPayment {
  fromAddress: string
  toAddress: string
}

/**
 * Whether a transaction anchors a voucher-paid relationship: a voucher payment has no transaction
 * of its own, so ERC-8004 feedback on it names the channel's deposit or one of its claims. The
 * transaction must emit `Deposited` or `Claimed` from the escrow for a channel whose creation
 * (`ChannelCreated`, read from the chain) names this payer and this receiver. A plug-in for
 * `verifyFeedback({ anchors })` of `@tollgate/trust`.
 */
export function batchSettlementPaymentAnchor(options: { escrow?: Address } = {}) {
  const escrow = options.escrow ?? batchSettlementAddresses.escrow
  return async (
    receipt: { logs: Log[] },
    proof: AnchoredPayment,
    publicClient: PublicClient,
  ): Promise<boolean> => {
    const fromEscrow = receipt.logs.filter((log) => isAddressEqual(log.address, escrow))
    const touched = parseEventLogs({ abi: batchSettlementAbi, logs: fromEscrow }).filter(
      (log) => log.eventName === 'Deposited' || log.eventName === 'Claimed',
    )
    for (const log of touched) {
      const channelId = (log.args as { channelId: `0x${string}` }).channelId
      const created = await publicClient.getContractEvents({
        address: escrow,
        abi: batchSettlementAbi,
        eventName: 'ChannelCreated',
        args: { channelId },
        fromBlock: 0n,
      })
      const config = created[0]?.args.config
      if (
        config &&
        config.payer.toLowerCase() === proof.fromAddress.toLowerCase() &&
        config.receiver.toLowerCase() === proof.toAddress.toLowerCase()
      )
        return true
    }
    return false
  }
}
