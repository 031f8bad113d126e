/**
 * @module @tollgate/server/hono
 * x402 payments for Hono routes: `app.use(paymentMiddleware({ routes, facilitator, schemes }))`.
 * A paid handler reads the verified payment with `c.get('x402')`.
 */
import type { MiddlewareHandler } from 'hono'
import { PaymentGate, type PaymentGateOptions, type VerifiedPayment } from './index.ts'
import { releasedResponse, toResponse } from './webResponses.ts'

const encoder = new TextEncoder()

/**
 * The body of a response `@hono/node-server` made without a full web `Response` (its lightweight
 * one keeps `[status, body, headers]` under a symbol described `cache` until someone reads the
 * body). Reading it there spares building the full `Response` and its stream only to buffer a
 * string, which costs more than the rest of a voucher's check. Undefined for any other response:
 * the caller reads it the standard way.
 */
function heldBody(response: Response): Uint8Array | undefined {
  for (const key of Object.getOwnPropertySymbols(response)) {
    if (key.description !== 'cache') continue
    const cached: unknown = Reflect.get(response, key)
    if (!Array.isArray(cached) || cached.length !== 3) return undefined
    const body: unknown = cached[1]
    if (typeof body === 'string') return encoder.encode(body)
    if (body instanceof Uint8Array) return new Uint8Array(body)
    return undefined
  }
  return undefined
}

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
    const held = heldBody(handled)
    const body = held ?? new Uint8Array(await handled.arrayBuffer())
    const finish = await decision.finish({ status: handled.status, headers: handled.headers, body })
    // Clearing first stops Hono from merging the handler's headers into a replacement.
    c.res = undefined
    if (finish.kind === 'respond') {
      c.res = toResponse(finish.response)
      return
    }
    // Its status text stays behind: reading it builds the full response (Hono's helpers set none).
    c.res = releasedResponse(handled, body, finish.headers, held === undefined)
  }
}
