import type { Message } from '@a2a-js/sdk'
import { codeOfReason, errorCodes, reasonOf } from '@tollgate/core'

/** A payment check's refusal: a reason from core's table and what to tell the buyer. */
export interface PaymentRefusal {
  reason: string
  message: string
}

/**
 * A check a submitted payment must pass before the facilitator sees it, given the payload as
 * sent and the message it came in; `undefined` lets it through.
 */
export type TaskPaymentCheck = (
  payload: unknown,
  message: Message,
) => Promise<PaymentRefusal | undefined> | PaymentRefusal | undefined

/**
 * Whether a refusal may pass when the same payment is presented again: the facilitator or store
 * unreachable or limited, the settlement pending, or the payment still being served elsewhere.
 */
export function isTransientReason(reason: string): boolean {
  if (
    reason === reasonOf('SETTLEMENT_PENDING') ||
    reason === reasonOf('PAYMENT_IN_PROGRESS') ||
    reason === reasonOf('PAYMENT_IN_USE')
  )
    return true
  const code = codeOfReason(reason)
  return (
    code !== undefined && ['unavailable', 'internal', 'pending'].includes(errorCodes[code].kind)
  )
}
