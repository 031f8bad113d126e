/**
 * What only the Fastify adapter has to guard: handlers that write to `reply.raw` or hijack the
 * reply, errors that reach Fastify's error handling, Web `Response` payloads, absolute-form
 * request targets and buyers who hang up. Each case runs over real HTTP; where timing matters a
 * raw socket shows exactly which bytes left the server while settlement was still held.
 */
import { connect } from 'node:net'
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
} from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { PaymentGate, type RoutesConfig } from '@tollgate/server'
import { paymentPlugin } from '@tollgate/server/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const paidBody = 'paid-content-7f3a'
const overrides = '{"amount":"1"}'
const option = {
  price: {
    amount: '1000',
    asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    extra: { name: 'USD Coin', version: '2' },
  },
  network: 'eip155:31337',
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
}
const paths = ['/raw', '/hijacked', '/raw-fails', '/throws', '/rescued', '/response', '/slow']
const routes: RoutesConfig = Object.fromEntries(
  [...paths, '/weather'].map((path) => [`GET ${path}`, option]),
)
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

let facilitator: ScriptedFacilitator
let app: FastifyInstance
let url: string
let served: Record<string, number>

beforeEach(async () => {
  facilitator = new ScriptedFacilitator()
  served = {}
  const gate = new PaymentGate({ routes, facilitator, schemes: [exactEvmServer()] })
  // An aborted fetch leaves its connection open for seconds; closing must not wait for it.
  app = Fastify({ forceCloseConnections: true })
  // Headers the app sets before the handler (CORS, here) stay on the gate's answers too.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
  })
  await app.register(paymentPlugin, { gate })
  mountRoutes(app, (name) => {
    served[name] = (served[name] ?? 0) + 1
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterEach(() => app.close())

function mountRoutes(app: FastifyInstance, count: (name: string) => void): void {
  // Writes the raw response without telling Fastify: the guard hijacks the reply for it.
  app.get('/raw', async (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'settlement-overrides': overrides })
    reply.raw.write('part1-')
    await sleep(10)
    reply.raw.end(paidBody)
  })
  app.get('/hijacked', (_request, reply) => {
    reply.hijack()
    reply.raw.setHeader('content-type', 'text/plain')
    reply.raw.flushHeaders()
    reply.raw.write('part1-')
    setTimeout(() => reply.raw.end(paidBody), 20)
  })
  app.get('/raw-fails', async (_request, reply) => {
    reply.raw.writeHead(500, ['settlement-overrides', overrides])
    reply.raw.end('boom')
  })
  app.get('/throws', async () => {
    count('throws')
    throw new Error('failed before serving')
  })
  // An error handler that answers 200 does not make a failed handler chargeable.
  app.get(
    '/rescued',
    { errorHandler: (_error, _request, reply) => reply.code(200).send({ rescued: true }) },
    async () => {
      throw new Error('handler failed')
    },
  )
  app.get<{ Querystring: { status?: string } }>('/response', async (request) => {
    const status = Number(request.query.status ?? 200)
    return new Response(paidBody, { status, headers: { 'settlement-overrides': overrides } })
  })
  app.get('/slow', async () => {
    count('slow')
    await sleep(300)
    return paidBody
  })
  app.get('/weather', async () => ({ note: paidBody }))
}

async function paymentFor(path: string): Promise<string> {
  const unpaid = await fetch(`${url}${path}`)
  const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
  return encodeJsonHeader({
    x402Version: 2,
    resource: required.resource,
    accepted: required.accepts[0]!,
    payload: { signature: '0x01', authorization: { nonce: String(Math.random()) } },
  })
}

const paid = async (path: string) =>
  fetch(`${url}${path}`, { headers: { 'PAYMENT-SIGNATURE': await paymentFor(path) } })

/** Holds every settlement until `release` is called; `started` resolves when one is asked. */
function holdSettlement() {
  let started!: () => void
  let release!: () => void
  const startedPromise = new Promise<void>((done) => {
    started = done
  })
  const released = new Promise<void>((done) => {
    release = done
  })
  facilitator.settleAnswer = async () => {
    started()
    await released
    return { success: true, transaction: `0x${'ab'.repeat(32)}`, network: 'eip155:31337' }
  }
  return { started: startedPromise, release }
}

