import { decodeBase64Utf8, encodeBase64Utf8 } from '../encoding/base64.ts'
import { parseStrictJson } from '../encoding/strictJson.ts'
import { TollgateError } from '../errors/TollgateError.ts'
import { parsePaymentRequired, parseSettleResponse } from '../wire/parse.ts'
import type { PaymentPayload, PaymentRequired, SettleResponse, X402Version } from '../wire/types.ts'
import { paymentPayloadToV1, settleResponseToV1 } from '../wire/v1.ts'

/** Header names of the HTTP transport, v2 and legacy v1. */
export const paymentHeaders = {
  required: 'PAYMENT-REQUIRED',
  signature: 'PAYMENT-SIGNATURE',
  response: 'PAYMENT-RESPONSE',
  v1Payment: 'X-PAYMENT',
  v1Response: 'X-PAYMENT-RESPONSE',
} as const

/**
 * Largest payment header accepted, in characters. A signed EVM payment is about 1.5 KB; smart
 * wallet signatures and extensions make it larger, 32 KiB leaves room without inviting abuse.
 * @default 32768
 */
export const paymentHeaderLengthMax = 32 * 1024

/** base64(JSON) as the transport requires. */
export function encodeJsonHeader(value: unknown): string {
  return encodeBase64Utf8(JSON.stringify(value))
}

/**
 * Decodes a base64(JSON) header strictly: standard padded base64, UTF-8, JSON without
 * duplicate keys, at most `lengthMax` characters. Throws `invalid_payload` otherwise.
 */
export function decodeJsonHeader(
  header: string,
  name: string,
  lengthMax: number = paymentHeaderLengthMax,
): unknown {
  const value = header.trim()
  if (value.length === 0) throw new TollgateError('PAYLOAD_MALFORMED', `${name} header is empty`)
  if (value.length > lengthMax) {
    throw new TollgateError('PAYLOAD_MALFORMED', `${name} header exceeds ${lengthMax} characters`)
  }
  const text = decodeBase64Utf8(value)
  if (text === undefined) {
    throw new TollgateError(
      'PAYLOAD_MALFORMED',
      `${name} header is not standard base64 of UTF-8 text`,
    )
  }
  const parsed = parseStrictJson(text)
  if (!parsed.ok) throw new TollgateError('PAYLOAD_MALFORMED', `${name} header: ${parsed.error}`)
  return parsed.value
}

/** `PAYMENT-REQUIRED` always carries the v2 form. */
export function encodePaymentRequiredHeader(required: PaymentRequired): string {
  return encodeJsonHeader({ ...required, x402Version: 2 })
}

export function decodePaymentRequiredHeader(header: string): PaymentRequired {
  return parsePaymentRequired(decodeJsonHeader(header, paymentHeaders.required))
}

/** The header name and value that carry a payment in its own protocol version. */
export function encodePaymentHeader(payload: PaymentPayload): { name: string; value: string } {
  if (payload.x402Version === 1) {
    return { name: paymentHeaders.v1Payment, value: encodeJsonHeader(paymentPayloadToV1(payload)) }
  }
  return { name: paymentHeaders.signature, value: encodeJsonHeader(payload) }
}

/** The receipt header for a payment made in `version`. */
export function encodePaymentResponseHeader(
  response: SettleResponse,
  version: X402Version,
): { name: string; value: string } {
  if (version === 1) {
    return {
      name: paymentHeaders.v1Response,
      value: encodeJsonHeader(settleResponseToV1(response)),
    }
  }
  return { name: paymentHeaders.response, value: encodeJsonHeader(response) }
}

export function decodePaymentResponseHeader(header: string): SettleResponse {
  return parseSettleResponse(decodeJsonHeader(header, paymentHeaders.response))
}
