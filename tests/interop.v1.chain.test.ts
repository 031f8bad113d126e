/**
 * The legacy x402 v1 protocol. Its clients know only named networks, so this devnet runs with
 * chain id 84532 ("base-sepolia"). A v1 client (x402-fetch 1.x) pays our server, and our
 * facilitator answers v1 request bodies in v1 form.
 */
import { decodePaymentRequiredHeader, requirementsToV1 } from '@tollgate/core'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeXPaymentResponse, wrapFetchWithPayment } from 'x402-fetch'
import {
  payerAccount,
  postFacilitator,
  signPayment,
  startTestStack,
  tokenBalance,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack({ chainId: 84532 })
})
afterAll(() => stack?.stop())

describe('x402 v1', () => {
  it('the 402 carries v1 requirements in the body and v2 in the header', async () => {
    const response = await fetch(`${stack.manifest.exampleApiUrl}/weather`)
    expect(response.status).toBe(402)
    expect(await response.json()).toMatchObject({
      x402Version: 1,
      accepts: [
        {
          scheme: 'exact',
          network: 'base-sepolia',
          maxAmountRequired: '1000',
          resource: `${stack.manifest.exampleApiUrl}/weather`,
        },
        // The embedded Solana devnet answers as Solana devnet, which has a v1 name too.
        {
          scheme: 'exact',
          network: 'solana-devnet',
          maxAmountRequired: '1000',
          asset: stack.manifest.solana.mint,
          extra: { feePayer: stack.manifest.solana.feePayer.address },
        },
      ],
    })
    expect(
      decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).accepts[0]?.network,
    ).toBe('eip155:84532')
  })

  it('x402-fetch 1.x pays our server through our facilitator', async () => {
    const { manifest } = stack
    const before = await tokenBalance(manifest, manifest.accounts.payer.address)
    const pay = wrapFetchWithPayment(fetch, payerAccount(manifest))
    const response = await pay(`${manifest.exampleApiUrl}/weather`)
    expect(response.status).toBe(200)
    expect(await response.json()).toHaveProperty('temperatureC')
    const receipt = decodeXPaymentResponse(response.headers.get('X-PAYMENT-RESPONSE')!)
    expect(receipt).toMatchObject({
      success: true,
      network: 'base-sepolia',
      payer: manifest.accounts.payer.address,
    })
    expect(before - (await tokenBalance(manifest, manifest.accounts.payer.address))).toBe(1000n)
  })

  it('the facilitator lists v1 kinds and verifies and settles v1 request bodies', async () => {
    const { manifest } = stack
    const supported = await (await fetch(`${manifest.facilitatorUrl}/supported`)).json()
    expect(supported.kinds).toContainEqual({
      x402Version: 1,
      scheme: 'exact',
      network: 'base-sepolia',
    })
    const requirements = weatherRequirements(manifest)
    const payment = await signPayment(manifest, requirements)
    const body = {
      x402Version: 1,
      paymentPayload: {
        x402Version: 1,
        scheme: 'exact',
        network: 'base-sepolia',
        payload: payment.payload,
      },
      paymentRequirements: requirementsToV1(requirements, {
        url: `${manifest.exampleApiUrl}/weather`,
        description: 'x',
      }),
    }
    expect((await postFacilitator(manifest, '/verify', body)).body).toEqual({
      isValid: true,
      payer: manifest.accounts.payer.address,
    })
    const settled = await postFacilitator(manifest, '/settle', body)
    expect(settled.body).toMatchObject({
      success: true,
      network: 'base-sepolia',
      payer: manifest.accounts.payer.address,
    })
    const mismatched = { ...body, paymentPayload: { ...body.paymentPayload, network: 'base' } }
    expect((await postFacilitator(manifest, '/verify', mismatched)).body).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_exact_evm_network_mismatch',
    })
  })
})
