import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chargeOf, microUsdPerMillion, usd } from './pricing.ts'

describe('pricing', () => {
  it('charges $2 per million tokens as 2 micro-dollars a token', () => {
    const perMillion = microUsdPerMillion(2)
    expect(perMillion).toBe(2_000_000n)
    expect(chargeOf(123, perMillion)).toBe(246n)
    expect(usd(chargeOf(16_384, perMillion))).toBe('$0.032768')
  })

  it('rounds up to a whole micro-dollar, and never charges less than one', () => {
    const cheap = microUsdPerMillion(0.1)
    expect(chargeOf(1, cheap)).toBe(1n)
    expect(chargeOf(10, cheap)).toBe(1n)
    expect(chargeOf(11, cheap)).toBe(2n)
    expect(chargeOf(0, cheap)).toBe(1n)
  })

  it('is monotonic and never below the exact price', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.integer({ min: 1, max: 100_000_000 }), (tokens, micro) => {
        const perMillion = BigInt(micro)
        const charge = chargeOf(tokens, perMillion)
        expect(charge * 1_000_000n).toBeGreaterThanOrEqual(BigInt(tokens) * perMillion)
        expect((charge - 1n) * 1_000_000n).toBeLessThan(BigInt(Math.max(tokens, 1)) * perMillion)
        expect(chargeOf(tokens + 1, perMillion)).toBeGreaterThanOrEqual(charge)
      }),
    )
  })

  it('writes dollars with six decimals', () => {
    expect(usd(1n)).toBe('$0.000001')
    expect(usd(1_234_567n)).toBe('$1.234567')
  })

  it('refuses a price that is not a whole number of micro-dollars per million', () => {
    expect(() => microUsdPerMillion(0)).toThrow(RangeError)
    expect(() => microUsdPerMillion(-2)).toThrow(RangeError)
    expect(() => microUsdPerMillion(Number.NaN)).toThrow(RangeError)
    expect(() => microUsdPerMillion(0.0000001)).toThrow(RangeError)
  })
})
