import {
  decodePaymentRequiredHeader,
  type PaymentRequired,
  type PaymentRequirements,
} from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { paymentRequiredResponse } from './responses.ts'

const offer = (network: string, asset: string): PaymentRequirements => ({
  scheme: 'exact',
  network,
  amount: '1000',
  asset,
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  maxTimeoutSeconds: 300,
})
const usdcBaseSepolia = offer('eip155:84532', '0x036CbD53842c5426634e7929541eC2318f3dCF7e')
const localChain = offer('eip155:31337', '0x5FbDB2315678afecb367f032d93F642f64180aa3')
// A Solana cluster known only by its CAIP-2 id (no v1 name), as a local validator is.
const localSolana = offer(
  'solana:8E9rvCKLFQia2Y35HXjjpWzj8weVo44K',
  '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
)

function required(accepts: PaymentRequirements[]): PaymentRequired {
  return {
    x402Version: 2,
    error: 'Payment required',
    resource: { url: 'http://api.test/weather' },
    accepts,
  }
}

describe('paymentRequiredResponse', () => {
  it('keeps the v1 form on top for v1 clients and puts every offer in the body', () => {
    const response = paymentRequiredResponse(
      required([usdcBaseSepolia, localChain, localSolana]),
      'pay first',
    )
    const header = decodePaymentRequiredHeader(response.headers['PAYMENT-REQUIRED']!)
    const body = JSON.parse(String(response.body))
    expect(body).toMatchObject({
      x402Version: 1,
      error: 'Payment required',
      accepts: [{ network: 'base-sepolia', maxAmountRequired: '1000' }],
      message: 'pay first',
    })
    expect(body.accepts).toHaveLength(1)
    // Every offer of the header, also those v1 cannot name, is readable in the body.
    expect(header.accepts).toHaveLength(3)
    expect(body.paymentRequired).toEqual(header)
  })

  it('shows the v2 document when no offer has a v1 name', () => {
    const response = paymentRequiredResponse(required([localChain, localSolana]))
    const header = decodePaymentRequiredHeader(response.headers['PAYMENT-REQUIRED']!)
    const body = JSON.parse(String(response.body))
    expect(body).toMatchObject({ x402Version: 2, accepts: header.accepts })
    expect(body.paymentRequired).toEqual(header)
  })

  it('says why in both forms', () => {
    const response = paymentRequiredResponse({
      ...required([usdcBaseSepolia, localSolana]),
      error: 'invalid_exact_evm_signature',
    })
    const body = JSON.parse(String(response.body))
    expect(body.error).toBe('invalid_exact_evm_signature')
    expect(body.paymentRequired.error).toBe('invalid_exact_evm_signature')
  })
})
