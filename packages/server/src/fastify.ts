/**
 * @module @tollgate/server/fastify
 * x402 payments for Fastify routes: `await app.register(paymentPlugin, { routes, facilitator,
 * schemes })` before the routes. A paid handler reads the verified payment from `request.x402`.
 *
 * The gate runs in `onRequest`. For a verified payment, `reply.raw` is guarded so that nothing,
 * headers included, reaches the socket before settlement, even from a handler that writes to
 * `reply.raw` or hijacks the reply. `onSend` holds the payload (streams are read whole), settles,
 * then releases it with the receipt or replaces it with the gate's answer. A handler that failed
 * (status ≥ 400, or it threw) is not charged.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { unavailable } from './facilitatorTrouble.ts'
import {
  failedHandler,
  type GateFinish,
  type GateRequest,
  type GateResponse,
  type HandlerResponse,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
  withheldHeaders,
} from './index.ts'
import { guardRaw, type RawGuard } from './rawGuard.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The payment being served; set on paid routes only. */
    x402: VerifiedPayment | undefined
  }
}

/** The gate's options, or a gate to share with other adapters. */
export type PaymentPluginOptions = PaymentGateOptions | { gate: PaymentGate }

/** A paid request between verification and settlement. */
interface Hold {
  finish(handled: HandlerResponse): Promise<GateFinish>
  guard: RawGuard
  /** Headers set before the handler ran (CORS, say): a replacement keeps them. */
  appHeaders: ReturnType<FastifyReply['getHeaders']>
  /** The handler threw: not charged, whatever status an error handler answers with. */
  threw: boolean
}

async function payments(app: FastifyInstance, options: PaymentPluginOptions): Promise<void> {
  const gate = 'gate' in options ? options.gate : new PaymentGate(options)
  gate.initialize().catch(() => undefined)
  if (!app.hasRequestDecorator('x402')) app.decorateRequest('x402', undefined)
  const holds = new WeakMap<FastifyRequest, Hold>()

  app.addHook('onRequest', async (request, reply) => {
    const decision = await gate.begin(gateRequest(request))
    if (decision.kind === 'pass') return
    if (decision.kind === 'respond') return send(reply, decision.response)
    request.x402 = decision.payment
    const hold: Hold = {
      finish: decision.finish,
      threw: false,
      appHeaders: { ...reply.getHeaders() },
      // A handler that ends `reply.raw` itself never reaches onSend: settle when it ends.
      guard: guardRaw(reply.raw, (done) => {
        if (holds.get(request) !== hold) return
        holds.delete(request)
        if (!reply.sent) reply.hijack()
        settleRaw(reply, hold).then(done, (error: unknown) => {
          // Fail closed: the buyer gets no content rather than content without settlement.
          reply.log.error({ err: error }, 'settling a raw reply failed')
          reply.raw.destroy()
        })
      }),
    }
    holds.set(request, hold)
  })

  app.addHook('onError', async (request) => {
    const hold = holds.get(request)
    if (hold) hold.threw = true
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const hold = holds.get(request)
    if (!hold) return payload
    holds.delete(request)
    return settlePayload(reply, hold, payload)
  })

  // A buyer who hung up is not charged, and may use the payment again. The guard stays on, so
  // whatever the handler still writes goes nowhere.
  app.addHook('onRequestAbort', async (request) => {
    const hold = holds.get(request)
    if (!hold) return
    holds.delete(request)
    await hold.finish(failedHandler(499))
  })
}

/** The Fastify plugin (hooks apply to the whole app, not an encapsulated child). */
export const paymentPlugin: FastifyPluginAsync<PaymentPluginOptions> = fp(payments, {
  fastify: '5.x',
  name: '@tollgate/server/fastify',
})

function gateRequest(request: FastifyRequest): GateRequest {
  const target = request.url
  // An absolute-form target (`GET http://host/weather`) is routed by its path: price that path.
  const absolute = !target.startsWith('/')
  return {
    method: request.method,
    path: absolute ? pathOf(target) : (target.split('?', 1)[0] ?? '/'),
    url: absolute ? target : `${request.protocol}://${request.host}${target}`,
    header: (name) => {
      const value = request.headers[name.toLowerCase()]
      return Array.isArray(value) ? value[0] : value
    },
  }
}

