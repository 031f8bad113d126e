import { isTollgateError } from '@tollgate/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  contentHash,
  feedbackFileBytes,
  parseFeedbackFile,
  proofOfPayment,
} from './feedbackFile.ts'
import { fromFixedPoint, toFixedPoint } from './fixedPoint.ts'
import {
  parseRegistrationFile,
  registrationFile,
  registrationFileType,
} from './registrationFile.ts'

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

/** Runs `read`; a failure must be a TollgateError with `code`, never anything else. */
function refusal(read: () => unknown): string | undefined {
  try {
    read()
    return undefined
  } catch (error) {
    if (!isTollgateError(error)) throw error
    return error.code
  }
}

describe('feedback values', () => {
  it('reads decimals exactly, without float arithmetic', () => {
    expect(toFixedPoint('99.77')).toEqual({ value: 9977n, decimals: 2 })
    expect(toFixedPoint(-1.5)).toEqual({ value: -15n, decimals: 1 })
    expect(toFixedPoint(87)).toEqual({ value: 87n, decimals: 0 })
    expect(toFixedPoint(1e-7)).toEqual({ value: 1n, decimals: 7 })
    expect(toFixedPoint(1e21)).toEqual({ value: 10n ** 21n, decimals: 0 })
    expect(toFixedPoint('0.000000000000000001')).toEqual({ value: 1n, decimals: 18 })
  })

  it('refuses what the registry would revert on, with the malformed code', () => {
    for (const value of ['1.0000000000000000001', '1e3', 'abc', '', Number.NaN, 10n ** 39n])
      expect(refusal(() => toFixedPoint(value))).toBe('TRUST_FEEDBACK_FILE_MALFORMED')
  })

  it('spells any fixed-point value back as the decimal it reads from', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }),
        fc.integer({ min: 0, max: 18 }),
        (value, decimals) => {
          const text = fromFixedPoint({ value, decimals })
          const back = toFixedPoint(text)
          expect(back.value * 10n ** BigInt(decimals - back.decimals)).toBe(value)
        },
      ),
    )
  })
})

describe('registration files', () => {
  it('lists the paid API as a web service flagged x402Support, beside A2A and MCP', () => {
    const file = registrationFile({
      name: 'weather-agent',
      x402Endpoint: 'http://127.0.0.1:4021/weather',
      services: [{ name: 'A2A', endpoint: 'http://127.0.0.1:4021/.well-known/agent-card.json' }],
    })
    expect(file).toMatchObject({
      type: registrationFileType,
      x402Support: true,
      active: true,
      services: [
        { name: 'web', endpoint: 'http://127.0.0.1:4021/weather' },
        { name: 'A2A', endpoint: 'http://127.0.0.1:4021/.well-known/agent-card.json' },
      ],
    })
    expect(parseRegistrationFile(bytes(file))).toEqual(file)
  })

  it('reads files written before `endpoints` became `services`', () => {
    const legacy = {
      type: registrationFileType,
      name: 'old',
      endpoints: [{ name: 'MCP', endpoint: 'x' }],
    }
    expect(parseRegistrationFile(bytes(legacy)).services).toEqual([{ name: 'MCP', endpoint: 'x' }])
  })

  it('refuses anything else with the malformed code and the path at fault', () => {
    expect(
      refusal(() => parseRegistrationFile(bytes({ type: 'x', name: 'n', services: [] }))),
    ).toBe('TRUST_REGISTRATION_MALFORMED')
    expect(() =>
      parseRegistrationFile(bytes({ type: registrationFileType, services: [] })),
    ).toThrow(/name/)
  })
})

describe('feedback files', () => {
  const file = {
    agentRegistry: 'eip155:31337:0x8004A818BFB912233c491871b3d84c89A494BD9e',
    agentId: 0,
    clientAddress: 'eip155:31337:0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
    createdAt: '2026-12-06T00:00:00.000Z',
    value: '98.5',
    valueDecimals: 1,
    proofOfPayment: proofOfPayment({
      payer: '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
      payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      chainId: 31337,
      transaction: `0x${'ab'.repeat(32)}`,
    }),
    nested: { kept: { deep: [1, 2] } },
  }

  it('hashes the exact bytes published, nested keys included', () => {
    const published = feedbackFileBytes(file)
    const withoutNested = feedbackFileBytes({ ...file, nested: {} })
    expect(contentHash(published)).not.toBe(contentHash(withoutNested))
    expect(parseFeedbackFile(published)).toEqual(file)
  })

  it('never throws anything but the malformed code, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map(bytes),
          fc
            .record({ agentId: fc.anything(), value: fc.anything(), valueDecimals: fc.anything() })
            .map((fields) => bytes({ ...file, ...fields })),
        ),
        (input) => {
          const code = refusal(() => parseFeedbackFile(input))
          expect([undefined, 'TRUST_FEEDBACK_FILE_MALFORMED']).toContain(code)
          const registration = refusal(() => parseRegistrationFile(input))
          expect([undefined, 'TRUST_REGISTRATION_MALFORMED']).toContain(registration)
        },
      ),
    )
  })
})
