import type { ErrorCode, PaymentPayload } from '@tollgate/core'

/** The `payment-identifier` extension (x402 §7.2): a client-chosen id for idempotent paying. */
export const paymentIdentifierKey = 'payment-identifier'

const idPattern = /^[a-zA-Z0-9_-]{16,128}$/

/**
 * The id a payment carries, if any. A payment that says the id is required but carries none,
 * or carries a malformed one, is a problem with a code.
 */
export function readPaymentIdentifier(payload: PaymentPayload): {
  id?: string | undefined
  problem?: { code: ErrorCode; message: string } | undefined
} {
  const extension = payload.extensions?.[paymentIdentifierKey]
  if (extension === undefined) return {}
  const info = (
    typeof extension === 'object' && extension !== null
      ? (extension as { info?: unknown }).info
      : undefined
  ) as { id?: unknown; required?: unknown } | undefined
  const id = info?.id
  if (id === undefined || id === null || id === '') {
    if (info?.required === true) {
      return {
        problem: {
          code: 'PAYMENT_IDENTIFIER_REQUIRED',
          message: 'this payment must carry a payment-identifier id',
        },
      }
    }
    return {}
  }
  if (typeof id !== 'string' || !idPattern.test(id)) {
    return {
      problem: {
        code: 'PAYLOAD_MALFORMED',
        message: 'payment-identifier id must be 16-128 characters of [A-Za-z0-9_-]',
      },
    }
  }
  return { id }
}
