/**
 * The Next.js route wrapper in a real Next app: tests/fixtures/next-app, built with `next build`
 * and served by `next start`. The app runs in its own process, so it cannot use the suite's gate
 * object: it builds the same gate from its environment, with a facilitator URL that points at a
 * bridge here, which answers with the suite's scripted facilitator and records which handlers
 * ran. Between cases the app starts over with a new gate (a fixture-only route).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FacilitatorClient } from '@tollgate/core'
import { decodePaymentRequiredHeader, encodeJsonHeader } from '@tollgate/core'
import type { PaymentGate } from '@tollgate/server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildNextApp, type NextApp, startNextApp } from './server.next.app.ts'
import {
  conformanceRoutes,
  type Mount,
  paidBody,
  runAdapterConformance,
  type Served,
} from './support/adapterConformance.ts'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const token = `fixture-${Math.random()}`
const routes = { ...conformanceRoutes, 'GET /throws': conformanceRoutes['GET /fails']! }

let target: { facilitator: FacilitatorClient; served: Served }
let bridge: Server
let next: NextApp

beforeAll(async () => {
  bridge = createServer((request, response) => {
    answer(request).then(
      (body) => {
        response.writeHead(body === undefined ? 204 : 200, { 'content-type': 'application/json' })
        response.end(body === undefined ? undefined : JSON.stringify(body))
      },
      // A scripted failure is a facilitator that cannot be reached.
      () => response.socket?.destroy(),
    )
  })
  await new Promise<void>((listening) => bridge.listen(0, '127.0.0.1', listening))
  const bridgeUrl = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`
  await buildNextApp()
  next = await startNextApp({
    TOLLGATE_FACILITATOR_URL: bridgeUrl,
    TOLLGATE_ROUTES: JSON.stringify(routes),
    TOLLGATE_FIXTURE_REPORT_URL: bridgeUrl,
    TOLLGATE_FIXTURE_TOKEN: token,
  })
}, 180_000)
afterAll(async () => {
  await next?.stop()
  bridge?.closeAllConnections()
  await new Promise((closed) => bridge?.close(closed))
})

async function answer(request: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of request) text += chunk
  const path = request.url ?? ''
  if (path.startsWith('/served/')) {
    const name = path.slice('/served/'.length)
    target.served[name] = (target.served[name] ?? 0) + 1
    return undefined
  }
  if (path === '/supported') return target.facilitator.supported()
  const { paymentPayload, paymentRequirements } = JSON.parse(text)
  if (path === '/verify') return target.facilitator.verify(paymentPayload, paymentRequirements)
  if (path === '/settle') return target.facilitator.settle(paymentPayload, paymentRequirements)
  throw new Error(`the bridge has no ${path}`)
}

/** Points the app at `facilitator` and `served`, and makes it start over with a new gate. */
async function use(facilitator: FacilitatorClient, served: Served): Promise<void> {
  target = { facilitator, served }
  const reset = await fetch(`${next.url}/fixture/reset`, {
    method: 'POST',
    headers: { 'x-fixture-token': token },
  })
  if (reset.status !== 204) throw new Error(`the fixture app did not reset: ${reset.status}`)
}

/**
 * The start-up cases pass no facilitator; the bridge then asks the suite's gate, whose
 * `initialize` asks its facilitator's `/supported`, the only call those cases make.
 */
function supportedOnly(gate: PaymentGate): FacilitatorClient {
  const unexpected = () => Promise.reject(new Error('start-up cases neither verify nor settle'))
  return {
    url: 'bridge',
    supported: () => gate.initialize(),
    verify: unexpected,
    settle: unexpected,
  }
}

const mountNext: Mount = async (gate, served, facilitator) => {
  await use(facilitator ?? supportedOnly(gate), served)
  // The app lives as long as this file; each case only resets it.
  return { url: next.url, close: async () => undefined }
}

runAdapterConformance('next', mountNext)

describe('next route wrapper', () => {
  let facilitator: ScriptedFacilitator
  let served: Served

  beforeEach(async () => {
    facilitator = new ScriptedFacilitator()
    served = {}
    await use(facilitator, served)
  })

  async function paymentFor(path: string): Promise<string> {
    const unpaid = await fetch(`${next.url}${path}`)
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    return encodeJsonHeader({
      x402Version: 2,
      resource: required.resource,
      accepted: required.accepts[0]!,
      payload: { signature: '0x01', authorization: { nonce: String(Math.random()) } },
    })
  }

  it('does not charge a handler that threw, and the payment stays usable', async () => {
    const header = await paymentFor('/throws')
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${next.url}/throws`, {
        headers: { 'PAYMENT-SIGNATURE': header },
      })
      expect(response.status).toBe(500)
      expect(await response.text()).not.toContain(paidBody)
    }
    expect(facilitator.calls).toMatchObject({ verify: 2, settle: 0 })
  })

  it('refuses to serve a wrapped handler the gate has no price for', async () => {
    const response = await fetch(`${next.url}/unpriced`)
    expect(response.status).toBe(500)
    expect(await response.text()).not.toContain(paidBody)
    expect(served.unpriced).toBeUndefined()
    expect(facilitator.calls.verify).toBe(0)
  })
})