function pathOf(target: string): string {
  try {
    return new URL(target).pathname
  } catch {
    return target
  }
}

function send(reply: FastifyReply, response: GateResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(bodyOf(response))
}

/** The handler's status as the gate judges it: one that threw is a failure whatever it says. */
function handlerStatus(status: number, hold: Hold): number {
  return hold.threw && status < 400 ? 500 : status
}

async function outcomeOf(hold: Hold, handled: HandlerResponse): Promise<GateFinish> {
  try {
    return await hold.finish({ ...handled, status: handlerStatus(handled.status, hold) })
  } catch (error) {
    return { kind: 'respond', response: unavailable(error) }
  }
}

async function settlePayload(reply: FastifyReply, hold: Hold, payload: unknown): Promise<unknown> {
  let body: Buffer | undefined
  try {
    body = await readPayload(reply, payload)
    if (hold.guard.chunks.length > 0)
      body = Buffer.concat([...hold.guard.chunks, body ?? Buffer.alloc(0)])
  } catch (error) {
    // The body could not be read whole: nothing is charged and the error takes its course.
    hold.guard.release()
    await hold.finish(failedHandler(500))
    throw error
  }
  const outcome = await outcomeOf(hold, {
    status: reply.statusCode,
    headers: reply.getHeaders(),
    body: body ?? new Uint8Array(),
  })
  hold.guard.release()
  if (outcome.kind === 'respond') {
    for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
    reply.headers(hold.appHeaders)
    reply.code(outcome.response.status).headers(outcome.response.headers)
    return bodyOf(outcome.response)
  }
  for (const name of withheldHeaders) reply.removeHeader(name)
  reply.headers(outcome.headers)
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private')
  // An empty payload stays as it was, so Fastify answers it as it would have.
  return body ?? payload
}

async function settleRaw(reply: FastifyReply, hold: Hold): Promise<void> {
  const res = reply.raw
  const outcome = await outcomeOf(hold, {
    status: res.statusCode,
    headers: res.getHeaders(),
    body: Buffer.concat(hold.guard.chunks),
  })
  hold.guard.release()
  if (outcome.kind === 'respond') {
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    for (const [name, value] of Object.entries(hold.appHeaders))
      if (value !== undefined) res.setHeader(name, value)
    res.statusCode = outcome.response.status
    for (const [name, value] of Object.entries(outcome.response.headers)) res.setHeader(name, value)
    res.end(outcome.response.body)
    return
  }
  for (const name of withheldHeaders) res.removeHeader(name)
  for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value)
  if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'private')
  res.end(Buffer.concat(hold.guard.chunks))
}

/**
 * The payload as bytes (none for an empty one). A `Response` also brings its status and
 * headers, which Fastify would apply only after onSend; a stream is read to its end.
 */
async function readPayload(reply: FastifyReply, payload: unknown): Promise<Buffer | undefined> {
  if (payload === undefined || payload === null) return undefined
  if (typeof payload === 'string') return Buffer.from(payload)
  if (payload instanceof Uint8Array) return Buffer.from(payload)
  if (payload instanceof Response) {
    reply.code(payload.status)
    for (const [name, value] of payload.headers) reply.header(name, value)
    return Buffer.from(await payload.arrayBuffer())
  }
  if (payload instanceof ReadableStream)
    return Buffer.from(await new Response(payload).arrayBuffer())
  if (isAsyncIterable(payload)) {
    const chunks: Buffer[] = []
    for await (const chunk of payload)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
    return Buffer.concat(chunks)
  }
  throw new TypeError(`cannot hold back a payload of type ${typeof payload}`)
}

function isAsyncIterable(value: unknown): value is AsyncIterable<string | Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}

function bodyOf(response: GateResponse): string | Buffer {
  return typeof response.body === 'string' ? response.body : Buffer.from(response.body)
}
