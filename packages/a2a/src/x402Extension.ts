/**
 * The x402 extension for A2A (google-agentic-commerce/a2a-x402, and x402's own
 * `transports-v2/a2a.md`): the URIs an agent card declares, the message metadata keys, the
 * payment statuses and the short error codes.
 */

/**
 * The URI this package declares: the one x402's v2 A2A transport and the Python reference
 * (`X402_EXTENSION_URI`) use, so v2 clients written against either find it.
 */
export const x402ExtensionUri = 'https://github.com/google-a2a/a2a-x402/v0.1'

/** Every URI in circulation for the same extension; any of them activates it. */
export const x402ExtensionUris: readonly string[] = [
  x402ExtensionUri,
  'https://github.com/google-agentic-commerce/a2a-x402/blob/main/spec/v0.2',
  'https://google-a2a.github.io/A2A/extensions/payments/x402/v0.1',
]

export const x402MetadataKeys = {
  status: 'x402.payment.status',
  required: 'x402.payment.required',
  payload: 'x402.payment.payload',
  receipts: 'x402.payment.receipts',
  error: 'x402.payment.error',
} as const

export type X402PaymentStatus =
  | 'payment-required'
  | 'payment-submitted'
  | 'payment-rejected'
  | 'payment-verified'
  | 'payment-completed'
  | 'payment-failed'

export const x402PaymentStatuses: readonly X402PaymentStatus[] = [
  'payment-required',
  'payment-submitted',
  'payment-rejected',
  'payment-verified',
  'payment-completed',
  'payment-failed',
]

/** The extension's short error codes (`x402.payment.error`). */
export type X402ErrorCode =
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_SIGNATURE'
  | 'EXPIRED_PAYMENT'
  | 'DUPLICATE_NONCE'
  | 'NETWORK_MISMATCH'
  | 'INVALID_AMOUNT'
  | 'SETTLEMENT_FAILED'

/**
 * The extension's code for an x402 reason. The code list is short, so the full reason also goes
 * in the receipt's `errorReason`; a reason no code names reads as a failed payment.
 */
export function x402ErrorCodeOf(reason: string): X402ErrorCode {
  if (/insufficient_(funds|balance)|exceeds_balance/.test(reason)) return 'INSUFFICIENT_FUNDS'
  if (/signature/.test(reason)) return 'INVALID_SIGNATURE'
  if (/valid_before|valid_after|expired/.test(reason)) return 'EXPIRED_PAYMENT'
  if (/nonce_already_used|duplicate_settlement|payment_already_in_use/.test(reason))
    return 'DUPLICATE_NONCE'
  if (/network_mismatch|invalid_network/.test(reason)) return 'NETWORK_MISMATCH'
  if (/value_mismatch|amount|no_matching_payment_requirements/.test(reason)) return 'INVALID_AMOUNT'
  return 'SETTLEMENT_FAILED'
}

/** Whether a declared or requested extension URI is the x402 extension, in any of its spellings. */
export function isX402ExtensionUri(uri: string): boolean {
  return x402ExtensionUris.includes(uri.trim())
}
