import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorCodes } from '../errors/codes.ts'
import { isTollgateError } from '../errors/TollgateError.ts'
import {
  decodeJsonHeader,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  encodePaymentHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from '../http/headers.ts'
import { findMatchingRequirements } from './match.ts'
import { parsePaymentPayload, parsePaymentRequired, parsePaymentRequirements } from './parse.ts'
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from './types.ts'
import { paymentPayloadFromV1, paymentRequiredToV1, requirementsToV1 } from './v1.ts'

const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
}

const required: PaymentRequired = {
  x402Version: 2,
  error: 'Payment required',
  resource: {
    url: 'http://localhost/weather',
    description: 'Weather',
    mimeType: 'application/json',
  },
  accepts: [requirements],
}

function reasonOfThrown(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    if (isTollgateError(error)) return error.reason
    throw error
  }
  return undefined
}

describe('headers', () => {
  it('round-trips PAYMENT-REQUIRED', () => {
    expect(decodePaymentRequiredHeader(encodePaymentRequiredHeader(required))).toEqual(required)
  })

  it('encodes a v2 payment in PAYMENT-SIGNATURE and a v1 payment in X-PAYMENT', () => {
    const payload: PaymentPayload = { x402Version: 2, accepted: requirements, payload: { a: 1 } }
    expect(encodePaymentHeader(payload).name).toBe('PAYMENT-SIGNATURE')
    const v1 = encodePaymentHeader({ ...payload, x402Version: 1 })
    expect(v1.name).toBe('X-PAYMENT')
    expect(decodeJsonHeader(v1.value, 'X-PAYMENT')).toEqual({
      x402Version: 1,
      scheme: 'exact',
      network: 'base-sepolia',
      payload: { a: 1 },
    })
  })

  it('writes the v1 receipt with the v1 network name', () => {
    const receipt = { success: true, transaction: '0xabc', network: 'eip155:84532', payer: '0x1' }
    const v2 = encodePaymentResponseHeader(receipt, 2)
    expect(v2.name).toBe('PAYMENT-RESPONSE')
    expect(decodePaymentResponseHeader(v2.value)).toEqual(receipt)
    const v1 = encodePaymentResponseHeader(receipt, 1)
    expect(v1.name).toBe('X-PAYMENT-RESPONSE')
    expect(decodePaymentResponseHeader(v1.value).network).toBe('base-sepolia')
  })

  it.each([
    ['not base64', '%%%'],
    ['base64url alphabet', btoa('{"a":"???"}').replaceAll('/', '_')],
    ['not JSON', btoa('hello')],
    ['duplicate keys', btoa('{"x402Version":2,"x402Version":1}')],
    ['oversized', 'A'.repeat(40_000)],
    ['empty', '   '],
  ])('rejects a malformed header (%s) with invalid_payload', (_, header) => {
    expect(reasonOfThrown(() => decodePaymentRequiredHeader(header))).toBe('invalid_payload')
  })

  it('rejects an unknown version with invalid_x402_version', () => {
    const header = encodeJsonHeader({ ...required, x402Version: 3 })
    expect(reasonOfThrown(() => decodePaymentRequiredHeader(header))).toBe('invalid_x402_version')
  })

  it('decoders only ever throw protocol errors, whatever the input (fuzz)', () => {
    const anyHeader = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.json().map((json) => btoa(unescape(encodeURIComponent(json)))),
      fc
        .record({ x402Version: fc.constantFrom(1, 2, 3, '2', null), accepts: fc.anything() })
        .map((value) => encodeJsonHeader(value)),
    )
    fc.assert(
      fc.property(anyHeader, (header) => {
        for (const decode of [decodePaymentRequiredHeader, decodePaymentResponseHeader]) {
          try {
            decode(header)
          } catch (error) {
            expect(isTollgateError(error)).toBe(true)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('parsing', () => {
  it.each([['1e3'], ['+1'], ['0x10'], ['-1'], ['01'], ['1.5'], ['']])(
    'rejects the amount %j',
    (amount) => {
      expect(reasonOfThrown(() => parsePaymentRequirements({ ...requirements, amount }, 2))).toBe(
        'invalid_payment_requirements',
      )
    },
  )

  it('treats null optional fields as absent and keeps unknown fields', () => {
    const parsed = parsePaymentRequirements({ ...requirements, extra: null, future: 1 }, 2)
    expect(parsed.extra).toBeUndefined()
    expect(Object.entries(parsed)).toContainEqual(['future', 1])
  })

  it('reads a v1 402 body into the internal shape', () => {
    const v1 = paymentRequiredToV1(required)
    expect(v1.accepts[0]).toMatchObject({ network: 'base-sepolia', maxAmountRequired: '1000' })
    const internal = parsePaymentRequired(v1)
    expect(internal.x402Version).toBe(1)
    expect(internal.accepts[0]).toEqual(requirements)
    expect(internal.resource.url).toBe('http://localhost/weather')
  })

  it('drops requirements v1 has no network name for', () => {
    expect(
      requirementsToV1({ ...requirements, network: 'eip155:31337' }, required.resource),
    ).toBeUndefined()
  })

  it('translates a v1 payment given the requirement it pays', () => {
    const parsed = parsePaymentPayload({
      x402Version: 1,
      scheme: 'exact',
      network: 'base-sepolia',
      payload: {},
    })
    expect(parsed.version).toBe(1)
    if (parsed.version !== 1) return
    expect(paymentPayloadFromV1(parsed.payload, requirements).accepted.network).toBe('eip155:84532')
  })
})

describe('findMatchingRequirements', () => {
  const payload: PaymentPayload = { x402Version: 2, accepted: requirements, payload: {} }

  it('matches equal requirements regardless of address case and extra key order', () => {
    const accepted = {
      ...requirements,
      payTo: requirements.payTo.toLowerCase(),
      extra: { version: '2', name: 'USDC', clientAdded: true },
    }
    expect(findMatchingRequirements({ ...payload, accepted }, [requirements])).toBe(requirements)
  })

  it.each([
    ['amount lower', { amount: '999' }],
    ['amount higher', { amount: '1001' }],
    ['network', { network: 'eip155:8453' }],
    ['asset', { asset: '0x0000000000000000000000000000000000000001' }],
    ['payTo', { payTo: '0x0000000000000000000000000000000000000002' }],
    ['scheme', { scheme: 'upto' }],
    ['timeout', { maxTimeoutSeconds: 301 }],
    ['extra value', { extra: { name: 'USD Coin', version: '2' } }],
    ['extra missing', { extra: { name: 'USDC' } }],
  ])('does not match a different %s', (_, change) => {
    expect(
      findMatchingRequirements({ ...payload, accepted: { ...requirements, ...change } }, [
        requirements,
      ]),
    ).toBe(undefined)
  })
})

describe('error codes', () => {
  it('have unique wire reasons', () => {
    const reasons = Object.values(errorCodes).map((entry) => entry.reason)
    expect(new Set(reasons).size).toBe(reasons.length)
  })

  it('use the reference strings for the spec and reference codes', () => {
    // A sample pinned character for character; a rename here breaks clients.
    expect(errorCodes.EVM_EXACT_SIGNATURE_INVALID.reason).toBe('invalid_exact_evm_signature')
    expect(errorCodes.EVM_EXACT_VALID_BEFORE.reason).toBe(
      'invalid_exact_evm_payload_authorization_valid_before',
    )
    expect(errorCodes.SETTLEMENT_PENDING.reason).toBe('settlement_pending')
    expect(errorCodes.PAYLOAD_MALFORMED.reason).toBe('invalid_payload')
  })
})
