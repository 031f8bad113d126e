import {
  decodePaymentRequiredHeader,
  isTollgateError,
  type PaymentRequired,
  parsePaymentRequired,
  paymentHeaders,
  TollgateError,
} from '@tollgate/core'

/**
 * A 402's requirements from its parts, whatever the HTTP client: the v2 `PAYMENT-REQUIRED`
 * header, else a v1 JSON body (an object, or its text).
 */
export function readPaymentRequiredParts(
  header: (name: string) => string | null,
  body: unknown,
  url: string,
): PaymentRequired {
  const value = header(paymentHeaders.required)
  try {
    if (value) return decodePaymentRequiredHeader(value)
    return parsePaymentRequired(typeof body === 'string' ? JSON.parse(body) : body)
  } catch (error) {
    if (isTollgateError(error)) throw error
    throw new TollgateError(
      'PAYLOAD_MALFORMED',
      `the 402 from ${url} carries no x402 payment requirements`,
      { cause: error },
    )
  }
}
