/**
 * Web `Response`s for the adapters whose frameworks speak them (Hono, Next.js): the gate's own
 * answer, and the handler's held response released with the receipt.
 */
import { type GateResponse, withheldHeaders } from './index.ts'

/** Statuses a `Response` may not carry a body with. */
const nullBodyStatus = new Set([101, 103, 204, 205, 304])

export function toResponse(response: GateResponse): Response {
  const body = typeof response.body === 'string' ? response.body : new Uint8Array(response.body)
  return new Response(nullBodyStatus.has(response.status) ? null : body, {
    status: response.status,
    headers: response.headers,
  })
}

/**
 * The handler's response, read whole while the payment settled, with the receipt headers added
 * and the headers a buyer must never see removed; private unless the handler said otherwise.
 * `statusText` is copied only when asked: reading it from `@hono/node-server`'s lightweight
 * response builds the full one, which is what buffering its body there avoided.
 */
export function releasedResponse(
  handled: Response,
  body: Uint8Array,
  receiptHeaders: Record<string, string>,
  keepStatusText = true,
): Response {
  const headers = new Headers(handled.headers)
  for (const name of withheldHeaders) headers.delete(name)
  for (const [name, value] of Object.entries(receiptHeaders)) headers.set(name, value)
  if (!headers.has('cache-control')) headers.set('cache-control', 'private')
  return new Response(nullBodyStatus.has(handled.status) ? null : new Uint8Array(body), {
    status: handled.status,
    ...(keepStatusText ? { statusText: handled.statusText } : {}),
    headers,
  })
}
