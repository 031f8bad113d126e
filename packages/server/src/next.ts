/**
 * @module @tollgate/server/next
 * x402 payments for Next.js App Router route handlers:
 * `export const GET = withPayment(handler, gate)`. The handler gets the verified payment as its
 * third argument; its response is read whole and released only once the payment settled. A
 * handler that throws or answers with a status ≥ 400 is not charged.
 *
 * Next's proxy (middleware) runs before the route and cannot wait for its response, so it could
 * only settle before the handler ran, charging for failures too: wrap route handlers instead.
 */
import { unavailable } from './facilitatorTrouble.ts'
import {
  failedHandler,
  type GateFinish,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
} from './index.ts'
import { releasedResponse, toResponse } from './webResponses.ts'

/** A route handler that is paid for: Next's arguments, then the payment it serves. */
export type PaidRouteHandler<R extends Request = Request, C = unknown> = (
  request: R,
  context: C,
  payment: VerifiedPayment,
) => Response | Promise<Response>

/** What Next calls: a route handler for `GET`, `POST`, … exports. */
export type RouteHandler<R extends Request = Request, C = unknown> = (
  request: R,
  context: C,
) => Promise<Response>

/**
 * Wraps a route handler so it runs only for a verified payment and is charged only after it
 * succeeded. Pass one gate to share it (and its replay protection) between routes; options build
 * a gate on the first request, not at import, since Next also imports route modules at build
 * time. A request the gate does not price is a configuration error: it throws, so a paid handler
 * is never served for free.
 *
 * @example
 * export const GET = withPayment(async (request, context, payment) => {
 *   return Response.json({ report: 'quarterly', paidBy: payment.payer })
 * }, gate)
 */
export function withPayment<R extends Request = Request, C = unknown>(
  handler: PaidRouteHandler<R, C>,
  options: PaymentGateOptions | PaymentGate,
): RouteHandler<R, C> {
  let gate = options instanceof PaymentGate ? options : undefined
  return async function paidRoute(request, context) {
    gate ??= options instanceof PaymentGate ? options : new PaymentGate(options)
    const target = new URL(request.url)
    const path = target.pathname
    // Next builds `request.url` on its own hostname (localhost); buyers see the host they asked.
    const host = request.headers.get('host')
    const decision = await gate.begin({
      method: request.method,
      path,
      url: host ? `${target.protocol}//${host}${path}${target.search}` : request.url,
      header: (name) => request.headers.get(name) ?? undefined,
    })
    if (decision.kind === 'pass')
      throw new Error(`withPayment: the gate prices no route for ${request.method} ${path}`)
    if (decision.kind === 'respond') return toResponse(decision.response)

    let handled: Response
    let body: Uint8Array
    try {
      handled = await handler(request, context, decision.payment)
      // The handler's response is held back until the settlement succeeds.
      body = new Uint8Array(await handled.arrayBuffer())
    } catch (error) {
      // Not charged; the payment stays usable. Next answers the error as it would unwrapped.
      await decision.finish(failedHandler())
      throw error
    }
    const finish: GateFinish = await decision
      .finish({ status: handled.status, headers: handled.headers, body })
      .catch((error: unknown) => ({ kind: 'respond', response: unavailable(error) }))
    if (finish.kind === 'respond') return toResponse(finish.response)
    return releasedResponse(handled, body, finish.headers)
  }
}
