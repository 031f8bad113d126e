import {
  decodePaymentRequiredHeader,
  encodePaymentRequiredHeader,
  type PaymentRequired,
  paymentHeaders,
} from '@tollgate/core'
import { SIGN_IN_WITH_X, type SiwxExtension } from '@tollgate/trust'

/** Why a sign-in sent with the request did not read the article for free; in the 402's body. */
export type SignInNote =
  | { address: string; purchased: false }
  | { refused: string; message: string }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function withExtension(required: PaymentRequired, extension: SiwxExtension): PaymentRequired {
  return { ...required, extensions: { ...required.extensions, [SIGN_IN_WITH_X]: extension } }
}

/**
 * The payment gate's 402 with the sign-in-with-x challenge added, since the gate declares only
 * its own extensions: in `PAYMENT-REQUIRED`, and in the JSON body's copies of the document (the
 * v2 `paymentRequired`, and the top level when that is v2 too). The paywall's HTML is left as
 * it is; its header carries the challenge like every other 402. Any other response (a 402 after
 * a failed settlement has no `PAYMENT-REQUIRED`) passes unchanged.
 */
export async function withSignInChallenge(
  response: Response,
  extension: SiwxExtension,
  note?: SignInNote,
): Promise<Response> {
  const header = response.headers.get(paymentHeaders.required)
  if (response.status !== 402 || !header) return response
  let required: PaymentRequired
  try {
    required = decodePaymentRequiredHeader(header)
  } catch {
    return response
  }
  const headers = new Headers(response.headers)
  headers.set(
    paymentHeaders.required,
    encodePaymentRequiredHeader(withExtension(required, extension)),
  )
  if (!(headers.get('content-type') ?? '').includes('json'))
    return new Response(response.body, { status: response.status, headers })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return new Response(text, { status: response.status, headers })
  }
  if (isRecord(body)) {
    if (isRecord(body.paymentRequired)) {
      const inner = body.paymentRequired
      inner.extensions = {
        ...(isRecord(inner.extensions) ? inner.extensions : {}),
        [SIGN_IN_WITH_X]: extension,
      }
    }
    if (body.x402Version === 2)
      body.extensions = {
        ...(isRecord(body.extensions) ? body.extensions : {}),
        [SIGN_IN_WITH_X]: extension,
      }
    if (note) body.signIn = note
  }
  headers.delete('content-length')
  return new Response(JSON.stringify(body), { status: response.status, headers })
}
