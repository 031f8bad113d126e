import type { SettlementLedger } from '@tollgate/core'
import { type LedgerTransaction, type SettleResponse, withFinality } from '@tollgate/core'
import type { TransactionReceipt } from 'viem'
import type { EvmFacilitatorLogger } from './failureLog.ts'
import type { FinalityWatch } from './finality.ts'
import type { SettlementStep } from './options.ts'
import type { QueuedPayment } from './queuedPayments.ts'
import { settledByReceipt } from './receiptOutcome.ts'
import type { NetworkRuntime } from './runtime.ts'
import { resolveUnsettled } from './unsettled.ts'

export interface ReceiptContext {
  runtime: NetworkRuntime
  ledger: SettlementLedger
  watch: FinalityWatch
  logger: EvmFacilitatorLogger
  onStep?: ((step: SettlementStep) => void) | undefined
}

/**
 * Records a receipt: each payment is included (confirmed at the network's depth), settled by
 * someone else's transaction, or failed; callers waiting are answered. The transaction's block is
 * recorded last, so the finality watch can tell when it leaves the chain.
 */
export async function applyReceipt(
  context: ReceiptContext,
  transaction: LedgerTransaction,
  receipt: TransactionReceipt,
  items: QueuedPayment[],
): Promise<void> {
  const { ledger, runtime } = context
  const settled = settledByReceipt(
    receipt,
    items.map((item) => ({
      id: item.id,
      asset: item.verified.asset,
      authorization: item.verified.authorization,
      permit2: item.verified.permit2 !== undefined,
    })),
  )
  const confirmed = items.filter((item) => settled.has(item.id))
  const finality =
    confirmed.length > 0 ? await context.watch.finalityOfNew(receipt.blockNumber) : undefined
  if (finality) {
    await ledger.transition(
      confirmed.map((item) => item.id),
      finality.state,
      { transaction: transaction.hash },
      ['submitted', 'pending', 'verified'],
    )
  }
  if (confirmed.some((item) => item.deliver)) context.onStep?.('before-respond')
  for (const item of confirmed) {
    const success: SettleResponse = {
      success: true,
      transaction: transaction.hash,
      network: runtime.network,
      payer: item.verified.payer,
      amount: item.verified.authorization.value,
    }
    item.deliver?.(finality ? withFinality(success, finality) : success)
  }
  for (const item of items.filter((candidate) => !settled.has(candidate.id))) {
    const outcome = await resolveUnsettled(
      { runtime, ledger },
      item,
      transaction.hash,
      receipt.blockNumber,
    )
    item.deliver?.(outcome)
  }
  // Last: until then recovery reads this receipt again, and the writes above are idempotent.
  context.onStep?.('between-receipt-writes')
  const { gasUsed, blockNumber, blockHash } = receipt
  const state = receipt.status === 'success' ? 'mined' : 'reverted'
  await ledger.markTransaction(transaction.hash, { state, gasUsed, blockNumber, blockHash })
}
