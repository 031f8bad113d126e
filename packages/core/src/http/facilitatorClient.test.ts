/**
 * A payment the client cannot write as JSON is the payment's fault, never "facilitator
 * unreachable": it is refused as data without a request, while a network failure still is an
 * outage. Method: a fetch that records its calls, payments too deep for JSON.stringify, cyclic or
 * holding a BigInt.
 */
import { describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/codes.ts'
import { isTollgateError } from '../errors/TollgateError.ts'
import type { PaymentPayload, PaymentRequirements } from '../wire/types.ts'
import { HttpFacilitatorClient } from './facilitatorClient.ts'

const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 300,
}

function payment(extra: unknown): PaymentPayload {
  return { x402Version: 2, accepted: requirements, payload: { extra } }
}

function tooDeep(): unknown {
  let value: unknown = 1
  for (let level = 0; level < 200_000; level++) value = [value]
  return value
}

const cyclic: Record<string, unknown> = {}
cyclic.self = cyclic

function recordingClient(answer: () => Promise<Response>) {
  const calls: string[] = []
  const client = new HttpFacilitatorClient({
    url: 'http://facilitator.test',
    fetch: async (input) => {
      calls.push(String(input))
      return answer()
    },
  })
  return { client, calls }
}

describe('HttpFacilitatorClient with a payment JSON cannot express', () => {
  it.each([
    ['nested past the serialiser stack', tooDeep()],
    ['cyclic', cyclic],
    ['holding a BigInt', 1n],
  ])('%s: refused as invalid_payload without a request', async (_, extra) => {
    const { client, calls } = recordingClient(async () => Response.json({ isValid: true }))
    expect(await client.verify(payment(extra), requirements)).toMatchObject({
      isValid: false,
      invalidReason: reasonOf('PAYLOAD_MALFORMED'),
    })
    expect(await client.settle(payment(extra), requirements)).toMatchObject({
      success: false,
      errorReason: reasonOf('PAYLOAD_MALFORMED'),
      transaction: '',
      network: requirements.network,
    })
    expect(calls).toEqual([])
  })

  it('still reports a network failure as facilitator_unavailable', async () => {
    const { client, calls } = recordingClient(() => Promise.reject(new TypeError('fetch failed')))
    const thrown = await client.verify(payment('fine'), requirements).catch((error) => error)
    expect(isTollgateError(thrown, 'FACILITATOR_UNAVAILABLE')).toBe(true)
    expect(calls).toEqual(['http://facilitator.test/verify'])
  })
})
