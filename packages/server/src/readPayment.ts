import {
  decodeJsonHeader,
  type ErrorCode,
  isTollgateError,
  type PaymentPayload,
  type PaymentRequirements,
  parsePaymentPayload,
  paymentPayloadFromV1,
  v1PaymentMatches,
} from '@tollgate/core'

/**
 * Reads a `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1) header into the internal shape. A v1
 * payment names only scheme and network, so it takes the offered requirement that matches them.
 */
export function readPayment(
  header: string,
  offered: readonly PaymentRequirements[],
): { payload: PaymentPayload } | { code: ErrorCode; message: string } {
  try {
    const parsed = parsePaymentPayload(decodeJsonHeader(header, 'payment'))
    if (parsed.version === 2) return { payload: parsed.payload }
    const accepted = offered.find((requirements) => v1PaymentMatches(parsed.payload, requirements))
    if (!accepted)
      return {
        code: 'REQUIREMENTS_NO_MATCH',
        message: 'no offered requirement has this scheme and network',
      }
    return { payload: paymentPayloadFromV1(parsed.payload, accepted) }
  } catch (error) {
    if (isTollgateError(error)) return { code: error.code, message: error.message }
    throw error
  }
}
