import {
  type PaymentRequired,
  paymentHeaders,
  type SettleResponse,
  TollgateError,
} from '@tollgate/core'
import {
  attemptsAllowed,
  finish,
  judgeResponse,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  preparePayment,
  readReceiptHeader,
} from './paymentFlow.ts'
import { readPaymentRequiredParts } from './paymentRequired.ts'

export type WrapFetchOptions = PayerOptions

/**
 * Wraps `fetch` so a 402 is paid automatically: it reads the v2 header (or a v1 body), picks a
 * requirement the policy allows, asks the spending guard, and signs once. A refused payment
 * throws before anything is signed. When the paid request gets no final answer (lost in transit,
 * a 5xx, `settlement_pending`), the same signed payment is presented again, never a new one, so
 * one request pays at most once; `onOutcome` reports how it ended.
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
    // The body is kept so the request can be sent again with the payment, and again after that.
    const body = request.body ? await request.clone().arrayBuffer() : undefined
    const copy = (headers?: Headers) =>
      new Request(request, { headers: headers ?? request.headers, ...(body ? { body } : {}) })
    const first = await fetch(copy())
    if (first.status !== 402) return first
    let required = await readPaymentRequired(first)
    await first.body?.cancel().catch(() => undefined)
    let prepared = await preparePayment(required, request.url, options)
    const headers = new Headers(request.headers)
    headers.set(prepared.header.name, prepared.header.value)
    for (const [name, value] of Object.entries(prepared.headers ?? {})) headers.set(name, value)
    // A scheme with state (a channel) may be told its state was stale: once per request it
    // adopts the server's corrected state and signs again.
    let recovered = false

    const attempts = attemptsAllowed(options)
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined
      let lost: unknown
      try {
        response = await fetch(copy(headers))
      } catch (error) {
        if (request.signal.aborted) {
          await finishUnknown(prepared, attempt, 'aborted before an answer came', options)
          throw error
        }
        lost = error
      }
      const judgement = response
        ? judgeResponse(response.status, (name) => response.headers.get(name))
        : { kind: 'unknown' as const, reason: `no answer: ${(lost as Error).message}` }
      if (judgement.kind !== 'unknown' || attempt >= attempts) {
        await finish(prepared, outcomeOf(judgement, prepared.payment, attempt), options)
        const corrected =
          judgement.kind === 'failed' && response?.status === 402 && !recovered
            ? await correctedRequired(response, prepared)
            : undefined
        if (corrected) {
          recovered = true
          required = corrected
          prepared = await preparePayment(required, request.url, options)
          headers.set(prepared.header.name, prepared.header.value)
          for (const [name, value] of Object.entries(prepared.headers ?? {}))
            headers.set(name, value)
          attempt = 0
          continue
        }
        if (response) return response
        throw new TollgateError(
          'SETTLEMENT_PENDING',
          `no answer from ${request.url} after ${attempt} presentations of one payment; ` +
            'it may still settle: present the same payment again, do not pay again',
          { cause: lost },
        )
      }
      await response?.body?.cancel()
      await sleep(
        nextDelayMs(
          attempt,
          options,
          'retryAfterMs' in judgement ? judgement.retryAfterMs : undefined,
        ),
        request.signal,
      )
    }
  }
}

/** The 402's corrected offers, when the payment's scheme adopted them and may pay again. */
async function correctedRequired(
  response: Response,
  prepared: Awaited<ReturnType<typeof preparePayment>>,
): Promise<PaymentRequired | undefined> {
  if (!prepared.scheme?.recover) return undefined
  const required = await readPaymentRequired(response).catch(() => undefined)
  if (!required || !(await prepared.scheme.recover(required))) return undefined
  // Not awaited: a body read through a clone settles its cancel only once both copies are done.
  response.body?.cancel().catch(() => undefined)
  return required
}

async function finishUnknown(
  prepared: Awaited<ReturnType<typeof preparePayment>>,
  attempts: number,
  reason: string,
  options: PayerOptions,
) {
  await finish(prepared, { state: 'pending', payment: prepared.payment, reason, attempts }, options)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

/** The 402's requirements: the `PAYMENT-REQUIRED` header, or a v1 JSON body. */
export async function readPaymentRequired(response: Response): Promise<PaymentRequired> {
  const header = (name: string) => response.headers.get(name)
  const body = header(paymentHeaders.required)
    ? undefined
    : await response
        .clone()
        .text()
        .catch(() => undefined)
  return readPaymentRequiredParts(header, body, response.url)
}

/** The settlement receipt of a paid response (`PAYMENT-RESPONSE` or `X-PAYMENT-RESPONSE`), if any. */
export function readReceipt(response: Response): SettleResponse | undefined {
  return readReceiptHeader((name) => response.headers.get(name))
}
