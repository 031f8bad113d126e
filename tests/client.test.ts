/**
 * wrapFetch against small servers that answer exactly what each case needs: which 402 forms it
 * reads, what it refuses before signing, and that it never signs twice for one request.
 */
import { wrapFetch } from '@tollgate/client'
import {
  decodeJsonHeader,
  encodePaymentRequiredHeader,
  isTollgateError,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
} from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import { Hono } from 'hono'
import { type Listening, listen } from 'tollgate'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const signer = privateKeyToAccount(`0x${'66'.repeat(32)}`)
const baseSepoliaUsdc = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: baseSepoliaUsdc,
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  maxTimeoutSeconds: 60,
  extra: { name: 'USDC', version: '2' },
}
const required: PaymentRequired = {
  x402Version: 2,
  resource: { url: 'http://x/item' },
  accepts: [requirements],
}

let server: Listening
const seen: Array<{ path: string; payment?: string; body?: string }> = []

beforeAll(async () => {
  const app = new Hono()
  app.all('*', async (c) => {
    const payment = c.req.header('PAYMENT-SIGNATURE') ?? c.req.header('X-PAYMENT')
    seen.push({ path: c.req.path, ...(payment ? { payment } : {}), body: await c.req.text() })
    if (c.req.path === '/v1') {
      if (payment) return c.json({ paid: decodeJsonHeader(payment, 'X-PAYMENT') })
      return c.json({ x402Version: 1, error: 'pay', accepts: [v1Requirements()] }, 402)
    }
    if (c.req.path === '/always-402')
      return c.json({}, 402, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(required) })
    if (c.req.path === '/not-x402') return c.text('pay me somehow', 402)
    if (c.req.path === '/expensive') {
      const pricey = { ...required, accepts: [{ ...requirements, amount: '250000' }] }
      return c.json({}, 402, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(pricey) })
    }
    if (!payment)
      return c.json({}, 402, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(required) })
    return c.json({
      echoed: await c.req.text(),
      payment: decodeJsonHeader(payment, 'PAYMENT-SIGNATURE'),
    })
  })
  server = await listen(app, 0)
})
afterAll(() => server?.close())

function v1Requirements() {
  return {
    scheme: 'exact',
    network: 'base-sepolia',
    maxAmountRequired: '1000',
    resource: `${server.url}/v1`,
    description: '',
    mimeType: 'application/json',
    payTo: requirements.payTo,
    maxTimeoutSeconds: 60,
    asset: baseSepoliaUsdc,
    extra: { name: 'USDC', version: '2' },
  }
}

function client(options: { maxPaymentUsd?: string; networks?: string[] } = {}) {
  const payments: PaymentPayload[] = []
  const pay = wrapFetch(fetch, {
    schemes: [exactEvmClient({ signer })],
    ...options,
    onPayment: (payment) => payments.push(payment),
  })
  return { pay, payments }
}

describe('wrapFetch', () => {
  it('pays a v2 402 and replays a POST body on the paid retry', async () => {
    const { pay, payments } = client()
    const response = await pay(`${server.url}/item`, {
      method: 'POST',
      body: '{"qty":2}',
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    const json = await response.json()
    expect(json.echoed).toBe('{"qty":2}')
    expect(json.payment).toMatchObject({
      x402Version: 2,
      accepted: requirements,
      resource: { url: 'http://x/item' },
    })
    expect(json.payment.payload.authorization).toMatchObject({
      from: signer.address,
      value: '1000',
      validAfter: '0',
    })
    expect(payments).toHaveLength(1)
  })

  it('pays a v1 402 body with X-PAYMENT in v1 form', async () => {
    const response = await client().pay(`${server.url}/v1`)
    expect(response.status).toBe(200)
    expect((await response.json()).paid).toMatchObject({
      x402Version: 1,
      scheme: 'exact',
      network: 'base-sepolia',
    })
  })

  it('signs once and retries once, returning a second 402 as it is', async () => {
    const { pay, payments } = client()
    const before = seen.filter((entry) => entry.path === '/always-402').length
    const response = await pay(`${server.url}/always-402`)
    expect(response.status).toBe(402)
    expect(payments).toHaveLength(1)
    expect(seen.filter((entry) => entry.path === '/always-402').length - before).toBe(2)
  })

  it('leaves a request that already carries a payment alone', async () => {
    const { pay, payments } = client()
    const response = await pay(`${server.url}/always-402`, {
      headers: { 'PAYMENT-SIGNATURE': 'e30=' },
    })
    expect(response.status).toBe(402)
    expect(payments).toHaveLength(0)
  })

  it.each([
    ['above the cap', '/expensive', {}, 'price 0.25 USDC exceeds the per-payment cap of $0.1'],
    [
      'on a network it may not use',
      '/item',
      { networks: ['eip155:8453'] },
      'network not in the allowed list',
    ],
  ])('refuses a payment %s before signing, saying why', async (_, path, options, reason) => {
    const { pay, payments } = client(options)
    const error = await pay(`${server.url}${path}`).catch((thrown: unknown) => thrown)
    expect(isTollgateError(error, 'POLICY_REFUSED')).toBe(true)
    expect((error as Error).message).toContain(reason)
    expect(payments).toHaveLength(0)
  })

  it('refuses an asset it does not know', async () => {
    const { pay, payments } = wrapFetchWithUnknownAsset()
    const error = await pay(`${server.url}/item`).catch((thrown: unknown) => thrown)
    expect((error as Error).message).toContain(`asset ${baseSepoliaUsdc} is not a known asset`)
    expect(payments).toHaveLength(0)
  })

  it('explains a 402 that carries no x402 requirements', async () => {
    const error = await client()
      .pay(`${server.url}/not-x402`)
      .catch((thrown: unknown) => thrown)
    expect(isTollgateError(error, 'PAYLOAD_MALFORMED')).toBe(true)
    expect((error as Error).message).toContain('carries no x402 payment requirements')
  })
})

/** A client whose scheme recognises no asset on Base Sepolia (as on an unknown chain). */
function wrapFetchWithUnknownAsset() {
  const payments: PaymentPayload[] = []
  const scheme = exactEvmClient({ signer })
  const pay = wrapFetch(fetch, {
    schemes: [{ ...scheme, describeAsset: () => undefined }],
    onPayment: (payment) => payments.push(payment),
  })
  return { pay, payments }
}
