import type { PaymentPayload } from '@tollgate/core'

/** The `payment-identifier` extension (x402 §7.2): one id for every presentation of a payment. */
export const paymentIdentifierKey = 'payment-identifier'

const idPattern = /^[a-zA-Z0-9_-]{16,128}$/

/** What a route declares: an id is welcome, not required, so any client can still pay. */
export function paymentIdentifierDeclaration(): Record<string, unknown> {
  return {
    info: { required: false },
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        required: { type: 'boolean' },
        id: { type: 'string', minLength: 16, maxLength: 128, pattern: '^[a-zA-Z0-9_-]+$' },
      },
      required: ['required'],
    },
  }
}

/** The id a payment carries; a malformed one counts as none (it cannot name a stored answer). */
export function identifierOf(payment: PaymentPayload): string | undefined {
  const extension = payment.extensions?.[paymentIdentifierKey]
  if (typeof extension !== 'object' || extension === null) return undefined
  const info = (extension as { info?: unknown }).info
  if (typeof info !== 'object' || info === null) return undefined
  const id = (info as { id?: unknown }).id
  return typeof id === 'string' && idPattern.test(id) ? id : undefined
}