/** A request over a bare socket: what has arrived so far, and everything once it closes. */
function rawRequest(head: string) {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    received += chunk
  })
  socket.write(`${head}\r\nConnection: close\r\n\r\n`)
  const done = new Promise<string>((resolve) => socket.on('close', () => resolve(received)))
  return { received: () => received, done }
}

describe('fastify adapter: reply.raw and hijacked replies', () => {
  it.each(['/raw', '/hijacked'])(
    'sends nothing of %s, not even the status line, before settlement',
    async (path) => {
      const header = await paymentFor(path)
      const settlement = holdSettlement()
      const request = rawRequest(`GET ${path} HTTP/1.1\r\nHost: x\r\nPAYMENT-SIGNATURE: ${header}`)
      await settlement.started
      await sleep(50)
      const early = request.received()
      settlement.release()
      expect(early).toBe('')
      const response = await request.done
      expect(response).toMatch(/^HTTP\/1\.1 200 /)
      expect(response).toContain(`part1-${paidBody}`)
      expect(response.toLowerCase()).toContain('payment-response:')
      expect(response.toLowerCase()).toContain('cache-control: private')
      expect(response.toLowerCase()).not.toContain('settlement-overrides')
    },
  )

  it.each(['/raw', '/hijacked', '/weather'])(
    'drops what %s wrote when settlement fails',
    async (path) => {
      facilitator.settleAnswer = {
        success: false,
        errorReason: 'insufficient_funds',
        transaction: '',
        network: 'eip155:31337',
      }
      const response = await paid(path)
      expect(response.status).toBe(402)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      const body = await response.text()
      expect(body).not.toContain('part1-')
      expect(body).not.toContain(paidBody)
      expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
        success: false,
        errorReason: 'insufficient_funds',
      })
    },
  )

  it('does not charge a raw reply with status 500, and strips Settlement-Overrides', async () => {
    const response = await paid('/raw-fails')
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('boom')
    expect(response.headers.has('settlement-overrides')).toBe(false)
    expect(facilitator.calls.settle).toBe(0)
  })
})

describe('fastify adapter: failures are not charged', () => {
  it('does not charge a handler that threw, and the payment stays usable', async () => {
    const header = await paymentFor('/throws')
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${url}/throws`, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(response.status).toBe(500)
      expect(await response.text()).not.toContain(paidBody)
    }
    expect(served.throws).toBe(2)
    expect(facilitator.calls.settle).toBe(0)
  })

  it('does not charge a handler that threw even when an error handler answers 200', async () => {
    const response = await paid('/rescued')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ rescued: true })
    expect(response.headers.has('PAYMENT-RESPONSE')).toBe(false)
    expect(facilitator.calls.settle).toBe(0)
  })

  it('judges a Web Response payload by its own status', async () => {
    const failed = await paid('/response?status=503')
    expect(failed.status).toBe(503)
    expect(failed.headers.has('settlement-overrides')).toBe(false)
    expect(facilitator.calls.settle).toBe(0)
    const ok = await paid('/response')
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe(paidBody)
    expect(ok.headers.has('PAYMENT-RESPONSE')).toBe(true)
    expect(ok.headers.has('settlement-overrides')).toBe(false)
    expect(facilitator.calls.settle).toBe(1)
  })

  it('frees the payment of a buyer who hung up before the response', async () => {
    const header = await paymentFor('/slow')
    const aborted = new AbortController()
    const first = fetch(`${url}/slow`, {
      headers: { 'PAYMENT-SIGNATURE': header },
      signal: aborted.signal,
    }).catch(() => undefined)
    await sleep(50)
    aborted.abort()
    await first
    await sleep(50)
    const again = await fetch(`${url}/slow`, { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(again.status).toBe(200)
    expect(await again.text()).toBe(paidBody)
  })
})

describe('fastify adapter: request targets', () => {
  it('prices an absolute-form target the router serves as the plain path', async () => {
    const { host } = new URL(url)
    const response = await rawRequest(`GET http://${host}/weather HTTP/1.1\r\nHost: ${host}`).done
    expect(response).toMatch(/^HTTP\/1\.1 402 /)
    expect(response).not.toContain(paidBody)
  })
})
