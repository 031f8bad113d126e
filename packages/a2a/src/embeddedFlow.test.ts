import type { PaymentRequired } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import {
  cartMandate,
  cartPaymentRequired,
  embeddedPayment,
  embeddedPaymentMessage,
} from './embeddedFlow.ts'

const accepts = [
  {
    scheme: 'exact',
    network: 'eip155:84532',
    amount: '10000',
    asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    payTo: '0x1111111111111111111111111111111111111111',
    maxTimeoutSeconds: 300,
    extra: { name: 'USDC', version: '2' },
  },
]
const required: PaymentRequired = { x402Version: 2, resource: { url: 'a2a://task/t1' }, accepts }

describe('the embedded flow, read leniently', () => {
  it('reads the AP2 types’ cart (contents.payment_request) that cartMandate writes', () => {
    const cart = cartMandate(required, { id: 'cart-1', merchantName: 'Shop' })[
      'ap2.mandates.CartMandate'
    ]
    expect(cartPaymentRequired(cart, 'a2a://task/t1')?.accepts).toEqual(accepts)
  })

  it('reads the a2a-x402 v0.2 example’s cart (payment_request at the top, a list of methods)', () => {
    const cart = {
      id: 'cart-2',
      merchant_signature: 'sig',
      payment_request: {
        method_data: [
          { supported_methods: 'basic-card', data: {} },
          { supported_methods: ['https://www.x402.org'], data: { x402Version: 2, accepts } },
        ],
        details: {
          id: 'cart-2',
          total: { label: 'Total', amount: { currency: 'USD', value: 0.01 } },
        },
      },
    }
    expect(cartPaymentRequired(cart, 'a2a://task/t2')).toMatchObject({
      resource: { url: 'a2a://task/t2' },
      accepts,
    })
  })

  it('offers nothing for a cart without x402 or with a broken x402 method', () => {
    expect(
      cartPaymentRequired(
        { payment_request: { method_data: [{ supported_methods: 'basic-card' }] } },
        'x',
      ),
    ).toBeUndefined()
    expect(
      cartPaymentRequired(
        {
          payment_request: {
            method_data: [
              { supported_methods: 'https://www.x402.org/', data: { x402Version: 2, accepts: [] } },
            ],
          },
        },
        'x',
      ),
    ).toBeUndefined()
    expect(cartPaymentRequired('not a cart', 'x')).toBeUndefined()
  })

  it('carries the payment in a PaymentMandate and reads it back', () => {
    const cart = cartMandate(required, { id: 'cart-3', merchantName: 'Shop' })[
      'ap2.mandates.CartMandate'
    ]
    const payment = { x402Version: 2, accepted: accepts[0], payload: { signature: '0x' } }
    const said = embeddedPaymentMessage(payment as never, cart, { taskId: 't3', contextId: 'c3' })
    expect(said.metadata).toEqual({ 'x402.payment.status': 'payment-submitted' })
    expect(embeddedPayment(said)).toEqual(payment)
  })
})
