import {
  type LedgerPayment,
  type PaymentRequirements,
  type SettleResponse,
  settleFailure,
  terminalPaymentStates,
} from '@tollgate/core'
import type { Hex } from 'viem'
import { applyReceipt, type ReceiptContext } from './applyReceipt.ts'
import { logFailure } from './failureLog.ts'
import { settledFor } from './paymentIdentity.ts'
import { outcomeOfRecord, queuedFromLedger } from './queuedPayments.ts'
import { type SettleTimings, waitForReceipt } from './settle.ts'

/** How often a payment another caller is processing is read again from the ledger. */
const recordPollMs = 50

export interface ExistingPaymentContext extends ReceiptContext {
  timings: SettleTimings
  /** Transactions this process is waiting on already. */
  confirming: ReadonlySet<string>
}

/**
 * The outcome of a payment someone else processes (another process, or an earlier run), for the
 * same signed payload with the same requirements only. An included payment is answered at once
 * with its current finality; others are waited on (bounded) until their receipt decides.
 */
export async function awaitExisting(
  context: ExistingPaymentContext,
  payment: LedgerPayment,
  payloadHash: string,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const { runtime, ledger, timings } = context
  if (payment.payloadHash !== payloadHash) return duplicate(runtime.network, payment.payer)
  // Passing `checkBinding` makes them equal; a record written before that check existed may
  // name other requirements, and its outcome is not this request's.
  if (settledFor(payment) !== settledFor(requirements))
    return duplicate(runtime.network, payment.payer)
  const { clock } = runtime
  const deadline = clock.nowMs() + timings.receiptTimeoutMs
  let current: LedgerPayment | undefined = payment
  const answered = (record: LedgerPayment) =>
    terminalPaymentStates.includes(record.state) || record.state === 'included'
  while (current && !answered(current) && clock.nowMs() < deadline) {
    if (current.transaction && !context.confirming.has(current.transaction)) {
      // Broadcast already: its receipt decides, whoever is watching it.
      await confirmStored(context, current.transaction, deadline - clock.nowMs())
    } else {
      await clock.sleep(recordPollMs)
    }
    current = await ledger.findByKey(payment.key)
  }
  if (!current) {
    return settleFailure('SETTLE_UNEXPECTED', {
      network: runtime.network,
      payer: payment.payer,
      message: 'the payment record vanished',
    })
  }
  return answerFromRecord(context, current)
}

/**
 * What a caller is told about a payment from its record. A settled one is looked up on chain
 * first: success is never repeated with a hash the chain no longer has.
 */
export async function answerFromRecord(
  context: ReceiptContext,
  payment: LedgerPayment,
): Promise<SettleResponse> {
  const { runtime, watch, logger } = context
  const recorded =
    payment.state === 'confirmed' ? 'confirmed' : payment.state === 'included' ? 'included' : null
  if (!recorded || !payment.transaction) return outcomeOfRecord(runtime.network, payment)
  const check = await watch
    .check(payment.transaction)
    .catch(logFailure(logger, 'reading a settled transaction', { tx: payment.transaction }))
  if (check && !check.onChain) {
    return outcomeOfRecord(runtime.network, { ...payment, state: 'submitted' })
  }
  const required = watch.depth
  // Unread (the RPC failed): what the record says.
  const finality = check?.finality ?? {
    state: recorded,
    confirmations: recorded === 'confirmed' ? required : 0,
    required,
  }
  // Confirmed once at a smaller depth: a record never moves back on a setting's change.
  if (recorded === 'confirmed' && finality.state === 'included')
    return outcomeOfRecord(runtime.network, payment, { ...finality, state: 'confirmed' })
  return outcomeOfRecord(runtime.network, payment, finality)
}

/** Waits (bounded) for a stored transaction's receipt and applies it to all its payments. */
export async function confirmStored(
  context: ExistingPaymentContext,
  hash: string,
  timeoutMs: number,
): Promise<void> {
  const { runtime, ledger, timings } = context
  const receipt = await waitForReceipt(
    runtime,
    hash as Hex,
    Math.max(0, timeoutMs),
    timings.receiptPollMs,
  )
  if (!receipt) return
  const [transaction] = (await ledger.openTransactions(runtime.network)).filter(
    (open) => open.hash === hash,
  )
  if (!transaction) return
  await applyReceipt(context, transaction, receipt, queuedFromLedger(await ledger.paymentsOf(hash)))
}

function duplicate(network: string, payer: string): SettleResponse {
  return settleFailure('SETTLEMENT_DUPLICATE', {
    network,
    payer,
    message: 'this authorization is being or was settled as another payment',
  })
}
