/**
 * Goal: requirements carry what only the facilitator knows (the Solana fee payer) once it has
 * answered `/supported`, through the scheme server's optional `enhanceRequirements`; schemes
 * without the hook are offered as built. Method: a fake facilitator and fake scheme servers.
 */
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type FacilitatorClient,
  type PaymentRequirements,
  paymentHeaders,
  type SchemeServer,
} from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { type GateRequest, PaymentGate } from './paymentGate.ts'

function schemeServer(network: string, withHook: boolean): SchemeServer {
  return {
    scheme: 'exact',
    networks: [network],
    buildRequirements: ({ network: on, payTo, maxTimeoutSeconds }) => ({
      scheme: 'exact',
      network: on,
      amount: '1000',
      asset: 'Mint1111111111111111111111111111111111111111',
      payTo,
      maxTimeoutSeconds,
    }),
    assetDecimals: () => 6,
    ...(withHook
      ? {
          enhanceRequirements: (requirements, kind) => ({
            ...requirements,
            extra: { ...requirements.extra, feePayer: kind.extra?.feePayer },
          }),
        }
      : {}),
  }
}

function facilitator(verified: PaymentRequirements[]): FacilitatorClient {
  return {
    url: 'http://facilitator.test',
    supported: async () => ({
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'solana:test', extra: { feePayer: 'Fee1' } },
        { x402Version: 2, scheme: 'exact', network: 'other:test', extra: { feePayer: 'Fee2' } },
      ],
      extensions: [],
      signers: {},
    }),
    verify: async (_, requirements) => {
      verified.push(requirements)
      return { isValid: false, invalidReason: 'invalid_payload' }
    },
    settle: async () => {
      throw new Error('not expected')
    },
  }
}

const request = (header?: string): GateRequest => ({
  method: 'GET',
  path: '/paid',
  url: 'http://shop.test/paid',
  header: (name) => (name === paymentHeaders.signature ? header : undefined),
})

describe('PaymentGate with enhanceRequirements', () => {
  it('adds the facilitator fee payer once /supported answered, and verifies with it', async () => {
    const verified: PaymentRequirements[] = []
    const gate = new PaymentGate({
      routes: {
        '/paid': {
          accepts: [
            { price: '$0.001', network: 'solana:test', payTo: 'Shop' },
            { price: '$0.001', network: 'other:test', payTo: 'Shop' },
          ],
        },
      },
      facilitator: facilitator(verified),
      schemes: [schemeServer('solana:test', true), schemeServer('other:test', false)],
    })
    expect(gate.paymentRequired(request())?.accepts[0]?.extra).toBeUndefined()

    const decision = await gate.begin(request())
    if (decision.kind !== 'respond') throw new Error('a 402 was expected')
    const offered = decodePaymentRequiredHeader(decision.response.headers[paymentHeaders.required]!)
    expect(offered.accepts.map((accepted) => accepted.extra)).toEqual([
      { feePayer: 'Fee1' },
      undefined,
    ])
    expect(gate.paymentRequired(request())?.accepts).toEqual(offered.accepts)

    const accepted = offered.accepts[0]!
    const header = encodePaymentHeader({ x402Version: 2, accepted, payload: { transaction: 'x' } })
    await gate.begin(request(header.value))
    expect(verified).toEqual([accepted])
  })
})
