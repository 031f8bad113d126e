/**
 * Replay against the real stack: one signed payment buys one response. The same
 * PAYMENT-SIGNATURE presented again gets the stored response (same receipt, same bytes); a copy
 * without its payment-identifier id, copies sent concurrently, or the payment taken to a server
 * with a store of its own never buy a second response, and the chain shows one transfer.
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type PaymentPayload,
} from '@tollgate/core'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { type DevStack, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

/** Pays once with the real client and returns the header it sent. */
async function payOnce(): Promise<{
  header: string
  payment: PaymentPayload
  response: Response
}> {
  let payment: PaymentPayload | undefined
  const pay = wrapFetch(fetch, {
    schemes: [
      exactEvmClient({
        signer: payerAccount(stack.manifest),
        assets: { [stack.manifest.network]: stack.manifest.asset },
      }),
    ],
    onPayment: (made) => {
      payment = made
    },
  })
  const response = await pay(`${stack.manifest.exampleApiUrl}/weather`)
  return { header: encodePaymentHeader(payment!).value, payment: payment!, response }
}

const weather = (header: string, base = stack.manifest.exampleApiUrl) =>
  fetch(`${base}/weather`, { headers: { 'PAYMENT-SIGNATURE': header } })

const reasonOf = (response: Response) =>
  decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error

describe('replay on the real stack', () => {
  it('a replayed payment header buys nothing more, here or on another server', async () => {
    const { manifest } = stack
    const transfersBefore = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    const { header, payment, response } = await payOnce()
    expect(response.status).toBe(200)
    expect(readReceipt(response)?.success).toBe(true)
    expect(payment.extensions?.['payment-identifier']).toMatchObject({
      info: { id: expect.stringMatching(/^pay_[0-9a-f]{32}$/) },
    })
    const body = await response.text()

    const replay = await weather(header)
    expect(replay.status).toBe(200)
    expect(await replay.text()).toBe(body)
    expect(replay.headers.get('PAYMENT-RESPONSE')).toBe(response.headers.get('PAYMENT-RESPONSE'))

    const { extensions: _, ...withoutId } = payment
    const copy = await weather(encodePaymentHeader(withoutId).value)
    expect(copy.status).toBe(402)
    expect(reasonOf(copy)).toBe('payment_already_in_use')

    const other = new Hono()
    other.use(
      paymentMiddleware({
        routes: {
          'GET /weather': {
            price: '$0.001',
            network: manifest.network,
            payTo: manifest.accounts.merchant.address,
          },
        },
        facilitator: { url: manifest.facilitatorUrl },
        schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
        // A server that shares nothing with the first: only the facilitator stops the payment.
        store: new MemoryResponseStore(),
      }),
    )
    other.get('/weather', (c) => c.json({ served: 'twice?' }))
    const otherServer = await listen(other, 0)
    try {
      const elsewhere = await weather(header, otherServer.url)
      expect(elsewhere.status).toBe(402)
      expect(reasonOf(elsewhere)).toBe('invalid_exact_evm_nonce_already_used')
    } finally {
      await otherServer.close()
    }
    expect(
      await transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      ),
    ).toBe(transfersBefore + 1)
    expect((await fetch(`${manifest.exampleApiUrl}/health`)).status).toBe(200)
  })

  it('one payment header sent 8 times at once is served once and settled once', async () => {
    const { manifest } = stack
    const transfersBefore = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    // A fresh, unused payment: sign it against the 402 without sending it.
    const unpaid = await fetch(`${manifest.exampleApiUrl}/weather`)
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    const scheme = exactEvmClient({
      signer: payerAccount(manifest),
      assets: { [manifest.network]: manifest.asset },
    })
    const accepted = required.accepts[0]!
    const payment: PaymentPayload = {
      x402Version: 2,
      resource: required.resource,
      accepted,
      payload: await scheme.createPayload(accepted, { x402Version: 2 }),
    }
    const header = encodePaymentHeader(payment).value
    const responses = await Promise.all(Array.from({ length: 8 }, () => weather(header)))
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1)
    expect(responses.filter((response) => response.status === 402)).toHaveLength(7)
    expect(
      await transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      ),
    ).toBe(transfersBefore + 1)
  })
})
