import type { PaymentRequired, PaymentRequirements, StoredResponse } from '@tollgate/core'
import type { GateDecision } from './paymentGate.ts'
import { type GateResponse, paymentRequiredResponse } from './responses.ts'

/** The 402 offers with one replaced by its corrected form (same scheme and network). */
export function corrected(
  required: PaymentRequired,
  replacement: PaymentRequirements | undefined,
): PaymentRequired {
  if (!replacement) return required
  return {
    ...required,
    accepts: required.accepts.map((offer) =>
      offer.scheme === replacement.scheme && offer.network === replacement.network
        ? replacement
        : offer,
    ),
  }
}

export function refuse(required: PaymentRequired, reason: string, message?: string): GateDecision {
  return {
    kind: 'respond',
    response: paymentRequiredResponse({ ...required, error: reason }, message),
  }
}

/** A stored response, as it was released. */
export function replayed(response: StoredResponse): GateResponse {
  return { status: response.status, headers: { ...response.headers }, body: response.body }
}
