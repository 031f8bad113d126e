/**
 * @module @tollgate/server/hono
 * x402 payments for Hono routes: `app.use(paymentMiddleware({ routes, facilitator, schemes }))`.
 * A paid handler reads the verified payment with `c.get('x402')`.
 */
import type { MiddlewareHandler } from 'hono'
import { PaymentGate, type PaymentGateOptions, type VerifiedPayment } from './index.ts'
import { releasedResponse, toResponse } from './webResponses.ts'

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
    const body = new Uint8Array(await handled.arrayBuffer())
    const finish = await decision.finish({ status: handled.status, headers: handled.headers, body })
    // Clearing first stops Hono from merging the handler's headers into a replacement.
    c.res = undefined
    if (finish.kind === 'respond') {
      c.res = toResponse(finish.response)
      return
    }
    c.res = releasedResponse(handled, body, finish.headers)
  }
}
