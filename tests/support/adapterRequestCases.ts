import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
} from '@tollgate/core'
import { expect, it } from 'vitest'
import { type Conformance, paidBody } from './adapterConformance.ts'

const asset = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
/** A settlement the facilitator refused. */
const refused = (errorReason: string) =>
  ({ success: false, errorReason, transaction: '', network: 'eip155:31337' }) as const

/** What each adapter asks for, and how it treats odd requests, headers, bodies and versions. */
export function requestCases(h: Conformance): void {
  it('lets free routes through without asking the facilitator', async () => {
    const response = await h.get('/free')
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('free')
    expect(h.facilitator.calls.verify).toBe(0)
  })

  it('answers 402 with PAYMENT-REQUIRED, exposed to browsers, and does not run the handler', async () => {
    const response = await h.get('/weather')
    expect(response.status).toBe(402)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED')
    const required = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!)
    expect(required).toMatchObject({
      x402Version: 2,
      error: 'Payment required',
      resource: {
        url: `${h.url}/weather`,
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
    expect(h.served.weather).toBeUndefined()
    // The body shows the same document, for people reading it with curl.
    expect((await response.json()).paymentRequired).toEqual(required)
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
      const response = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(response.status).toBe(402)
      const reason = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error
      expect(['invalid_payload', 'invalid_x402_version']).toContain(reason)
      expect((await h.get('/free')).status).toBe(200)
    },
  )

  it('refuses an oversized payment header before it reaches the middleware (431)', async () => {
    const response = await h.get('/weather', {
      headers: { 'PAYMENT-SIGNATURE': 'A'.repeat(40_000) },
    })
    expect(response.status).toBe(431)
    expect((await h.get('/free')).status).toBe(200)
  })

  it('refuses a payment for different terms', async () => {
    const unpaid = await h.get('/weather')
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    const cheaper = { ...required.accepts[0]!, amount: '1' }
    const header = encodeJsonHeader({ x402Version: 2, accepted: cheaper, payload: {} })
    const response = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(response.status).toBe(402)
    expect(decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'no_matching_payment_requirements',
    )
    expect(h.facilitator.calls.verify).toBe(0)
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
    const response = await h.get(path)
    expect(response.status).not.toBe(200)
    expect(response.status).toBeLessThan(500)
    expect(await response.text()).not.toContain(paidBody)
  })

  it('does not crash on malformed percent-encoding', async () => {
    for (const path of ['/weather%', '/weather%zz', '/%E0%A4%A', '/%C0%AF']) {
      const response = await h.get(path)
      expect(response.status).toBeLessThan(500)
      expect(await response.text()).not.toContain(paidBody)
    }
    expect((await h.get('/free')).status).toBe(200)
  })

  it('prices HEAD like GET and lets CORS preflights through', async () => {
    expect((await h.get('/weather', { method: 'HEAD' })).status).toBe(402)
    const preflight = await h.get('/weather', {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).not.toBe(402)
  })

  it('holds a streamed response until settlement, and drops it on failure', async () => {
    const ok = await h.paid('/stream')
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe(`part1-${paidBody}-part2`)
    h.facilitator.settleAnswer = refused('insufficient_funds')
    const failed = await h.paid('/stream')
    expect(failed.status).toBe(402)
    expect(await failed.text()).not.toContain('part1')
  })

  it('passes the request body through to a paid POST handler', async () => {
    const response = await h.paid('/orders', {
      method: 'POST',
      body: JSON.stringify({ item: 'tea' }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ordered: 'tea', note: paidBody })
  })

  it('accepts a v1 X-PAYMENT and answers with X-PAYMENT-RESPONSE', async () => {
    const unpaid = await h.get('/legacy')
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
    const response = await h.get('/legacy', { headers: { 'X-PAYMENT': header } })
    expect(response.status).toBe(200)
    expect(decodePaymentResponseHeader(response.headers.get('X-PAYMENT-RESPONSE')!)).toMatchObject({
      success: true,
    })
  })
}
