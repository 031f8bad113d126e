import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  type PaymentPayload,
} from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { PaymentGate, type RoutesConfig } from '@tollgate/server'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { runAdapterStartup } from './adapterStartup.ts'
import { ScriptedFacilitator } from './scriptedFacilitator.ts'

/** What every adapter's test app serves; handlers count how often they ran. */
export interface MountedApp {
  url: string
  close(): Promise<void>
}
export type Served = Record<string, number>
/**
 * Mounts the test app on `gate`. An app in another process (Next) cannot use the gate object: it
 * builds the same gate on `facilitator`, which the conformance cases pass (start-up cases do not).
 */
export type Mount = (
  gate: PaymentGate,
  served: Served,
  facilitator?: ScriptedFacilitator,
) => Promise<MountedApp>

export const paidBody = 'paid-content-7f3a'
const asset = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const price = { amount: '1000', asset, extra: { name: 'USD Coin', version: '2' } }
const option = { price, network: 'eip155:31337', payTo }
/** A settlement the facilitator refused. */
const refused = (errorReason: string) =>
  ({ success: false, errorReason, transaction: '', network: 'eip155:31337' }) as const

export const conformanceRoutes: RoutesConfig = {
  'GET /weather': { ...option, description: 'Weather', mimeType: 'application/json' },
  'GET /fails': option,
  'GET /stream': option,
  'GET /api/:id/data': option,
  'POST /orders': option,
  'GET /whoami': option,
  // One offer with a v1 network name, one without.
  'GET /legacy': { accepts: [{ ...option, network: 'eip155:84532' }, option] },
}

/**
 * The contract every HTTP adapter honours, run against each of them over real HTTP. The
 * facilitator is scripted so each outcome (settle failed, pending, unreachable) is forced.
 */
