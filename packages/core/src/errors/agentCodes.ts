import type { CodeEntry } from './codes.ts'

/**
 * The agent-to-agent part of core's code table: why an A2A task was not charged and why an AP2
 * mandate does not allow a payment. x402 and AP2 have no reasons for these, so all are Tollgate's.
 * Spread into `errorCodes` and kept apart only for size; the same rules hold (append only).
 */
export const agentErrorCodes = {
  /** The merchant agent's work failed after the payment was verified: nothing was charged. */
  A2A_WORK_FAILED: { reason: 'a2a_work_failed_not_charged', kind: 'internal', origin: 'tollgate' },
  /** `payment-submitted` without an `x402.payment.payload` (or an AP2 payment mandate). */
  A2A_PAYMENT_MISSING: {
    reason: 'a2a_payment_payload_missing',
    kind: 'malformed',
    origin: 'tollgate',
  },
  /** The buyer declined to pay (`payment-rejected`). */
  A2A_PAYMENT_REJECTED: {
    reason: 'a2a_payment_rejected_by_client',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_MALFORMED: { reason: 'ap2_mandate_malformed', kind: 'malformed', origin: 'tollgate' },
  MANDATE_SIGNATURE_INVALID: {
    reason: 'ap2_mandate_signature_invalid',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_EXPIRED: { reason: 'ap2_mandate_expired', kind: 'rejected', origin: 'tollgate' },
  MANDATE_CONSTRAINT_UNKNOWN: {
    reason: 'ap2_mandate_constraint_unknown',
    kind: 'unsupported',
    origin: 'tollgate',
  },
  MANDATE_PAYEE_NOT_ALLOWED: {
    reason: 'ap2_mandate_payee_not_allowed',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_AMOUNT_OUT_OF_RANGE: {
    reason: 'ap2_mandate_amount_out_of_range',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_BUDGET_EXCEEDED: {
    reason: 'ap2_mandate_budget_exceeded',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_AGENT_KEY_MISMATCH: {
    reason: 'ap2_mandate_agent_key_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  /** The authorization's nonce is not keccak256 of the mandate chain it came with. */
  MANDATE_BINDING_MISMATCH: {
    reason: 'ap2_mandate_binding_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  MANDATE_REQUIRED: { reason: 'ap2_mandate_required', kind: 'rejected', origin: 'tollgate' },
} as const satisfies Record<string, CodeEntry>
