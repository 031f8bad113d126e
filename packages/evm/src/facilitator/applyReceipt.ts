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
 * someone else's transaction, or failed; callers waiting are answered. The included payments and
 * the transaction's block are stored in one write, so the finality watch, which reads the block,
 * always finds the payments it holds.
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
  // The chain's answer is final for these payments: their callers hear it before the ledger's
  // write, which then runs after the answers left (one embedded-database write less on a settle's
  // path). A process killed in between has the receipt read again by recovery, as when killed
  // just before the answer, and a caller asking again gets the same success.
  const answering = confirmed.some((item) => item.deliver)
  if (answering) context.onStep?.('before-respond')
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
  if (answering) {
    await afterAnswers()
    context.onStep?.('after-respond')
  }
  // Payments the receipt does not settle are resolved first: the receipt's record comes last, and
  // until it is stored, recovery reads this receipt again (the writes before are idempotent).
  const unsettled: Array<[QueuedPayment, SettleResponse]> = []
  for (const item of items.filter((candidate) => !settled.has(candidate.id))) {
    unsettled.push([
      item,
      await resolveUnsettled({ runtime, ledger }, item, transaction.hash, receipt.blockNumber),
    ])
  }
  const { gasUsed, blockNumber, blockHash } = receipt
  await ledger.recordReceipt(
    transaction.hash,
    { state: receipt.status === 'success' ? 'mined' : 'reverted', gasUsed, blockNumber, blockHash },
    finality
      ? {
          ids: confirmed.map((item) => item.id),
          to: finality.state,
          from: ['submitted', 'pending', 'verified'],
        }
      : undefined,
  )
  if (confirmed.length > 0) context.watch.noteMined()
  for (const [item, outcome] of unsettled) item.deliver?.(outcome)
}

/** Once the answers just given are written out: they run as promise callbacks, before this. */
function afterAnswers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
