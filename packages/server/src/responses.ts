import {
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
  type PaymentRequired,
  paymentHeaders,
  paymentRequiredToV1,
  reasonOf,
  type SettleResponse,
  type X402Version,
} from '@tollgate/core'

/** A response the gate answers with instead of the handler's. */
export interface GateResponse {
  status: number
  headers: Record<string, string>
  /** Text for the gate's own answers; bytes for a replayed response. */
  body: string | Uint8Array
}

/** Browsers may read these only when a server exposes them. */
export const exposedHeaders = [
  paymentHeaders.required,
  paymentHeaders.response,
  paymentHeaders.v1Response,
].join(', ')

/**
 * Response headers a handler may set for the gate (an `upto` charge below the authorized amount)
 * that never reach the client; adapters remove them from every paid response.
 */
export const withheldHeaders: readonly string[] = ['settlement-overrides']

const json = { 'content-type': 'application/json; charset=utf-8' }

/**
 * 402 with the v2 `PAYMENT-REQUIRED` header and a body people and v1 clients can read. Where an
 * offer has a v1 network name, the body's top level is the v1 form, which v1 clients read, else
 * the v2 document. The v1 form lists only offers with a v1 name, so the full v2 document (every
 * offer, e.g. Solana or a CAIP-2-only chain) is always in `paymentRequired` too. The reason is in
 * `error` either way. A payer who has not approved Permit2 gets 412, as from the reference server:
 * the offer stands, and the payer must send its one-time approval before paying again.
 */
export function paymentRequiredResponse(required: PaymentRequired, message?: string): GateResponse {
  const v1 = paymentRequiredToV1(required)
  const v2 = { ...required, x402Version: 2 }
  const top = v1.accepts.length > 0 ? v1 : v2
  const body = { ...top, paymentRequired: v2, ...(message ? { message } : {}) }
  return {
    status: required.error === reasonOf('PERMIT2_ALLOWANCE_REQUIRED') ? 412 : 402,
    headers: {
      ...json,
      [paymentHeaders.required]: encodePaymentRequiredHeader(required),
      'cache-control': 'no-store',
      'access-control-expose-headers': exposedHeaders,
    },
    body: JSON.stringify(body),
  }
}

/** 402 after a settlement that did not succeed: the receipt says why, the body repeats it. */
export function settlementFailedResponse(
  receipt: SettleResponse,
  version: X402Version,
): GateResponse {
  const header = encodePaymentResponseHeader(receipt, version)
  const pending = receipt.errorReason === reasonOf('SETTLEMENT_PENDING')
  return {
    status: 402,
    headers: {
      ...json,
      [header.name]: header.value,
      'cache-control': 'no-store',
      'access-control-expose-headers': exposedHeaders,
      ...(pending ? { 'retry-after': '2' } : {}),
    },
    body: JSON.stringify({
      error: receipt.errorReason,
      ...(receipt.errorMessage ? { message: receipt.errorMessage } : {}),
      ...(receipt.transaction ? { transaction: receipt.transaction } : {}),
      ...(pending
        ? { retry: 'present the same payment again to finish settling; do not pay again' }
        : {}),
    }),
  }
}

/** 503 when the facilitator cannot be asked: the server fails closed. */
export function unavailableResponse(reason: string, message: string): GateResponse {
  return {
    status: 503,
    headers: { ...json, 'cache-control': 'no-store', 'retry-after': '5' },
    body: JSON.stringify({ error: reason, message }),
  }
}

/**
 * 409 while the first presentation of the same payment is still being served: the buyer asks
 * again shortly and gets its stored response; the payment never runs twice.
 */
export function inProgressResponse(): GateResponse {
  return {
    status: 409,
    headers: { ...json, 'cache-control': 'no-store', 'retry-after': '1' },
    body: JSON.stringify({
      error: reasonOf('PAYMENT_IN_PROGRESS'),
      message: 'this payment is still being served; present it again shortly for its response',
    }),
  }
}

/** 503 when the response store cannot be reached: no payment proceeds without its guard. */
export function storeUnavailableResponse(error: unknown): GateResponse {
  const detail = error instanceof Error ? error.message : String(error)
  return unavailableResponse(
    reasonOf('RESPONSE_STORE_UNAVAILABLE'),
    `the response store cannot be reached (${detail}); retry shortly`,
  )
}
