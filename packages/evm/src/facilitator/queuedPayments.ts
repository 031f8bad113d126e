import {
  type LedgerPayment,
  reasonOf,
  type SettlementFinality,
  type SettleResponse,
  settleFailure,
  withFinality,
} from '@tollgate/core'
import { getAddress, type Hex } from 'viem'
import { exactEvmPayloadSchema } from '../exact/eip3009/payload.ts'
import { exactPermit2PayloadSchema, uptoPermit2PayloadSchema } from '../exact/permit2/payload.ts'
import { permit2AsAuthorization } from '../exact/permit2/verify.ts'
import { uptoAsAuthorization } from '../upto/verify.ts'
import type { VerifiedPayment } from './outcome.ts'

/** A verified payment waiting for its transaction; `deliver` answers the caller, if one waits. */
export interface QueuedPayment {
  id: number
  verified: VerifiedPayment
  deliver?: ((outcome: SettleResponse) => void) | undefined
}

/**
 * Ledger records back into what is needed to judge a receipt (asset, payer, nonce, and whether
 * Permit2 moved it); the signed
 * payloads are stored with them. Payments to be queued again are verified afresh instead.
 */
export function queuedFromLedger(payments: LedgerPayment[]): QueuedPayment[] {
  const queued: QueuedPayment[] = []
  for (const payment of payments) {
    const payload = payment.payment.paymentPayload.payload
    // Upto first: an upto permit also reads as an exact one once its facilitator is dropped.
    const upto = payment.scheme === 'upto' ? uptoPermit2PayloadSchema.safeParse(payload) : undefined
    if (upto?.success) {
      const { permit2Authorization, signature } = upto.data
      queued.push({
        id: payment.id,
        verified: {
          payer: getAddress(permit2Authorization.from),
          asset: getAddress(payment.asset),
          // The record's amount is the charge it was settled for.
          authorization: uptoAsAuthorization(permit2Authorization, payment.amount),
          signature: { inner: signature as Hex },
          permit2: permit2Authorization,
        },
      })
      continue
    }
    const permit = exactPermit2PayloadSchema.safeParse(payload)
    if (permit.success) {
      const { permit2Authorization, signature } = permit.data
      queued.push({
        id: payment.id,
        verified: {
          payer: getAddress(permit2Authorization.from),
          asset: getAddress(payment.asset),
          authorization: permit2AsAuthorization(permit2Authorization),
          signature: { inner: signature as Hex },
          permit2: permit2Authorization,
        },
      })
      continue
    }
    const parsed = exactEvmPayloadSchema.safeParse(payload)
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
