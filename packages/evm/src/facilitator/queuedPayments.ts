import {
  type LedgerPayment,
  reasonOf,
  type SettlementFinality,
  type SettleResponse,
  settleFailure,
  withFinality,
} from '@tollgate/core'
import { getAddress, type Hex } from 'viem'
import { exactEvmPayloadSchema } from '../payload.ts'
import type { VerifiedPayment } from './verify.ts'

/** A verified payment waiting for its transaction; `deliver` answers the caller, if one waits. */
export interface QueuedPayment {
  id: number
  verified: VerifiedPayment
  deliver?: ((outcome: SettleResponse) => void) | undefined
}

/**
 * Ledger records back into what is needed to judge a receipt (asset, payer, nonce); the signed
 * payloads are stored with them. Payments to be queued again are verified afresh instead.
 */
export function queuedFromLedger(payments: LedgerPayment[]): QueuedPayment[] {
  const queued: QueuedPayment[] = []
  for (const payment of payments) {
    const parsed = exactEvmPayloadSchema.safeParse(payment.payment.paymentPayload.payload)
    if (!parsed.success) continue
    const { authorization, signature } = parsed.data
    queued.push({
      id: payment.id,
      verified: {
        payer: getAddress(authorization.from),
        asset: getAddress(payment.asset),
        authorization,
        signature: { inner: signature as Hex },
      },
    })
  }
  return queued
}

/**
 * What a caller is told about a payment, from its ledger record; a settled one carries
 * `finality` when it is given.
 */
export function outcomeOfRecord(
  network: string,
  payment: LedgerPayment,
  finality?: SettlementFinality,
): SettleResponse {
  const payer = getAddress(payment.payer)
  if (payment.state === 'confirmed' || payment.state === 'included') {
    const success: SettleResponse = {
      success: true,
      transaction: payment.transaction ?? '',
      network,
      payer,
      amount: payment.amount,
    }
    return finality ? withFinality(success, finality) : success
  }
  if (payment.state === 'failed') {
    return {
      success: false,
      errorReason: payment.reason ?? reasonOf('SETTLE_UNEXPECTED'),
      ...(payment.message ? { errorMessage: payment.message } : {}),
      payer,
      transaction: payment.transaction ?? '',
      network,
    }
  }
  return settleFailure('SETTLEMENT_PENDING', {
    network,
    payer,
    transaction: payment.transaction,
    message: `the payment is ${payment.state}; settle again to keep waiting`,
  })
}
