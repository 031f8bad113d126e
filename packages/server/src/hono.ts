/**
 * @module @tollgate/server/hono
 * x402 payments for Hono routes: `app.use(paymentMiddleware({ routes, facilitator, schemes }))`.
 * A paid handler reads the verified payment with `c.get('x402')`.
 */
import type { MiddlewareHandler } from 'hono'
import {
  type GateResponse,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
  withheldHeaders,
} from './index.ts'

export type { PaymentGateOptions as PaymentMiddlewareOptions } from './index.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** The payment being served; set on paid routes only. */
    x402: VerifiedPayment
  }
}

/** Hono middleware that charges for the configured routes. */
export function paymentMiddleware(options: PaymentGateOptions | PaymentGate): MiddlewareHandler {
  const gate = options instanceof PaymentGate ? options : new PaymentGate(options)
  gate.initialize().catch(() => undefined)
  return async function paymentMiddleware(c, next) {
    const decision = await gate.begin({
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      url: c.req.url,
      header: (name) => c.req.header(name),
    })
    if (decision.kind === 'pass') return next()
    if (decision.kind === 'respond') return toResponse(decision.response)

    c.set('x402', decision.payment)
    await next()
    const handled = c.res
    // The handler's response is held back until the settlement succeeds.
    const body = await handled.arrayBuffer()
    const finish = await decision.finish(handled.status)
    // Clearing first stops Hono from merging the handler's headers into a replacement.
    c.res = undefined
    if (finish.kind === 'respond') {
      c.res = toResponse(finish.response)
      return
    }
    const headers = new Headers(handled.headers)
    for (const name of withheldHeaders) headers.delete(name)
    for (const [name, value] of Object.entries(finish.headers)) headers.set(name, value)
    if (!headers.has('cache-control')) headers.set('cache-control', 'private')
    c.res = new Response(nullBodyStatus.has(handled.status) ? null : body, {
      status: handled.status,
      statusText: handled.statusText,
      headers,
    })
  }
}

/** Statuses a `Response` may not carry a body with. */
const nullBodyStatus = new Set([101, 103, 204, 205, 304])

function toResponse(response: GateResponse): Response {
  return new Response(response.body, { status: response.status, headers: response.headers })
}
