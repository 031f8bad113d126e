import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  isTollgateError,
  type PaymentPayload,
  type PaymentRequired,
  parsePaymentRequired,
  paymentHeaders,
  type SchemeClient,
  type SettleResponse,
  TollgateError,
} from '@tollgate/core'
import { type PaymentPolicy, selectRequirements } from './paymentPolicy.ts'

export interface WrapFetchOptions extends PaymentPolicy {
  /** Scheme clients that can sign, e.g. `[exactEvmClient({ signer })]`. */
  schemes: readonly SchemeClient[]
  /** Called after a payment was signed, before it is sent. */
  onPayment?: (payment: PaymentPayload) => void
}

/**
 * Wraps `fetch` so a 402 is paid automatically: it reads the v2 header (or a v1 body), picks a
 * requirement the policy allows, signs once and retries once. It never signs twice for one
 * request; a refused payment throws before anything is signed.
 */
export function wrapFetch(
  fetch: typeof globalThis.fetch,
  options: WrapFetchOptions,
): typeof globalThis.fetch {
  return async function fetchWithPayment(input, init) {
    const request = new Request(input, init)
    if (
      request.headers.has(paymentHeaders.signature) ||
      request.headers.has(paymentHeaders.v1Payment)
    ) {
      return fetch(request)
    }
    const first = await fetch(request.clone())
    if (first.status !== 402) return first
    const required = await readPaymentRequired(first)
    const selection = selectRequirements(required.accepts, options.schemes, options)
    if (!selection.ok) {
      throw new TollgateError(
        'POLICY_REFUSED',
        `refused to pay for ${request.url}: ${selection.reasons.join('; ') || 'nothing offered'}`,
      )
    }
    const { requirements, scheme } = selection.chosen
    const payment: PaymentPayload = {
      x402Version: required.x402Version,
      ...(required.x402Version === 2 ? { resource: required.resource } : {}),
      accepted: requirements,
      payload: await scheme.createPayload(requirements, {
        x402Version: required.x402Version,
        resource: required.resource,
      }),
      ...(required.extensions ? { extensions: required.extensions } : {}),
    }
    options.onPayment?.(payment)
    const header = encodePaymentHeader(payment)
    const paid = new Request(request, { headers: new Headers(request.headers) })
    paid.headers.set(header.name, header.value)
    return fetch(paid)
  }
}

/** The 402's requirements: the `PAYMENT-REQUIRED` header, or a v1 JSON body. */
async function readPaymentRequired(response: Response): Promise<PaymentRequired> {
  const header = response.headers.get(paymentHeaders.required)
  try {
    if (header) return decodePaymentRequiredHeader(header)
    const body: unknown = await response.clone().json()
    return parsePaymentRequired(body)
  } catch (error) {
    if (isTollgateError(error)) throw error
    throw new TollgateError(
      'PAYLOAD_MALFORMED',
      `the 402 from ${response.url} carries no x402 payment requirements`,
      {
        cause: error,
      },
    )
  }
}

/** The settlement receipt of a paid response (`PAYMENT-RESPONSE` or `X-PAYMENT-RESPONSE`), if any. */
export function readReceipt(response: Response): SettleResponse | undefined {
  const header =
    response.headers.get(paymentHeaders.response) ?? response.headers.get(paymentHeaders.v1Response)
  if (!header) return undefined
  try {
    return decodePaymentResponseHeader(header)
  } catch {
    return undefined
  }
}
