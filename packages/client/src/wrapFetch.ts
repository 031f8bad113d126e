import {
  type PaymentRequired,
  paymentHeaders,
  type SettleResponse,
  TollgateError,
} from '@tollgate/core'
import { type PayAheadOptions, RememberedOffers } from './payAhead.ts'
import {
  attemptsAllowed,
  finish,
  judgeResponse,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  type PreparedPayment,
  preparePayment,
  readReceiptHeader,
} from './paymentFlow.ts'
import { readPaymentRequiredParts } from './paymentRequired.ts'

export interface WrapFetchOptions extends PayerOptions {
  /**
   * Pays ahead for a URL this client paid before: the request goes out at once with a payment
   * signed for what its last 402 asked (an `exact` offer, remembered for `ttlMs`), which saves
   * the 402 round trip. A server that wants something else now answers 402 as it would have
   * anyway, and that is paid as usual: a changed price costs a signature, never a round trip or
   * a second payment (the refused one was never settled). Not for a client that identifies
   * itself or binds payments (`identify`, `bind`): those answer a 402's challenge.
   * @default false (every request waits for its 402, as the official client does)
   */
  payAhead?: boolean | PayAheadOptions | undefined
}

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
  const offers =
    options.payAhead && !options.identify && !options.bind
      ? new RememberedOffers(options.payAhead === true ? {} : options.payAhead)
      : undefined
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
    const exchange: Exchange = { request, copy, fetch, options, offers }
    const key = `${request.method} ${request.url}`
    let first: Response | undefined
    const remembered = offers?.recall(key)
    if (remembered) {
      // A policy or guard that refuses it now decides again on the 402 the server sends.
      const ahead = await preparePayment(remembered, request.url, options).catch(() => undefined)
      if (ahead) {
        const answer = await present(exchange, key, remembered, ahead, true)
        if (!('refused' in answer)) return answer
        offers?.forget(key)
        first = answer.refused
      }
    }
    first ??= await fetch(copy())
    if (first.status !== 402) return first
    const required = await readPaymentRequired(first)
    await first.body?.cancel().catch(() => undefined)
    const prepared = await preparePayment(required, request.url, options)
    return (await present(exchange, key, required, prepared, false)) as Response
  }
}

interface Exchange {
  request: Request
  copy(headers?: Headers): Request
  fetch: typeof globalThis.fetch
  options: PayerOptions
  offers: RememberedOffers | undefined
}

/**
 * Presents a signed payment until its outcome is known: the response, or for a payment made
 * ahead that the server refused with a 402, that 402 (`refused`), which says what to pay.
 */
async function present(
  exchange: Exchange,
  key: string,
  offered: PaymentRequired,
  signed: PreparedPayment,
  ahead: boolean,
): Promise<Response | { refused: Response }> {
  const { request, copy, fetch, options } = exchange
  let required = offered
  let prepared = signed
  const headers = new Headers(request.headers)
  const sign = () => {
    headers.set(prepared.header.name, prepared.header.value)
    for (const [name, value] of Object.entries(prepared.headers ?? {})) headers.set(name, value)
  }
  sign()
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
    if (ahead && response && judgement.kind === 'settled' && !judgement.receipt) {
      // Served without a receipt: the route may be free now, and the payment it was handed may
      // yet be settled, or never.
      exchange.offers?.forget(key)
      await finishUnknown(prepared, attempt, 'served without a payment receipt', options)
      return response
    }
    if (judgement.kind !== 'unknown' || attempt >= attempts) {
      await finish(prepared, outcomeOf(judgement, prepared.payment, attempt), options)
      if (judgement.kind === 'settled') exchange.offers?.remember(key, required, prepared.payment)
      if (ahead && judgement.kind === 'failed' && response?.status === 402)
        return { refused: response }
      const corrected =
        judgement.kind === 'failed' && response?.status === 402 && !recovered
          ? await correctedRequired(response, prepared)
          : undefined
      if (corrected) {
        recovered = true
        required = corrected
        prepared = await preparePayment(required, request.url, options)
        sign()
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

/** The 402's corrected offers, when the payment's scheme adopted them and may pay again. */
async function correctedRequired(
  response: Response,
  prepared: PreparedPayment,
): Promise<PaymentRequired | undefined> {
  if (!prepared.scheme?.recover) return undefined
  const required = await readPaymentRequired(response).catch(() => undefined)
  if (!required || !(await prepared.scheme.recover(required))) return undefined
  // Not awaited: a body read through a clone settles its cancel only once both copies are done.
  response.body?.cancel().catch(() => undefined)
  return required
}

async function finishUnknown(
  prepared: PreparedPayment,
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
