/**
 * Goal: the Permit2 payload schemas accept exactly the shapes x402 clients send and refuse the
 * rest with issues (never a throw), whatever JSON arrives. Method: a valid payload, targeted
 * mutations, and fast-check properties over arbitrary JSON and over single-field corruption.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exactPermit2PayloadSchema, isPermit2Payload, uptoPermit2PayloadSchema } from './payload.ts'

const valid = {
  signature: `0x${'ab'.repeat(65)}`,
  permit2Authorization: {
    from: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    permitted: { token: '0x5FbDB2315678afecb367f032d93F642f64180aa3', amount: '10000' },
    spender: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
    nonce: (2n ** 255n + 7n).toString(),
    deadline: '1900000000',
    witness: { to: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', validAfter: '0' },
  },
}

describe('Permit2 payload schemas', () => {
  it('accept an exact payload, and an upto one only with the witness facilitator', () => {
    expect(exactPermit2PayloadSchema.safeParse(valid).success).toBe(true)
    expect(uptoPermit2PayloadSchema.safeParse(valid).success).toBe(false)
    const upto = {
      ...valid,
      permit2Authorization: {
        ...valid.permit2Authorization,
        witness: {
          ...valid.permit2Authorization.witness,
          facilitator: valid.permit2Authorization.from,
        },
      },
    }
    expect(uptoPermit2PayloadSchema.safeParse(upto).success).toBe(true)
    expect(isPermit2Payload(valid)).toBe(true)
    expect(isPermit2Payload({ signature: '0x', authorization: {} })).toBe(false)
  })

  it('refuse numbers past uint256, non-decimal amounts and short addresses', () => {
    const auth = valid.permit2Authorization
    for (const broken of [
      { ...auth, nonce: (2n ** 256n).toString() },
      { ...auth, deadline: '-1' },
      { ...auth, permitted: { ...auth.permitted, amount: '1e6' } },
      { ...auth, permitted: { ...auth.permitted, amount: '010' } },
      { ...auth, spender: '0x1234' },
      { ...auth, witness: { to: auth.witness.to } },
    ]) {
      expect(
        exactPermit2PayloadSchema.safeParse({ ...valid, permit2Authorization: broken }).success,
      ).toBe(false)
    }
    expect(exactPermit2PayloadSchema.safeParse({ ...valid, signature: '0xabc' }).success).toBe(
      false,
    )
  })

  it('never throw on arbitrary JSON, and never accept it unless it has the shape', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const schema of [exactPermit2PayloadSchema, uptoPermit2PayloadSchema]) {
          const result = schema.safeParse(value)
          if (result.success) expect(typeof result.data.permit2Authorization.from).toBe('string')
        }
      }),
      { seed: 1_204_2026, numRuns: 500 },
    )
  })

  it('refuse any one field of the authorization replaced by arbitrary JSON of another kind', () => {
    const fields = ['from', 'spender', 'nonce', 'deadline'] as const
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())),
        (field, replacement) => {
          const broken = {
            ...valid,
            permit2Authorization: { ...valid.permit2Authorization, [field]: replacement },
          }
          expect(exactPermit2PayloadSchema.safeParse(broken).success).toBe(false)
        },
      ),
      { seed: 42, numRuns: 200 },
    )
  })
})
