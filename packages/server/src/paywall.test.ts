/**
 * Goal: a browser asking for a paid route gets the paywall page, every other client the JSON
 * 402, and both carry the same `PAYMENT-REQUIRED`; `paywall: false` turns the page off. Method:
 * the Hono adapter in-process (`app.request`) and Express over HTTP, with a fake facilitator.
 */
import type { AddressInfo } from 'node:net'
import {
  decodePaymentRequiredHeader,
  type FacilitatorClient,
  paymentHeaders,
  type SchemeServer,
} from '@tollgate/core'
import express from 'express'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { paymentMiddleware as expressPaymentMiddleware } from './express.ts'
import { paymentMiddleware } from './hono.ts'
import type { PaymentGateOptions } from './paymentGate.ts'

const network = 'eip155:84532'
const asset = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'

const scheme: SchemeServer = {
  scheme: 'exact',
  networks: ['eip155:*'],
  buildRequirements: ({ network: on, price, payTo, maxTimeoutSeconds }) => ({
    scheme: 'exact',
    network: on,
    amount: typeof price === 'object' ? price.amount : '1000',
    asset,
    payTo,
    maxTimeoutSeconds,
    extra: { name: 'USDC', version: '2' },
  }),
  assetDecimals: () => 6,
}

const facilitator: FacilitatorClient = {
  url: 'http://facilitator.test',
  supported: async () => ({
    kinds: [{ x402Version: 2, scheme: 'exact', network }],
    extensions: [],
    signers: {},
  }),
  verify: () => Promise.reject(new Error('not expected')),
  settle: () => Promise.reject(new Error('not expected')),
}

const browser = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36',
}

function gateOptions(options: Partial<PaymentGateOptions> = {}): PaymentGateOptions {
  return {
    routes: {
      'GET /report': {
        price: '$0.001',
        network,
        payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
        description: 'The <b>report</b>',
      },
      'POST /orders': {
        price: '$0.001',
        network,
        payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
      },
      'GET /raw': {
        price: { amount: '2500000', asset },
        network,
        payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
      },
    },
    facilitator,
    schemes: [scheme],
    ...options,
  }
}

function app(options: Partial<PaymentGateOptions> = {}): Hono {
  const app = new Hono()
  app.use(paymentMiddleware(gateOptions(options)))
  app.get('/report', (c) => c.json({ revenue: 'up' }))
  app.get('/raw', (c) => c.json({ raw: true }))
  return app
}

describe('paywall in the payment gate', () => {
  it('serves browsers the page, with the same PAYMENT-REQUIRED as for programs', async () => {
    const server = app({ paywall: { appName: 'Reports', testnet: true } })
    const page = await server.request('http://shop.test/report', { headers: browser })
    const json = await server.request('http://shop.test/report')
    expect(page.status).toBe(402)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    const html = await page.text()
    expect(html).toContain('<div class="price">$0.001</div>')
    expect(html).toContain('<h1>The &lt;b&gt;report&lt;/b&gt;</h1>')
    expect(html).toContain('<span>Reports</span>')
    expect(json.status).toBe(402)
    expect(json.headers.get('content-type')).toContain('application/json')
    const required = (response: Response) =>
      decodePaymentRequiredHeader(response.headers.get(paymentHeaders.required)!)
    expect(required(page)).toEqual(required(json))
  })

  it('answers JSON to anything but a browser GET asking for HTML', async () => {
    const server = app()
    for (const headers of [
      { accept: 'application/json', 'user-agent': browser['user-agent'] },
      { accept: 'text/html', 'user-agent': 'curl/8.5.0' },
      { accept: '*/*', 'user-agent': browser['user-agent'] },
    ]) {
      const response = await server.request('http://shop.test/report', { headers })
      expect(response.status).toBe(402)
      expect(response.headers.get('content-type')).toContain('application/json')
    }
    const post = await server.request('http://shop.test/orders', {
      method: 'POST',
      headers: browser,
    })
    expect(post.status).toBe(402)
    expect(post.headers.get('content-type')).toContain('application/json')
  })

  it('answers browsers JSON too with paywall: false', async () => {
    const response = await app({ paywall: false }).request('http://shop.test/report', {
      headers: browser,
    })
    expect(response.status).toBe(402)
    expect(response.headers.get('content-type')).toContain('application/json')
  })

  it('shows an asset-amount price by its token name, not as dollars', async () => {
    const response = await app().request('http://shop.test/raw', { headers: browser })
    expect(await response.text()).toContain('<div class="price">2.5 USDC</div>')
  })

  it('serves the page through Express as well', async () => {
    const server = express()
      .use(expressPaymentMiddleware(gateOptions()))
      .get('/report', (_req, res) => {
        res.json({ revenue: 'up' })
      })
      .listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const page = await fetch(`http://127.0.0.1:${port}/report`, { headers: browser })
      expect(page.status).toBe(402)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.headers.get(paymentHeaders.required)).toBeTruthy()
      expect(await page.text()).toContain('<div class="price">$0.001</div>')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
