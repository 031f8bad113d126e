import {
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SchemeServer,
  type SchemeSettlement,
} from '@tollgate/core'
import { facilitatorTrouble, troubleResponse, unavailable } from './facilitatorTrouble.ts'
import type { GateResponse } from './responses.ts'

export type VerifyVerdict =
  | { kind: 'valid'; payer: string | undefined }
  /** A verdict on the buyer's payment: refused with its reason. */
  | {
      kind: 'refused'
      reason: string
      message: string | undefined
      /** What the buyer should pay instead (a scheme's corrective state), replacing its offer. */
      corrected?: PaymentRequirements | undefined
    }
  /** No verdict (the facilitator unreachable, limited, its RPC down): ours to fix, a 503. */
  | { kind: 'respond'; response: GateResponse }

export async function verifyPayment(
  facilitator: Pick<SchemeSettlement, 'verify'>,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<VerifyVerdict> {
  try {
    const verdict = await facilitator.verify(payment, requirements)
    if (!verdict.isValid && facilitatorTrouble(verdict.invalidReason))
      return {
        kind: 'respond',
        response: troubleResponse(verdict.invalidReason, verdict.invalidMessage),
      }
    if (!verdict.isValid)
      return {
        kind: 'refused',
        reason: verdict.invalidReason ?? reasonOf('VERIFY_UNEXPECTED'),
        message: verdict.invalidMessage,
        corrected: 'corrected' in verdict ? verdict.corrected : undefined,
      }
    return { kind: 'valid', payer: verdict.payer }
  } catch (error) {
    return { kind: 'respond', response: unavailable(error) }
  }
}

/**
 * The scheme's own check of a payment, without the chain (a route's `verify: 'local'`);
 * undefined where the scheme cannot judge this payment alone, which then goes to the facilitator.
 */
export async function verifyPaymentLocally(
  scheme: Pick<SchemeServer, 'verifyLocally'> | undefined,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Promise<VerifyVerdict | undefined> {
  const local = await scheme
    ?.verifyLocally?.(payment.payload, requirements, nowSeconds)
    .catch(() => undefined)
  if (!local) return undefined
  if (!local.ok) return { kind: 'refused', reason: reasonOf(local.code), message: local.message }
  return { kind: 'valid', payer: local.payer }
}

/**
 * A route's check of a payment: the scheme's own (`local`, for a route's `verify: 'local'`) when
 * it can judge the payment alone, else the settlement's (the facilitator's `/verify`).
 */
export async function checkPayment(
  settlement: Pick<SchemeSettlement, 'verify'>,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
  local: Pick<SchemeServer, 'verifyLocally'> | undefined,
): Promise<VerifyVerdict> {
  const verdict = local
    ? await verifyPaymentLocally(local, payment, requirements, Math.floor(Date.now() / 1000))
    : undefined
  return verdict ?? verifyPayment(settlement, payment, requirements)
}