export function runAdapterConformance(adapter: string, mount: Mount): void {
  describe(`${adapter} adapter conformance`, () => {
    let facilitator: ScriptedFacilitator
    let app: MountedApp
    let served: Served
    const apps: MountedApp[] = []

    beforeEach(async () => {
      facilitator = new ScriptedFacilitator(['eip155:31337', 'eip155:84532'])
      served = {}
      const gate = new PaymentGate({
        routes: conformanceRoutes,
        facilitator,
        schemes: [exactEvmServer()],
      })
      app = await mount(gate, served, facilitator)
      apps.push(app)
    })
    afterAll(async () => {
      for (const mounted of apps) await mounted.close()
    })

    const get = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, init)
    async function paymentFor(
      path: string,
      method = 'GET',
      nonce = Math.random(),
    ): Promise<string> {
      const unpaid = await fetch(`${app.url}${path}`, { method })
      const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
      const payment: PaymentPayload = {
        x402Version: 2,
        resource: required.resource,
        accepted: required.accepts[0]!,
        payload: { signature: '0x01', authorization: { nonce: String(nonce) } },
      }
      return encodeJsonHeader(payment)
    }
    const paid = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers)
      headers.set('PAYMENT-SIGNATURE', await paymentFor(path, init.method))
      return get(path, { ...init, headers })
    }

    it('lets free routes through without asking the facilitator', async () => {
      const response = await get('/free')
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('free')
      expect(facilitator.calls.verify).toBe(0)
    })

    it('answers 402 with PAYMENT-REQUIRED, exposed to browsers, and does not run the handler', async () => {
      const response = await get('/weather')
      expect(response.status).toBe(402)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED')
      const required = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!)
      expect(required).toMatchObject({
        x402Version: 2,
        error: 'Payment required',
        resource: {
          url: `${app.url}/weather`,
          description: 'Weather',
          mimeType: 'application/json',
        },
        accepts: [
          {
            scheme: 'exact',
            network: 'eip155:31337',
            amount: '1000',
            asset,
            payTo,
            maxTimeoutSeconds: 300,
          },
        ],
      })
      expect(served.weather).toBeUndefined()
      // The body shows the same document, for people reading it with curl.
      expect((await response.json()).paymentRequired).toEqual(required)
    })

    it('serves a paid request once settled, with the receipt in PAYMENT-RESPONSE', async () => {
      const response = await paid('/weather')
      expect(response.status).toBe(200)
      expect(await response.text()).toContain(paidBody)
      expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
        success: true,
      })
      expect(response.headers.get('access-control-expose-headers')).toContain('PAYMENT-RESPONSE')
      expect(served.weather).toBe(1)
      expect(facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
    })

    it('hands the verified payment to the handler, and never lets Settlement-Overrides out', async () => {
      const response = await paid('/whoami')
      expect(response.status).toBe(200)
      expect(response.headers.has('settlement-overrides')).toBe(false)
      expect(await response.json()).toMatchObject({
        payer: '0x0000000000000000000000000000000000000001',
        requirements: { scheme: 'exact', network: 'eip155:31337', amount: '1000', payTo },
        payload: { x402Version: 2, payload: { signature: '0x01' } },
      })
    })

    it('withholds the content when settlement fails, and says why', async () => {
      facilitator.settleAnswer = refused('invalid_exact_evm_nonce_already_used')
      const response = await paid('/weather')
      const body = await response.text()
      expect(response.status).toBe(402)
      expect(body).not.toContain(paidBody)
      expect(JSON.parse(body)).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used' })
      expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
        success: false,
        errorReason: 'invalid_exact_evm_nonce_already_used',
      })
    })

    it('withholds the content while settlement is pending and finishes it when the payment comes back', async () => {
      const pending = {
        success: false,
        errorReason: 'settlement_pending',
        transaction: `0x${'cd'.repeat(32)}`,
        network: 'eip155:31337',
      }
      facilitator.settleAnswer = pending
      const header = await paymentFor('/weather')
      const first = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(first.status).toBe(402)
      expect(await first.text()).not.toContain(paidBody)
      expect(first.headers.get('retry-after')).toBe('2')
      expect(decodePaymentResponseHeader(first.headers.get('PAYMENT-RESPONSE')!)).toMatchObject(
        pending,
      )
      expect(facilitator.calls.settle).toBe(2) // one automatic retry
      facilitator.settleAnswer = { ...pending, success: true, errorReason: undefined }
      facilitator.verifyAnswer = new Error('a pending payment must not be verified again')
      const second = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(second.status).toBe(200)
      expect(await second.text()).toContain(paidBody)
    })

    it('fails closed with 503 when settle cannot reach the facilitator', async () => {
      facilitator.settleAnswer = new Error('connection reset')
      const response = await paid('/weather')
      expect(response.status).toBe(503)
      expect(await response.text()).not.toContain(paidBody)
    })

    it('refuses an invalid payment with its reason and does not run the handler', async () => {
      facilitator.verifyAnswer = { isValid: false, invalidReason: 'invalid_exact_evm_signature' }
      const response = await paid('/weather')
      expect(response.status).toBe(402)
      expect(decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error).toBe(
        'invalid_exact_evm_signature',
      )
      expect(served.weather).toBeUndefined()
      expect(facilitator.calls.settle).toBe(0)
    })

    it('answers 503 when verify cannot reach the facilitator, without running the handler', async () => {
      facilitator.verifyAnswer = new Error('ECONNREFUSED')
      const response = await paid('/weather')
      expect(response.status).toBe(503)
      expect(served.weather).toBeUndefined()
    })

    it('answers 503, not 402, when the facilitator cannot judge (rate limit, its RPC)', async () => {
      facilitator.verifyAnswer = { isValid: false, invalidReason: 'rate_limited' }
      const limited = await paid('/weather')
      expect(limited.status).toBe(503)
      expect(await limited.json()).toMatchObject({ error: 'rate_limited' })
      expect(served.weather).toBeUndefined()
      facilitator.verifyAnswer = { isValid: true }
      facilitator.settleAnswer = refused('unexpected_settle_error')
      const header = await paymentFor('/weather')
      const unknown = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(unknown.status).toBe(503)
      expect(await unknown.text()).not.toContain(paidBody)
      // The same payment comes back and finishes settling, without being verified again.
      facilitator.settleAnswer = {
        success: true,
        transaction: `0x${'12'.repeat(32)}`,
        network: 'eip155:31337',
      }
      const verifications = facilitator.calls.verify
      const finished = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(finished.status).toBe(200)
      expect(facilitator.calls.verify).toBe(verifications)
    })

    it('does not settle when the handler fails, and the payment stays usable', async () => {
      const header = await paymentFor('/fails')
      const response = await get('/fails', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(response.status).toBe(500)
      expect(response.headers.has('settlement-overrides')).toBe(false)
      expect(facilitator.calls.settle).toBe(0)
      const again = await get('/fails', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(again.status).toBe(500)
    })

    it('releases a payment once: a replay gets 402, concurrent copies get one 200', async () => {
      const header = await paymentFor('/weather')
      expect((await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })).status).toBe(200)
      const replay = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(replay.status).toBe(402)
      expect(decodePaymentRequiredHeader(replay.headers.get('PAYMENT-REQUIRED')!).error).toBe(
        'payment_already_in_use',
      )

      facilitator.settleAnswer = async () => {
        await new Promise((resolve) => setTimeout(resolve, 50))
        return { success: true, transaction: `0x${'ef'.repeat(32)}`, network: 'eip155:31337' }
      }
      const copy = await paymentFor('/weather')
      const statuses = await Promise.all(
        Array.from(
          { length: 6 },
          async () => (await get('/weather', { headers: { 'PAYMENT-SIGNATURE': copy } })).status,
        ),
      )
      expect(statuses.filter((status) => status === 200)).toHaveLength(1)
      expect(statuses.filter((status) => status === 402)).toHaveLength(5)
    })

    it.each([
      ['not base64', '%%%'],
      ['base64 of text', btoa('hello')],
      ['duplicate keys', btoa('{"x402Version":2,"x402Version":2}')],
      ['a JSON array', btoa('[]')],
      ['an unknown version', btoa('{"x402Version":7}')],
    ])(
      'answers a malformed payment header (%s) with 402 and a reason, and keeps serving',
      async (_, header) => {
        const response = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
        expect(response.status).toBe(402)
        const reason = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error
        expect(['invalid_payload', 'invalid_x402_version']).toContain(reason)
        expect((await get('/free')).status).toBe(200)
      },
    )

    it('refuses an oversized payment header before it reaches the middleware (431)', async () => {
      const response = await get('/weather', {
        headers: { 'PAYMENT-SIGNATURE': 'A'.repeat(40_000) },
      })
      expect(response.status).toBe(431)
      expect((await get('/free')).status).toBe(200)
    })

    it('refuses a payment for different terms', async () => {
      const unpaid = await get('/weather')
      const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
      const cheaper = { ...required.accepts[0]!, amount: '1' }
      const header = encodeJsonHeader({ x402Version: 2, accepted: cheaper, payload: {} })
      const response = await get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(response.status).toBe(402)
      expect(decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error).toBe(
        'no_matching_payment_requirements',
      )
      expect(facilitator.calls.verify).toBe(0)
    })

    it.each([
      '/WEATHER',
      '/weather/',
      '//weather',
      '/%77eather',
      '/%2577eather',
      '/weather%2F',
      '/./weather',
      '/x/../weather',
      '/weather?city=Oslo',
      '/api/7/data',
      '/API/7/DATA/',
      '/api%2F7%2Fdata',
    ])('never serves %s without payment', async (path) => {
      const response = await get(path)
      expect(response.status).not.toBe(200)
      expect(response.status).toBeLessThan(500)
      expect(await response.text()).not.toContain(paidBody)
    })

    it('does not crash on malformed percent-encoding', async () => {
      for (const path of ['/weather%', '/weather%zz', '/%E0%A4%A', '/%C0%AF']) {
        const response = await get(path)
        expect(response.status).toBeLessThan(500)
        expect(await response.text()).not.toContain(paidBody)
      }
      expect((await get('/free')).status).toBe(200)
    })

    it('prices HEAD like GET and lets CORS preflights through', async () => {
      expect((await get('/weather', { method: 'HEAD' })).status).toBe(402)
      const preflight = await get('/weather', {
        method: 'OPTIONS',
        headers: { origin: 'http://example.test', 'access-control-request-method': 'GET' },
      })
      expect(preflight.status).not.toBe(402)
    })

    it('holds a streamed response until settlement, and drops it on failure', async () => {
      const ok = await paid('/stream')
      expect(ok.status).toBe(200)
      expect(await ok.text()).toBe(`part1-${paidBody}-part2`)
      facilitator.settleAnswer = refused('insufficient_funds')
      const failed = await paid('/stream')
      expect(failed.status).toBe(402)
      expect(await failed.text()).not.toContain('part1')
    })

    it('passes the request body through to a paid POST handler', async () => {
      const response = await paid('/orders', {
        method: 'POST',
        body: JSON.stringify({ item: 'tea' }),
        headers: { 'content-type': 'application/json' },
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ ordered: 'tea', note: paidBody })
    })

    it('accepts a v1 X-PAYMENT and answers with X-PAYMENT-RESPONSE', async () => {
      const unpaid = await get('/legacy')
      const offers = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!).accepts
      expect(offers.map((offer) => offer.network)).toEqual(['eip155:84532', 'eip155:31337'])
      // v1 clients read the top level, which lists the offers with a v1 name; all are below it.
      expect(await unpaid.json()).toMatchObject({
        x402Version: 1,
        accepts: [{ network: 'base-sepolia', maxAmountRequired: '1000' }],
        paymentRequired: { x402Version: 2, accepts: offers },
      })
      const header = encodeJsonHeader({
        x402Version: 1,
        scheme: 'exact',
        network: 'base-sepolia',
        payload: { n: 1 },
      })
      const response = await get('/legacy', { headers: { 'X-PAYMENT': header } })
      expect(response.status).toBe(200)
      expect(
        decodePaymentResponseHeader(response.headers.get('X-PAYMENT-RESPONSE')!),
      ).toMatchObject({ success: true })
    })
  })

  runAdapterStartup(adapter, mount)
}
