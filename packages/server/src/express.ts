/**
 * @module @tollgate/server/express
 * x402 payments for Express routes: `app.use(paymentMiddleware({ routes, facilitator, schemes }))`.
 * A paid handler reads the verified payment from `res.locals.x402`.
 */

import { reasonOf } from '@tollgate/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  type GateFinish,
  type GateResponse,
  type HandlerResponse,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
  withheldHeaders,
} from './index.ts'

export type { PaymentGateOptions as PaymentMiddlewareOptions } from './index.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The payment being served; set on paid routes only. */
      x402?: VerifiedPayment
    }
  }
}

/** Express middleware that charges for the configured routes. */
export function paymentMiddleware(options: PaymentGateOptions | PaymentGate): RequestHandler {
  const gate = options instanceof PaymentGate ? options : new PaymentGate(options)
  gate.initialize().catch(() => undefined)
  return function paymentMiddleware(req: Request, res: Response, next: NextFunction) {
    const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
    gate
      .begin({
        method: req.method,
        path: req.path,
        url,
        header: (name) => req.get(name),
      })
      .then((decision) => {
        if (decision.kind === 'pass') return next()
        if (decision.kind === 'respond') return send(res, decision.response)
        res.locals.x402 = decision.payment
        holdResponse(res, decision.finish)
        next()
      })
      .catch(next)
  }
}

/** Headers are set as given: `res.set` would add a charset to a replayed content type. */
function send(res: Response, response: GateResponse): void {
  res.status(response.status)
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  res.end(bodyOf(response))
}

/**
 * Buffers everything the handler writes; on `end` the gate decides whether the buffered
 * response is released (with the receipt header) or replaced. Nothing reaches the socket first.
 */
function holdResponse(
  res: Response,
  finish: (handled: HandlerResponse) => Promise<GateFinish>,
): void {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  }
  const chunks: Buffer[] = []
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return
    const text = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'
    chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array as string, text),
    )
  }
  res.flushHeaders = () => undefined
  res.writeHead = function writeHead(status: number, ...rest: unknown[]) {
    res.statusCode = status
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null)
    if (headers)
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string)
    return res
  } as Response['writeHead']
  res.write = function write(chunk: unknown, encoding?: unknown, callback?: unknown) {
    collect(chunk, encoding)
    const done = [encoding, callback].find((arg) => typeof arg === 'function') as
      | (() => void)
      | undefined
    done?.()
    return true
  } as Response['write']
  res.end = function end(chunk?: unknown, encoding?: unknown, callback?: unknown) {
    collect(chunk, encoding)
    Object.assign(res, original)
    const done = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as
      | (() => void)
      | undefined
    finish({ status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) })
      .then((outcome) => {
        if (outcome.kind === 'respond') {
          for (const name of res.getHeaderNames()) res.removeHeader(name)
          res
            .status(outcome.response.status)
            .set(outcome.response.headers)
            .end(bodyOf(outcome.response), done)
          return
        }
        for (const name of withheldHeaders) res.removeHeader(name)
        res.set(outcome.headers)
        if (!res.get('cache-control')) res.set('cache-control', 'private')
        res.end(Buffer.concat(chunks), done)
      })
      .catch((error: unknown) => {
        for (const name of res.getHeaderNames()) res.removeHeader(name)
        res.status(503).json({ error: reasonOf('FACILITATOR_UNAVAILABLE'), message: String(error) })
      })
    return res
  } as Response['end']
}

function bodyOf(response: GateResponse): string | Buffer {
  return typeof response.body === 'string' ? response.body : Buffer.from(response.body)
}
